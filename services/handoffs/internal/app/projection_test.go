package app

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
	workload "github.com/stafett/stafett/services/handoffs/workloadtest"
)

var (
	base = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	now  = base.AddDate(0, 6, 0)
)

type env struct {
	t     testing.TB
	js    jetstream.JetStream
	store *eventstore.Store
	w     *workload.Writer
}

func newEnv(t testing.TB) *env {
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(t.Context(), js, eventstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, js: js, store: store, w: workload.NewWriter(store)}
}

// journeys appends the described journey for patients [from, to).
func (e *env) journeys(from, to int) {
	e.t.Helper()
	for i := from; i < to; i++ {
		if err := workload.Journey(e.t.Context(), e.w, i, base.AddDate(0, 0, i%30)); err != nil {
			e.t.Fatal(err)
		}
		if i%3 == 0 {
			if err := workload.PendingReferral(e.t.Context(), e.w, i, now.AddDate(0, 0, -i%20)); err != nil {
				e.t.Fatal(err)
			}
		}
	}
}

func (e *env) bucket(name string) jetstream.KeyValue {
	e.t.Helper()
	kv, err := OpenBucket(e.t.Context(), e.js, name, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	return kv
}

// start restores a projection from kv (nil: none) and feeds it to the head.
func (e *env) start(ctx context.Context, kv jetstream.KeyValue) (*Projection, *eventstore.Subscription) {
	e.t.Helper()
	p := NewProjection(kv, nil)
	if err := p.Restore(ctx); err != nil {
		e.t.Fatal(err)
	}
	sub, err := p.Feed(ctx, e.store, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(sub.Stop)
	return p, sub
}

func (e *env) head() uint64 {
	e.t.Helper()
	seq, err := e.store.LastSeq(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// rebuilt folds the whole stream from sequence 1 into a fresh projection.
func (e *env) rebuilt() Views {
	e.t.Helper()
	p, sub := e.start(e.t.Context(), nil)
	defer sub.Stop()
	return p.Views(now)
}

func TestRebuildFromSequenceOneEqualsTheLiveViews(t *testing.T) {
	e := newEnv(t)
	e.journeys(0, 3)
	// The live projection starts mid-stream and folds the rest as it happens.
	live, _ := e.start(t.Context(), nil)
	e.journeys(3, 12)
	if err := live.WaitApplied(t.Context(), e.head()); err != nil {
		t.Fatal(err)
	}
	got := live.Views(now)
	if d := got.Diff(e.rebuilt()); d != "" {
		t.Fatalf("rebuilt view differs from live: %s", d)
	}
	// The workload populated every view, so the comparison compared something.
	if len(got.Journeys) != 12 || len(got.Graph.GetEdges()) == 0 || len(got.Alone.GetPatients()) == 0 || len(got.Risks.GetRisks()) == 0 {
		t.Fatalf("views not populated: %d journeys, %d edges, %d alone, %d risks",
			len(got.Journeys), len(got.Graph.GetEdges()), len(got.Alone.GetPatients()), len(got.Risks.GetRisks()))
	}
}

func TestRestartReplaysOnlyTheTailAfterACheckpoint(t *testing.T) {
	e := newEnv(t)
	kv := e.bucket("VIEWS_TAIL")
	e.journeys(0, 6)
	ctx, stop := context.WithCancel(t.Context())
	first, sub := e.start(ctx, kv)
	mark, err := first.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if mark != e.head() {
		t.Fatalf("checkpoint covered %d, stream head %d", mark, e.head())
	}
	sub.Stop()
	stop()
	e.journeys(6, 10)

	// Count what the restarted projection is handed: only the tail.
	second := NewProjection(kv, nil)
	if err := second.Restore(t.Context()); err != nil {
		t.Fatal(err)
	}
	if second.Restored() != mark {
		t.Fatalf("restored %d, want %d", second.Restored(), mark)
	}
	var replayed int
	tail, err := e.store.Subscribe(t.Context(), eventstore.SubscribeOptions{FromSeq: second.Applied() + 1}, func(_ context.Context, rec eventstore.Record) error {
		replayed++
		return second.Apply(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tail.Stop()
	if err := second.WaitApplied(t.Context(), e.head()); err != nil {
		t.Fatal(err)
	}
	if want := int(e.head() - mark); replayed != want {
		t.Fatalf("replayed %d records, want the %d after the checkpoint", replayed, want)
	}
	if d := second.Views(now).Diff(e.rebuilt()); d != "" {
		t.Fatalf("restarted view differs from a rebuild: %s", d)
	}
}

func TestKilledMidStreamRestartConvergesToTheSameViews(t *testing.T) {
	e := newEnv(t)
	kv := e.bucket("VIEWS_KILLED")
	e.journeys(0, 4)
	first, sub := e.start(t.Context(), kv)
	if _, err := first.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	// More happens after the checkpoint; the process is killed before the
	// next one, mid-stream: nothing of it reaches the bucket.
	e.journeys(4, 8)
	if err := first.WaitApplied(t.Context(), e.head()-20); err != nil {
		t.Fatal(err)
	}
	sub.Stop()

	// A crash between writing patients and writing the mark leaves patient
	// keys newer than the mark: write one such patient by hand.
	straggler := NewProjection(nil, nil)
	s2, err := straggler.Feed(t.Context(), e.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2.Stop()
	var data []byte
	straggler.Read(func(v *domain.View) {
		data, err = v.EncodePatient(v.Patients[workload.PatientID(5)])
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), patientPrefix+workload.PatientID(5), data); err != nil {
		t.Fatal(err)
	}

	e.journeys(8, 10)
	restarted, _ := e.start(t.Context(), kv)
	if d := restarted.Views(now).Diff(e.rebuilt()); d != "" {
		t.Fatalf("restarted view differs from a rebuild: %s", d)
	}
}

func TestRedeliveredRecordsChangeNothing(t *testing.T) {
	e := newEnv(t)
	e.journeys(0, 2)
	p, _ := e.start(t.Context(), nil)
	before := p.Views(now)
	// Hand the projection the whole stream again, as a consumer reset would.
	again, err := e.store.Subscribe(t.Context(), eventstore.SubscribeOptions{}, func(_ context.Context, rec eventstore.Record) error { return p.Apply(rec) })
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	// A marker commit after the replayed ones tells when the replay is done.
	seq, err := e.w.Commit(t.Context(), "continuity", "patient", "pt_marker", "pt_marker", now, &continuityv1.ContactRecorded{RelationshipId: "m", OccurredAt: timestamppb.New(now)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitApplied(t.Context(), seq); err != nil {
		t.Fatal(err)
	}
	after := p.Views(now)
	delete(after.Journeys, "pt_marker")
	delete(after.Continuity, "pt_marker")
	after.Applied = before.Applied
	if d := before.Diff(after); d != "" {
		t.Fatalf("redelivery changed the %s", d)
	}
}
