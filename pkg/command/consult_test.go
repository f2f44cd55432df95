package command_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// caseFile is a toy aggregate: opened for a patient, then closed. Its events
// are wrapped strings, "open:<patient>" and "close".
type caseFile struct {
	ID, Patient string
	Closed      bool
}

func (c caseFile) exists() bool { return c.Patient != "" }

func evolve(c caseFile, e proto.Message, _ *eventsv1.Commit) caseFile {
	switch v := e.(*wrapperspb.StringValue).GetValue(); {
	case v == "close":
		c.Closed = true
	case len(v) > 5:
		c.Patient = v[5:]
	}
	return c
}

const patient = "pt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

type fixture struct {
	agg     *command.Aggregate[caseFile]
	checker *accesstest.Checker
	log     *accesstest.Log
}

// open makes a fixture whose consent service permits org "1" and holds one
// open case "c1".
func open(t *testing.T) fixture {
	t.Helper()
	store, _ := eventstoretest.Open(t)
	clk := clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	image := decider.NewImage(decider.Model[caseFile]{Context: "test", Type: "case", Initial: func(id string) caseFile { return caseFile{ID: id} }, Evolve: evolve}, nil)
	feed, err := image.Run(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Stop)
	runtime := decider.NewRuntime(store, image, clk, idgen.NewULIDs(), 0)
	f := fixture{
		checker: accesstest.NewChecker(func(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
			if req.GetActorOrgNumber() == "1" {
				return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
			}
			return nil
		}),
		log: accesstest.NewLog(nil),
	}
	f.agg = command.NewAggregate(command.Config[caseFile]{
		Runtime: runtime, Guard: access.NewGuard(f.checker, f.log, clk), Clock: clk, IDs: idgen.NewULIDs(),
		What: "case", Exists: caseFile.exists, PatientOf: func(c caseFile) string { return c.Patient },
	})
	if _, err := runtime.Execute(t.Context(), "c1", decider.Meta{}, func(caseFile) ([]proto.Message, error) {
		return []proto.Message{wrapperspb.String("open:" + patient)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// insider may act on a case; outsider may not.
var (
	insider  = access.Actor{ProfessionalID: "hpr:1", OrgNumber: "1", Role: access.RoleClinician}
	outsider = access.Actor{ProfessionalID: "hpr:2", OrgNumber: "2", Role: access.RoleClinician}
)

// healthPersonnelOfOrgOne may act on a case.
func healthPersonnelOfOrgOne(_ caseFile, actor access.Actor, _ closeCase) error {
	if actor.OrgNumber != "1" || !actor.IsHealthPersonnel() {
		return errs.NotFound("case")
	}
	return nil
}

type closeCase struct {
	ID     string
	answer string
}

func read(c caseFile) access.Read {
	return access.Read{PatientID: c.Patient, Category: consentv1.Category_CATEGORY_PATHWAY, Resource: "cases/" + c.ID}
}

func TestConsultIsAskedOnlyOfAnActorWhoMayActAndNeverOnAReplay(t *testing.T) {
	f := open(t)
	asked := 0
	var decidedOn string
	h := command.On[closeCase](f.agg, "Close").
		InState(command.Existing).
		ID("id", func(c closeCase) string { return c.ID }).
		Authorize(healthPersonnelOfOrgOne).
		Consult(func(_ context.Context, _ caseFile, c closeCase) (closeCase, error) {
			asked++
			c.answer = "consulted"
			return c, nil
		}).
		Act(func(_ caseFile, c closeCase, _ command.Env) ([]proto.Message, error) {
			decidedOn = c.answer
			return []proto.Message{wrapperspb.String("close")}, nil
		}).
		Reveals(read)

	_, err := h.Handle(t.Context(), outsider, "r1", closeCase{ID: "c1"})
	testkit.ExpectErr(t, err, testkit.NotFound)
	if asked != 0 {
		t.Fatalf("consulted %d times for an actor who may not act", asked)
	}
	if _, err := h.Handle(t.Context(), insider, "r1", closeCase{ID: "c1"}); err != nil || asked != 1 || decidedOn != "consulted" {
		t.Fatalf("%v, consulted %d times, decided on %q", err, asked, decidedOn)
	}
	if res, err := h.Handle(t.Context(), insider, "r1", closeCase{ID: "c1"}); err != nil || !res.Replayed || asked != 1 {
		t.Fatalf("replay: %v, consulted %d times", err, asked)
	}

	failing := command.On[closeCase](f.agg, "CloseFailing").
		InState(command.Existing).
		ID("id", func(c closeCase) string { return c.ID }).
		Authorize(healthPersonnelOfOrgOne).
		Consult(func(context.Context, caseFile, closeCase) (closeCase, error) {
			return closeCase{}, errs.Unavailable("the other service", errors.New("down"))
		}).
		Act(func(caseFile, closeCase, command.Env) ([]proto.Message, error) {
			t.Fatal("decided without the answer")
			return nil, nil
		})
	if _, err := failing.Handle(t.Context(), insider, "r2", closeCase{ID: "c1"}); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("consult failing: %v", err)
	}
}

func TestAnAccessEndingCommandsRetryAnswersTheFirstAnswerWithoutASecondCheck(t *testing.T) {
	f := open(t)
	h := command.On[closeCase](f.agg, "Close").
		InState(command.Existing).
		ID("id", func(c closeCase) string { return c.ID }).
		Authorize(healthPersonnelOfOrgOne).
		Act(func(caseFile, closeCase, command.Env) ([]proto.Message, error) {
			return []proto.Message{wrapperspb.String("close")}, nil
		}).
		Reveals(read).
		EndsAccess()
	first, err := h.Handle(t.Context(), insider, "r1", closeCase{ID: "c1"})
	if calls, _ := f.checker.Counts(); err != nil || !first.State.Closed || calls != 1 || f.log.Records() != 1 {
		t.Fatalf("first: %v, %d checks, %d records", err, calls, f.log.Records())
	}
	// Closing ended org 1's access.
	f.checker.SetRule(nil)
	again, err := h.Handle(t.Context(), insider, "r1", closeCase{ID: "c1"})
	if calls, _ := f.checker.Counts(); err != nil || !again.Replayed || !again.State.Closed || calls != 1 || f.log.Records() != 1 {
		t.Fatalf("retry: %v, %d checks, %d records", err, calls, f.log.Records())
	}
	// The same key, in the same scope, from someone Authorize refuses.
	_, err = h.Handle(t.Context(), access.Actor{OrgNumber: "1", Role: access.RoleOps}, "r1", closeCase{ID: "c1"})
	testkit.ExpectErr(t, err, testkit.NotFound)
	// An unexported field is no part of the request: the same fingerprint.
	if _, err := h.Handle(t.Context(), insider, "r1", closeCase{ID: "c1", answer: "set by the pipeline"}); err != nil {
		t.Fatalf("an unexported field changed the request: %v", err)
	}
}

func TestOfPatientChecksOnceWhetherOrNotThereAreRows(t *testing.T) {
	f := open(t)
	rows := []caseFile{{ID: "c1", Patient: patient}, {ID: "c2", Patient: patient}}
	r := access.Read{PatientID: patient, Category: consentv1.Category_CATEGORY_PATHWAY, Resource: "patients/" + patient + "/cases"}
	for _, tt := range []struct {
		name        string
		actor       access.Actor
		rows        []caseFile
		wantRows    int
		wantRecords int
	}{
		{"permitted, with rows", insider, rows, 2, 1},
		{"permitted, none", insider, nil, 0, 0},
		{"denied, with rows", outsider, rows, 0, 0},
		{"denied, none", outsider, nil, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls, _ := f.checker.Counts()
			records := f.log.Records()
			got, err := f.agg.OfPatient(t.Context(), tt.actor, r, tt.rows)
			after, _ := f.checker.Counts()
			if err != nil || len(got) != tt.wantRows || after-calls != 1 || f.log.Records()-records != tt.wantRecords {
				t.Fatalf("%v: %d rows, %d checks, %d records", err, len(got), after-calls, f.log.Records()-records)
			}
		})
	}
}
