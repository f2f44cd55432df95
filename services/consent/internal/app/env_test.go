package app_test

// Component-test fixtures: the application against a real embedded
// JetStream, the real event store, access log and write model, and a fake
// clock. The access guard of the service's own reads is either the real one
// (the service's own decisions) or a counting fake (pkg/access/accesstest),
// for the tests that prove absent and denied do the same work.

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/testkit"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

const (
	dpsOrg      = "983974899" // the receiving unit's organisation
	dpsHer      = "8100001"
	otherOrg    = "912345679"
	clinicianID = "hpr:1234567" // works at the DPS
	colleagueID = "hpr:7654321" // works at the DPS too
	strangerID  = "hpr:9999999" // works at otherOrg
	navOfficer  = "ext:889640782:case-17"

	patientNID = "31129998949"
	otherNID   = "24050650088"
	parentNID  = "15018010035"
)

type env struct {
	t          *testing.T
	nc         *nats.Conn
	store      *eventstore.Store
	audit      *audit.Log
	clock      *clock.Fake
	pseudonyms *ids.Pseudonymizer
	// checker and log count the service's own reads when the env was made
	// with counting; nil otherwise.
	checker *accesstest.Checker
	log     *accesstest.Log
	app     *app.App
}

// newEnv runs the application with its own access decisions.
func newEnv(t *testing.T) *env { return start(t, nil) }

// newCountingEnv runs the application with its reads checked by checker and
// logged through a counting log.
func newCountingEnv(t *testing.T, rule accesstest.Rule) *env {
	return start(t, accesstest.NewChecker(rule))
}

func start(t *testing.T, checker *accesstest.Checker) *env {
	t.Helper()
	store, log, nc := eventstoretest.OpenWithAudit(t)
	pseudonyms := testkit.Pseudonyms(t)
	e := &env{
		t: t, nc: nc, store: store, audit: log, pseudonyms: pseudonyms, checker: checker,
		// Monday 2 March 2026, 09:00 in Oslo.
		clock: clock.NewFake(testkit.At(t, "2026-03-02 09:00")),
	}
	if checker != nil {
		e.log = accesstest.NewLog(log)
	}
	e.app = e.build()
	return e
}

// build starts an application with a fresh write model folded from the
// stream, as a restarted process would.
func (e *env) build() *app.App {
	e.t.Helper()
	image := decider.NewImage(app.Model(), nil)
	deps := app.Deps{
		Store: e.store, Image: image, Audit: e.audit, Clock: e.clock, IDs: idgen.NewULIDs(), Pseudonyms: e.pseudonyms,
		Policy: domain.Policy{EmergencyAccessDuration: 4 * time.Hour, Zone: testkit.Oslo(e.t)},
	}
	if e.checker != nil {
		deps.Guard = access.NewGuard(e.checker, e.log, e.clock)
	}
	a := app.New(deps)
	feed, err := image.Run(e.t.Context(), e.store, eventstore.AllFilter)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(feed.Stop)
	return a
}

// restart replaces the application with a freshly built one.
func (e *env) restart() { e.app = e.build() }

// patientIDOf is the pseudonym every env gives the national id nid.
func patientIDOf(t *testing.T, nid string) string { return testkit.PatientID(t, nid) }

func (e *env) patientID(nid string) string { return patientIDOf(e.t, nid) }

// referred appends a referral of the patient received at the DPS, as the
// referral service would: the DPS is then the patient's care team.
func (e *env) referred(patientID string) {
	e.t.Helper()
	ev, err := anypb.New(&referralv1.ReferralReceived{
		ReferralId: "r-" + patientID, PatientId: patientID, PatientBirthDate: "1999-12-31",
		ReceivingUnit: &eventsv1.UnitRef{HerId: dpsHer, OrgNumber: dpsOrg}, ReceivedAt: timestamppb.New(e.clock.Now()),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	id := idgen.NewULIDs().New(e.clock.Now())
	if _, err := e.store.Append(e.t.Context(), eventstore.Append{
		Subject: eventstore.Subject("referral", "referral", id),
		Commit: &eventsv1.Commit{
			CommitId: id, AggregateType: "referral", AggregateId: id, AggregateVersion: 1, CorrelationId: id,
			OccurredAt: timestamppb.New(e.clock.Now()), PatientId: patientID, Events: []*anypb.Any{ev},
		},
	}); err != nil {
		e.t.Fatal(err)
	}
}

// lastSeq is the stream's last sequence, to prove a refusal appended nothing.
func (e *env) lastSeq() uint64 {
	e.t.Helper()
	seq, err := e.store.LastSeq(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// The callers.

func clinician() access.Actor {
	return access.Actor{ProfessionalID: clinicianID, OrgNumber: dpsOrg, Role: access.RoleClinician}
}

func colleague() access.Actor {
	return access.Actor{ProfessionalID: colleagueID, OrgNumber: dpsOrg, Role: access.RoleClinician}
}

func stranger() access.Actor {
	return access.Actor{ProfessionalID: strangerID, OrgNumber: otherOrg, Role: access.RoleClinician}
}

func nav() access.Actor {
	return access.Actor{ProfessionalID: navOfficer, OrgNumber: "889640782", Role: access.RoleCoordinator}
}

func (e *env) patient(nid string) access.Actor {
	return access.Actor{PatientID: e.patientID(nid), Role: access.RolePatient}
}

func suiteService() access.Actor {
	return access.Actor{Role: access.RoleService, Service: "stafett-suite"}
}

// events is what the stream holds after seq, decoded, for asserting what a
// command appended.
func (e *env) events(after uint64) []proto.Message {
	e.t.Helper()
	var out []proto.Message
	for seq := after + 1; seq <= e.lastSeq(); seq++ {
		rec, err := e.store.Get(e.t.Context(), seq)
		if err != nil {
			e.t.Fatal(err)
		}
		evs, err := eventstore.DecodeEvents(rec.Commit)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, evs...)
	}
	return out
}
