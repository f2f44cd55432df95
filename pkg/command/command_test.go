package command_test

import (
	"errors"
	"sync"
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
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// tally is a patient's count: created by Open (the patient's id as a
// StringValue), raised by Add (an Int64Value).
type tally struct {
	patient string
	n       int64
}

func model() decider.Model[tally] {
	return decider.Model[tally]{
		Context: "test", Type: "tally",
		Initial: func(string) tally { return tally{} },
		Evolve: func(s tally, e proto.Message, _ *eventsv1.Commit) tally {
			switch e := e.(type) {
			case *wrapperspb.StringValue:
				s.patient = e.GetValue()
			case *wrapperspb.Int64Value:
				s.n += e.GetValue()
			}
			return s
		},
	}
}

type open struct{ Patient string }

type add struct {
	ID string
	N  int64
}

const patient = "pt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaq"

type fixture struct {
	store   *eventstore.Store
	checker *accesstest.Checker
	log     *accesstest.Log
	agg     *command.Aggregate[tally]
	open    *command.Handler[tally, open]
	add     *command.Handler[tally, add]
}

func setup(t *testing.T) *fixture {
	t.Helper()
	store, _ := eventstoretest.Open(t)
	image := decider.NewImage(model(), nil)
	sub, err := image.Run(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Stop)
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	f := &fixture{store: store, log: accesstest.NewLog(nil), checker: accesstest.NewChecker(func(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
		if req.GetActorOrgNumber() == "insider" {
			return accesstest.Permit(consentv1.Basis_BASIS_CARE_TEAM, "")
		}
		return nil
	})}
	agg := command.NewAggregate(command.Config[tally]{
		Runtime: decider.NewRuntime(store, image, clk, idgen.NewULIDs(), 0),
		Guard:   access.NewGuard(f.checker, f.log, clk), Clock: clk, IDs: idgen.NewULIDs(),
		What: "tally", Exists: func(s tally) bool { return s.patient != "" }, PatientOf: func(s tally) string { return s.patient },
	})
	f.agg = agg
	f.open = command.On[open](agg, "Open").InState(command.New).
		Patient(func(c open) string { return c.Patient }).
		Act(func(_ tally, c open, _ command.Env) ([]proto.Message, error) {
			return []proto.Message{wrapperspb.String(c.Patient)}, nil
		})
	f.add = command.On[add](agg, "Add").InState(command.Existing).
		ID("tally_id", func(c add) string { return c.ID }).
		Validate(func(c add, v *errs.Validation) { v.Check(c.N != 0, "n", "must not be zero") }).
		Authorize(func(_ tally, a access.Actor, _ add) error {
			if a.Role == access.RoleOps {
				return errs.NotFound("tally")
			}
			return nil
		}).
		Act(func(s tally, c add, _ command.Env) ([]proto.Message, error) {
			if s.n+c.N < 0 {
				return nil, errs.Precondition("a tally never goes below zero")
			}
			return []proto.Message{wrapperspb.Int64(c.N)}, nil
		}).
		Reveals(func(s tally) access.Read {
			return access.Read{PatientID: s.patient, Category: consentv1.Category_CATEGORY_PLAN}
		})
	return f
}

func (f *fixture) commits(t *testing.T) int {
	t.Helper()
	records, _, err := f.store.Load(t.Context(), eventstore.AllFilter, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(records)
}

var insider = access.Actor{ProfessionalID: "hpr:1", OrgNumber: "insider", Role: access.RoleClinician}

func TestEveryRefusalAppendsNothing(t *testing.T) {
	f := setup(t)
	opened, err := f.open.Handle(t.Context(), insider, "o-1", open{Patient: patient})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		actor access.Actor
		rid   string
		cmd   add
		want  testkit.Kind
	}{
		{"no request id", insider, "", add{ID: opened.ID, N: 1}, testkit.Invalid},
		{"invalid input", insider, "a-1", add{ID: opened.ID}, testkit.Invalid},
		{"absent", insider, "a-2", add{ID: "nope", N: 1}, testkit.NotFound},
		{"refused by Authorize", access.Actor{Role: access.RoleOps, OrgNumber: "insider"}, "a-3", add{ID: opened.ID, N: 1}, testkit.NotFound},
		{"refused by Decide", insider, "a-4", add{ID: opened.ID, N: -5}, testkit.Precondition},
		{"denied by consent", access.Actor{ProfessionalID: "hpr:2", OrgNumber: "outsider"}, "a-5", add{ID: opened.ID, N: 1}, testkit.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.commits(t)
			_, err := f.add.Handle(t.Context(), tc.actor, tc.rid, tc.cmd)
			testkit.ExpectErr(t, err, tc.want)
			if f.commits(t) != before {
				t.Fatal("a refused command appended")
			}
		})
	}
}

