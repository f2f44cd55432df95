package decider_test

import (
	"context"
	"errors"

	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/idgen"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// counter counts Int64Value increments; it folds StringValue facts from the
// "other" context by patient to exercise foreign folding.
type counter struct {
	n     int64
	facts []string
}

func counterModel(foreign bool) decider.Model[counter] {
	m := decider.Model[counter]{
		Context: "test", Type: "counter",
		Initial: func(string) counter { return counter{} },
		Evolve: func(s counter, e proto.Message, _ *eventsv1.Commit) counter {
			switch e := e.(type) {
			case *wrapperspb.Int64Value:
				s.n += e.GetValue()
			case *wrapperspb.StringValue:
				s.facts = append(s.facts[:len(s.facts):len(s.facts)], e.GetValue())
			}
			return s
		},
	}
	if foreign {
		m.Key = func(c *eventsv1.Commit) string { return c.GetPatientId() }
	}
	return m
}

func newRuntime(t *testing.T, model decider.Model[counter], filters ...string) (*decider.Runtime[counter], *eventstore.Store) {
	t.Helper()
	store, _ := eventstoretest.Open(t)
	image := decider.NewImage(model, nil)
	sub, err := image.Run(t.Context(), store, filters...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Stop)
	return decider.NewRuntime(store, image, clock.System{}, idgen.NewULIDs(), 50), store
}

func increment(counter) ([]proto.Message, error) {
	return []proto.Message{wrapperspb.Int64(1)}, nil
}

func TestConcurrentCommandsAreRetriedUntilNoUpdateIsLost(t *testing.T) {
	rt, _ := newRuntime(t, counterModel(false))
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := rt.Execute(t.Context(), "c1", decider.Meta{}, increment); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := rt.Image().Get("c1"); got.State.n != n || got.Version != n {
		t.Fatalf("count %d at version %d, want %d", got.State.n, got.Version, n)
	}
}

func TestSecondRuntimeSeesTheFirstOnesCommitsAfterAConflict(t *testing.T) {
	// Two processes' write models over one stream: the second one is stale
	// when it decides, conflicts, reloads and still counts correctly.
	a, store := newRuntime(t, counterModel(false))
	b := decider.NewRuntime(store, decider.NewImage(counterModel(false), nil), clock.System{}, idgen.NewULIDs(), 3)
	for range 3 {
		if _, err := a.Execute(t.Context(), "c", decider.Meta{}, increment); err != nil {
			t.Fatal(err)
		}
	}
	res, err := b.Execute(t.Context(), "c", decider.Meta{}, increment)
	if err != nil {
		t.Fatal(err)
	}
	if res.State.n != 4 || res.Version != 4 {
		t.Fatalf("stale writer ended at %d, version %d", res.State.n, res.Version)
	}
}

func TestRepeatedRequestIsAnsweredFromStateWithoutAppending(t *testing.T) {
	rt, store := newRuntime(t, counterModel(false))
	meta := decider.Meta{IdempotencyKey: "org/req-1"}
	first, err := rt.Execute(t.Context(), "c", meta, increment)
	if err != nil || !first.Appended {
		t.Fatal(first, err)
	}
	before, _ := store.LastSeq(t.Context())
	again, err := rt.Execute(t.Context(), "c", meta, increment)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := store.LastSeq(t.Context())
	if again.Appended || again.State.n != 1 || after != before {
		t.Fatalf("retry appended: %+v (%d → %d)", again, before, after)
	}
}

func TestDecisionErrorsAreReturnedUnchangedAndAppendNothing(t *testing.T) {
	rt, store := newRuntime(t, counterModel(false))
	wrong := errors.New("rule says no")
	_, err := rt.Execute(t.Context(), "c", decider.Meta{}, func(counter) ([]proto.Message, error) { return nil, wrong })
	if !errors.Is(err, wrong) {
		t.Fatalf("got %v", err)
	}
	if seq, _ := store.LastSeq(t.Context()); seq != 0 {
		t.Fatalf("appended at %d", seq)
	}
}

func TestForeignFactsFoldByKeyWithoutMovingTheAggregatesVersion(t *testing.T) {
	rt, store := newRuntime(t, counterModel(true), eventstore.AllFilter)
	fact, err := anypb.New(wrapperspb.String("referral received"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Append(t.Context(), eventstore.Append{
		Subject: eventstore.Subject("other", "thing", "x1"),
		Commit:  &eventsv1.Commit{CommitId: "f1", AggregateType: "thing", AggregateId: "x1", AggregateVersion: 1, PatientId: "pt_1", Events: []*anypb.Any{fact}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := rt.Image().WaitApplied(ctx, res.Seq); err != nil {
		t.Fatal(err)
	}
	out, err := rt.Execute(ctx, "pt_1", decider.Meta{PatientID: "pt_1"}, increment)
	if err != nil {
		t.Fatalf("own append after a foreign fact: %v", err)
	}
	if out.State.n != 1 || len(out.State.facts) != 1 || out.Version != 1 {
		t.Fatalf("state %+v version %d", out.State, out.Version)
	}
}

func TestWaitAppliedGivesUpWhenTheContextEnds(t *testing.T) {
	rt, _ := newRuntime(t, counterModel(false))
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	if err := rt.Image().WaitApplied(ctx, 1_000_000); err == nil {
		t.Fatal("waited for a sequence that never comes and returned nil")
	}
}

func TestSweepCommitsOnlyWhereTheDecisionSaysSomething(t *testing.T) {
	rt, _ := newRuntime(t, counterModel(false))
	for _, id := range []string{"low", "high"} {
		if _, err := rt.Execute(t.Context(), id, decider.Meta{}, increment); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rt.Execute(t.Context(), "high", decider.Meta{}, increment); err != nil {
		t.Fatal(err)
	}
	// Bring every counter below 2 up to 2; running the sweep again finds nothing.
	topUp := func(c counter) ([]proto.Message, error) {
		if c.n >= 2 {
			return nil, nil
		}
		return []proto.Message{wrapperspb.Int64(2 - c.n)}, nil
	}
	meta := func(s decider.Snapshot[counter]) decider.Meta { return decider.Meta{PatientID: s.ID} }
	for i, want := range []int{1, 0} {
		changed, err := rt.Sweep(t.Context(), meta, topUp)
		if err != nil || changed != want {
			t.Fatalf("sweep %d: changed %d, want %d (%v)", i+1, changed, want, err)
		}
	}
	if low, high := rt.Image().Get("low"), rt.Image().Get("high"); low.State.n != 2 || low.Version != 2 || high.Version != 2 {
		t.Fatalf("low %+v v%d, high v%d", low.State, low.Version, high.Version)
	}
}
