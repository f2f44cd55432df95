package command_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/access/accesstest"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// settle raises a tally by what another service answers (its answer field,
// set by Consult, never by the caller).
type settle struct {
	ID     string
	answer int64
}

var outsider = access.Actor{ProfessionalID: "hpr:2", OrgNumber: "outsider", Role: access.RoleClinician}

// insiders lets health personnel of the insider organisation act.
func insiders(_ tally, a access.Actor, _ settle) error {
	if a.OrgNumber != "insider" || !a.IsHealthPersonnel() {
		return errs.NotFound("tally")
	}
	return nil
}

func tallyRead(s tally) access.Read {
	return access.Read{PatientID: s.patient, Category: consentv1.Category_CATEGORY_PLAN}
}

func (f *fixture) opened(t *testing.T) string {
	t.Helper()
	res, err := f.open.Handle(t.Context(), insider, "open", open{Patient: patient})
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

func TestConsultIsAskedOnlyOfAnActorWhoMayActAndNeverOnAReplay(t *testing.T) {
	f := setup(t)
	id := f.opened(t)
	asked := 0
	h := command.On[settle](f.agg, "Settle").InState(command.Existing).
		ID("tally_id", func(c settle) string { return c.ID }).
		Authorize(insiders).
		Consult(func(_ context.Context, _ tally, c settle) (settle, error) {
			asked++
			c.answer = 7
			return c, nil
		}).
		Act(func(_ tally, c settle, _ command.Env) ([]proto.Message, error) {
			return []proto.Message{wrapperspb.Int64(c.answer)}, nil
		}).
		Reveals(tallyRead)

	_, err := h.Handle(t.Context(), outsider, "s1", settle{ID: id})
	testkit.ExpectErr(t, err, testkit.NotFound)
	if asked != 0 {
		t.Fatalf("consulted %d times for an actor who may not act", asked)
	}
	first, err := h.Handle(t.Context(), insider, "s1", settle{ID: id})
	if err != nil || asked != 1 || first.State.n != 7 {
		t.Fatalf("%v, consulted %d times, tally %d", err, asked, first.State.n)
	}
	// The unexported answer is no part of the request: the same fingerprint.
	again, err := h.Handle(t.Context(), insider, "s1", settle{ID: id, answer: 3})
	if err != nil || !again.Replayed || asked != 1 || again.State.n != 7 {
		t.Fatalf("replay: %v, consulted %d times, tally %d", err, asked, again.State.n)
	}

	failing := command.On[settle](f.agg, "SettleFailing").InState(command.Existing).
		ID("tally_id", func(c settle) string { return c.ID }).
		Authorize(insiders).
		Consult(func(context.Context, tally, settle) (settle, error) {
			return settle{}, errs.Unavailable("the other service", errors.New("down"))
		}).
		Act(func(tally, settle, command.Env) ([]proto.Message, error) {
			t.Error("decided without the other service's answer")
			return nil, nil
		})
	before := f.commits(t)
	if _, err := failing.Handle(t.Context(), insider, "s2", settle{ID: id}); !errors.Is(err, errs.ErrUnavailable) || f.commits(t) != before {
		t.Fatalf("consult failing: %v", err)
	}
}

func TestAnAccessEndingCommandsRetryAnswersTheFirstAnswerWithoutASecondCheck(t *testing.T) {
	f := setup(t)
	id := f.opened(t)
	h := command.On[settle](f.agg, "Close").InState(command.Existing).
		ID("tally_id", func(c settle) string { return c.ID }).
		Authorize(insiders).
		Act(func(tally, settle, command.Env) ([]proto.Message, error) {
			return []proto.Message{wrapperspb.Int64(1)}, nil
		}).
		Reveals(tallyRead).
		EndsAccess()
	first, err := h.Handle(t.Context(), insider, "c1", settle{ID: id})
	calls, _ := f.checker.Counts()
	if err != nil || first.State.n != 1 || calls != 1 || f.log.Records() != 1 {
		t.Fatalf("first: %v, %d checks, %d records", err, calls, f.log.Records())
	}
	// The command ended the insiders' access.
	f.checker.SetRule(nil)
	again, err := h.Handle(t.Context(), insider, "c1", settle{ID: id})
	after, _ := f.checker.Counts()
	if err != nil || !again.Replayed || again.State.n != 1 || after != calls || f.log.Records() != 1 {
		t.Fatalf("retry: %v, %d more checks, %d records", err, after-calls, f.log.Records())
	}
	// The same key, in the same scope, from one Authorize refuses.
	_, err = h.Handle(t.Context(), access.Actor{OrgNumber: "insider", Role: access.RoleOps}, "c1", settle{ID: id})
	testkit.ExpectErr(t, err, testkit.NotFound)
	// Without EndsAccess, a retry is a read like any other, checked again.
	f.checker.SetRule(func(*consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
		return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
	})
	plain := command.On[settle](f.agg, "Raise").InState(command.Existing).
		ID("tally_id", func(c settle) string { return c.ID }).
		Authorize(insiders).
		Act(func(tally, settle, command.Env) ([]proto.Message, error) {
			return []proto.Message{wrapperspb.Int64(1)}, nil
		}).
		Reveals(tallyRead)
	if _, err := plain.Handle(t.Context(), insider, "r1", settle{ID: id}); err != nil {
		t.Fatal(err)
	}
	f.checker.SetRule(nil)
	_, err = plain.Handle(t.Context(), insider, "r1", settle{ID: id})
	testkit.ExpectErr(t, err, testkit.NotFound)
}

func TestOfPatientChecksOnceWhetherOrNotThereAreRows(t *testing.T) {
	f := setup(t)
	rows := []tally{{patient: patient, n: 1}, {patient: patient, n: 2}}
	read := access.Read{PatientID: patient, Category: consentv1.Category_CATEGORY_PLAN}
	for _, tt := range []struct {
		name                  string
		actor                 access.Actor
		rows                  []tally
		wantRows, wantRecords int
	}{
		{"permitted, with rows", insider, rows, 2, 1},
		{"permitted, none", insider, nil, 0, 0},
		{"denied, with rows", outsider, rows, 0, 0},
		{"denied, none", outsider, nil, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls, _ := f.checker.Counts()
			records := f.log.Records()
			got, err := f.agg.OfPatient(t.Context(), tt.actor, read, tt.rows)
			after, _ := f.checker.Counts()
			if err != nil || len(got) != tt.wantRows || after-calls != 1 || f.log.Records()-records != tt.wantRecords {
				t.Fatalf("%v: %d rows, %d checks, %d records", err, len(got), after-calls, f.log.Records()-records)
			}
		})
	}
}