func TestARevealingCommandIsLoggedBeforeItAppendsAndNotAtAllWhenTheLogIsDown(t *testing.T) {
	f := setup(t)
	opened, err := f.open.Handle(t.Context(), insider, "o-1", open{Patient: patient})
	if err != nil {
		t.Fatal(err)
	}
	f.checker.Fail(errors.New("consent service down"))
	before := f.commits(t)
	_, err = f.add.Handle(t.Context(), insider, "a-1", add{ID: opened.ID, N: 1})
	testkit.ExpectErr(t, err, testkit.Unavailable)
	if f.commits(t) != before {
		t.Fatal("appended although the access decision was unavailable")
	}
	f.checker.Fail(nil)
	if _, err := f.add.Handle(t.Context(), insider, "a-1", add{ID: opened.ID, N: 1}); err != nil {
		t.Fatal(err)
	}
	if f.log.Records() != 1 {
		t.Fatalf("%d log records, want 1", f.log.Records())
	}
}

func TestAbsentAndDeniedDoTheSameWork(t *testing.T) {
	f := setup(t)
	opened, err := f.open.Handle(t.Context(), insider, "o-1", open{Patient: patient})
	if err != nil {
		t.Fatal(err)
	}
	outsider := access.Actor{ProfessionalID: "hpr:2", OrgNumber: "outsider"}
	measure := func(id, rid string) (int, int, error) {
		calls0, _ := f.checker.Counts()
		logs0 := f.log.Records()
		_, err := f.add.Handle(t.Context(), outsider, rid, add{ID: id, N: 1})
		calls, _ := f.checker.Counts()
		return calls - calls0, f.log.Records() - logs0, err
	}
	absentCalls, absentLogs, absentErr := measure("nope", "x-1")
	deniedCalls, deniedLogs, deniedErr := measure(opened.ID, "x-2")
	if absentCalls != 1 || absentCalls != deniedCalls || absentLogs != deniedLogs || absentErr.Error() != deniedErr.Error() {
		t.Fatalf("absent: %d checks, %d logs, %v; denied: %d checks, %d logs, %v",
			absentCalls, absentLogs, absentErr, deniedCalls, deniedLogs, deniedErr)
	}
}

func TestARetryAnswersTheFirstAnswerAndAReusedRequestIDIsRefused(t *testing.T) {
	f := setup(t)
	opened, err := f.open.Handle(t.Context(), insider, "o-1", open{Patient: patient})
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.add.Handle(t.Context(), insider, "a-1", add{ID: opened.ID, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.add.Handle(t.Context(), insider, "a-2", add{ID: opened.ID, N: 3}); err != nil {
		t.Fatal(err)
	}
	before := f.commits(t)
	again, err := f.add.Handle(t.Context(), insider, "a-1", add{ID: opened.ID, N: 2})
	if err != nil || !again.Replayed || again.State.n != first.State.n || again.State.n != 2 {
		t.Fatalf("retry answered %+v (%v), want the first answer %+v", again, err, first)
	}
	_, err = f.add.Handle(t.Context(), insider, "a-1", add{ID: opened.ID, N: 9})
	testkit.ExpectErr(t, err, testkit.Invalid, "request_id")
	if f.commits(t) != before {
		t.Fatal("a retry or a reuse appended")
	}
}

func TestRacingCreationsWithOneRequestIDMakeOneAggregate(t *testing.T) {
	f := setup(t)
	var wg sync.WaitGroup
	ids := make(chan string, 16)
	for range 16 {
		wg.Go(func() {
			res, err := f.open.Handle(t.Context(), insider, "same", open{Patient: patient})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- res.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 || f.commits(t) != 1 {
		t.Fatalf("%d ids, %d commits: want one of each", len(seen), f.commits(t))
	}
}

func TestFingerprintsAreStableAndTellRequestsApart(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	type cmd struct {
		A string
		B *time.Time
		C []int
		M map[string]int
	}
	same := command.Fingerprint("X", cmd{A: "a", B: &at, C: []int{1}, M: map[string]int{"x": 1, "y": 2}})
	inOslo := at.In(testkit.Oslo(t))
	if got := command.Fingerprint("X", cmd{A: "a", B: &inOslo, C: []int{1}, M: map[string]int{"y": 2, "x": 1}}); got != same {
		t.Fatal("the same request in another zone or map order digests differently")
	}
	for i, other := range []string{
		command.Fingerprint("Y", cmd{A: "a", B: &at, C: []int{1}, M: map[string]int{"x": 1, "y": 2}}),
		command.Fingerprint("X", cmd{A: "b", B: &at, C: []int{1}, M: map[string]int{"x": 1, "y": 2}}),
		command.Fingerprint("X", cmd{A: "a", C: []int{1}, M: map[string]int{"x": 1, "y": 2}}),
		command.Fingerprint("X", cmd{A: "a", B: &at, C: []int{1, 1}, M: map[string]int{"x": 1, "y": 2}}),
	} {
		if other == same {
			t.Errorf("case %d: a different request digests the same", i)
		}
	}
}
