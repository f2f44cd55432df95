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
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
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

// checker permits health personnel of the organisations it lists, the way
// the consent service permits a pathway's unit as its care team.
// careTeam permits the receiving unit's organisation, as the care team.
func careTeam(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
	if req.GetActorOrgNumber() == unitOrg {
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
	clock   *clock.Fake
	checker *accesstest.Checker
	legal   *legal
	app     *app.App
	patient string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, nc := eventstoretest.Open(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(t.Context(), js, 1)
	if err != nil {
		t.Fatal(err)
	}
	pseudonyms, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	nid, err := ids.ParseNationalID("31129998949")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, js: js, store: store, audit: log,
		// Tuesday 3 March 2026, 10:00 in Oslo.
		clock:   clock.NewFake(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)),
		checker: accesstest.NewChecker(careTeam),
		legal:   &legal{facts: domain.LegalFacts{MedicationCapacity: true}},
		patient: pseudonyms.PatientID(nid),
	}
	e.app = e.start()
	return e
}

// start builds an application with a fresh write model replayed from the
// stream, as a restarted process would.
func (e *env) start() *app.App {
	e.t.Helper()
	zone, err := civil.LoadOslo()
	if err != nil {
		e.t.Fatal(err)
	}
	image := decider.NewImage(app.Model(), nil)
	a := app.New(app.Deps{
		Store: e.store, Image: image, Clock: e.clock, IDs: idgen.NewULIDs(),
		Policy: domain.Policy{Calendar: workdays.Norway(), Zone: zone, PostponementFlagWorkdays: 7},
		Guard:  access.NewGuard(e.checker, e.audit, e.clock),
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

// assess appends a referral commit holding a ReferralAssessed, as the
// referral service would, and returns its stream sequence.
func (e *env) assess(referralID string, granted bool, birth string) uint64 {
	e.t.Helper()
	ev := &referralv1.ReferralAssessed{
		ReferralId: referralID, PatientId: e.patient, ReceivingUnit: &eventsv1.UnitRef{HerId: unitHer, OrgNumber: unitOrg},
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

// startedPathway assesses a referral with a right granted and waits for the
// process manager to start its pathway.
func (e *env) startedPathway(referralID, birth string) string {
	e.t.Helper()
	seq := e.assess(referralID, true, birth)
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

func personnel(org, hpr string) app.Caller {
	return app.Caller{
		Actor:  domain.Actor{ProfessionalID: hpr, OrgNumber: org, Role: string(authn.RoleClinician)},
		Access: access.Actor{ProfessionalID: hpr, OrgNumber: org, Role: authn.RoleClinician},
	}
}

func clinician() app.Caller { return personnel(unitOrg, "hpr:1234567") }
func stranger() app.Caller  { return personnel(strangerOrg, "hpr:9999999") }
