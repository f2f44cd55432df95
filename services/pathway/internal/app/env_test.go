package app_test

// Component-test fixtures: a real embedded JetStream, the real event store,
// access log and decider runtime, a fake clock, and fakes only for the
// consent service's two answers (access checks and legal status).

import (
	"context"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/testkit"
	"github.com/stafett/stafett/pkg/workdays"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

const (
	unitOrg     = "983974899"
	unitHer     = "8100001"
	newUnitOrg  = "974600951"
	strangerOrg = "912345679"
)

// careTeam permits the organisations of the pathways' units, the way the
// consent service permits a pathway's unit as its care team.
func careTeam(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
	if org := req.GetActorOrgNumber(); org == unitOrg || org == newUnitOrg {
		return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
	}
	return nil
}

// legal answers GetLegalStatus with fixed facts or a fixed error.
type legal struct {
	mu    sync.Mutex
	facts domain.LegalFacts
	err   error
	asked int
}

func (l *legal) LegalStatus(context.Context, string) (domain.LegalFacts, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked++
	return l.facts, l.err
}

type env struct {
	t       *testing.T
	js      jetstream.JetStream
	store   *eventstore.Store
	audit   *audit.Log
	log     *accesstest.Log
	clock   *clock.Fake
	checker *accesstest.Checker
	legal   *legal
	app     *app.App
	patient string
	// otherPatient is a well-formed pseudonym of a patient with no pathway.
	otherPatient string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, log, nc := eventstoretest.OpenWithAudit(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, js: js, store: store, audit: log, log: accesstest.NewLog(log),
		// Tuesday 3 March 2026, 10:00 in Oslo.
		clock:        clock.NewFake(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)),
		checker:      accesstest.NewChecker(careTeam),
		legal:        &legal{facts: domain.LegalFacts{MedicationCapacity: true}},
		patient:      testkit.PatientID(t, "31129998949"),
		otherPatient: testkit.PatientID(t, "01019000083"),
	}
	e.app = e.start()
	return e
}

// start builds an application with a fresh write model replayed from the
// stream, as a restarted process would.
func (e *env) start() *app.App {
	e.t.Helper()
	image := decider.NewImage(app.Model(), nil)
	a := app.New(app.Deps{
		Store: e.store, Image: image, Clock: e.clock, IDs: idgen.NewULIDs(),
		Policy: domain.Policy{Calendar: workdays.Norway(), Zone: testkit.Oslo(e.t), PostponementFlagWorkdays: 7},
		Guard:  access.NewGuard(e.checker, e.log, e.clock),
		Legal:  e.legal,
	})
	feed, err := image.Run(e.t.Context(), e.store)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(feed.Stop)
	return a
}

// runProcessManager runs a's process manager for the rest of the test.
func (e *env) runProcessManager(a *app.App) {
	e.t.Helper()
	sub, err := a.RunProcessManager(e.t.Context(), app.ProcessManagerOptions{JetStream: e.js})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(sub.Stop)
}

// assess appends a referral commit holding a ReferralAssessed for the unit,
// as the referral service would, and returns its stream sequence.
func (e *env) assess(referralID string, granted bool, birth string) uint64 {
	e.t.Helper()
	return e.assessAt(referralID, &eventsv1.UnitRef{HerId: unitHer, OrgNumber: unitOrg}, granted, birth)
}

// assessAt is assess at another receiving unit.
func (e *env) assessAt(referralID string, unit *eventsv1.UnitRef, granted bool, birth string) uint64 {
	e.t.Helper()
	ev := &referralv1.ReferralAssessed{
		ReferralId: referralID, PatientId: e.patient, ReceivingUnit: unit,
		AssessedBy: "hpr:555", AssessedAt: timestamppb.New(e.clock.Now()), PatientBirthDate: birth,
	}
	if granted {
		ev.Outcome = &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}}
	} else {
		ev.Outcome = &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{Reason: "r", FollowUp: "f"}}
	}
	return e.appendCommit(eventstore.Subject("referral", "referral", referralID), referralID, ev)
}

func (e *env) appendCommit(subject, aggregateID string, events ...proto.Message) uint64 {
	e.t.Helper()
	var anys []*anypb.Any
	for _, ev := range events {
		a, err := anypb.New(ev)
		if err != nil {
			e.t.Fatal(err)
		}
		anys = append(anys, a)
	}
	id := idgen.NewULIDs().New(e.clock.Now())
	res, err := e.store.Append(e.t.Context(), eventstore.Append{Subject: subject, Commit: &eventsv1.Commit{
		CommitId: id, AggregateType: "referral", AggregateId: aggregateID, AggregateVersion: 1, CorrelationId: id,
		OccurredAt: timestamppb.New(e.clock.Now()), PatientId: e.patient, Events: anys,
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Seq
}

// startedPathway assesses a referral with a right granted and has the
// process manager handle it, which starts its pathway.
func (e *env) startedPathway(referralID, birth string) string {
	e.t.Helper()
	return e.handled(referralID, e.assess(referralID, true, birth))
}

// startedPathwayAt is startedPathway at another unit.
func (e *env) startedPathwayAt(referralID string, unit *eventsv1.UnitRef) string {
	e.t.Helper()
	return e.handled(referralID, e.assessAt(referralID, unit, true, "1990-01-01"))
}

// handled has the process manager handle the assessment at seq and returns
// the id of the pathway it starts (if it starts one).
func (e *env) handled(referralID string, seq uint64) string {
	e.t.Helper()
	if err := e.app.HandleReferralRecord(e.t.Context(), e.record(seq)); err != nil {
		e.t.Fatal(err)
	}
	return domain.PathwayIDForReferral(referralID)
}

func (e *env) record(seq uint64) eventstore.Record {
	e.t.Helper()
	rec, err := e.store.Get(e.t.Context(), seq)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// commits counts the commits on a pathway's subject.
func (e *env) commits(pathwayID string) int {
	e.t.Helper()
	recs, _, err := e.store.Load(e.t.Context(), eventstore.Subject("pathway", "pathway", pathwayID), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(recs)
}

func (e *env) lastSeq() uint64 {
	e.t.Helper()
	seq, err := e.store.LastSeq(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

func personnel(org, hpr string) access.Actor {
	return access.Actor{ProfessionalID: hpr, OrgNumber: org, Role: access.RoleClinician}
}

func clinician() access.Actor { return personnel(unitOrg, "hpr:1234567") }
func stranger() access.Actor  { return personnel(strangerOrg, "hpr:9999999") }

// work is what a request cost: consent calls and the checks they carried,
// access-log records, and commits appended.
type work struct{ calls, checks, records, commits int }

// measure runs f and reports the work it did.
func (e *env) measure(f func()) work {
	e.t.Helper()
	calls, checks := e.checker.Counts()
	records, seq := e.log.Records(), e.lastSeq()
	f()
	afterCalls, afterChecks := e.checker.Counts()
	return work{calls: afterCalls - calls, checks: afterChecks - checks, records: e.log.Records() - records, commits: int(e.lastSeq() - seq)}
}
