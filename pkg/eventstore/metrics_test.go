package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// meteredStore opens a store whose metrics the returned reader collects.
func meteredStore(t *testing.T, committed func(context.Context, *eventsv1.Commit)) (*eventstore.Store, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	base, err := eventstore.Open(t.Context(), js, eventstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := base.Instrumented(eventstore.Instrumentation{Meter: mp.Meter("test"), Committed: committed})
	if err != nil {
		t.Fatal(err)
	}
	return store, reader
}

// point is one collected data point: its value and attributes.
type point struct {
	value float64
	count uint64
	attrs attribute.Set
}

func collect(t *testing.T, r *sdkmetric.ManualReader) map[string][]point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string][]point{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{value: float64(dp.Value), attrs: dp.Attributes})
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{value: float64(dp.Value), attrs: dp.Attributes})
				}
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{value: dp.Value, attrs: dp.Attributes})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{value: dp.Sum, count: dp.Count, attrs: dp.Attributes})
				}
			}
		}
	}
	return out
}

func attr(p point, key string) string {
	v, _ := p.attrs.Value(attribute.Key(key))
	return v.Emit()
}

func TestAppendLatencyConflictsAndCommittedEventsAreReported(t *testing.T) {
	var committed []string
	store, reader := meteredStore(t, func(_ context.Context, c *eventsv1.Commit) { committed = append(committed, c.GetCommitId()) })
	subject := eventstore.Subject("test", "thing", "t1")
	res, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: commit(t, "t1", 1, "x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: commit(t, "t1", 2, "y"), ExpectedSeq: res.Seq}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: commit(t, "t1", 2, "late"), ExpectedSeq: res.Seq - 1}); !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("stale append: %v, want a conflict", err)
	}

	got := collect(t, reader)
	var ok, conflicted uint64
	for _, p := range got["messaging.client.operation.duration"] {
		if attr(p, "messaging.destination.template") != "stafett.events.test.thing.{id}" || attr(p, "messaging.operation.type") != "send" {
			t.Errorf("append latency attributes %v", p.attrs.ToSlice())
		}
		if _, has := p.attrs.Value("messaging.destination.name"); has {
			t.Error("append latency is labelled with the subject: one series per aggregate")
		}
		switch attr(p, "error.type") {
		case "":
			ok += p.count
		case "conflict":
			conflicted += p.count
		}
	}
	if ok != 2 || conflicted != 1 {
		t.Errorf("append latency recorded %d successes and %d conflicts, want 2 and 1", ok, conflicted)
	}
	if c := got["stafett.eventstore.append.conflicts"]; len(c) != 1 || c[0].value != 1 {
		t.Errorf("conflicts = %v, want one", c)
	}
	if len(committed) != 2 {
		t.Errorf("committed hook saw %v, want the two appended commits and not the refused one", committed)
	}
}

func TestConsumerLagAndParkedRecordsAreReported(t *testing.T) {
	store, reader := meteredStore(t, nil)
	appendThing := func(id string, version uint64) {
		t.Helper()
		if _, err := store.Append(t.Context(), eventstore.Append{Subject: eventstore.Subject("test", "thing", id), Commit: commit(t, id, version, "x")}); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"a", "poison", "c"} {
		appendThing(id, uint64(i+1))
	}
	stuck, release, last := make(chan struct{}), make(chan struct{}), make(chan struct{})
	sub, err := store.Subscribe(t.Context(), eventstore.SubscribeOptions{Name: "projection", MaxAttempts: 1}, func(ctx context.Context, rec eventstore.Record) error {
		switch rec.Commit.GetAggregateId() {
		case "a":
			close(stuck)
			<-release
		case "poison":
			return errors.New("cannot apply")
		case "last":
			close(last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	lagOf := func(name string) point {
		t.Helper()
		for _, p := range collect(t, reader)[name] {
			if attr(p, "messaging.consumer.group.name") == "projection" {
				return p
			}
		}
		t.Fatalf("no %s for the projection", name)
		return point{}
	}

	// The handler is stuck on the first record: two are still pending and
	// the oldest unfinished one has an age.
	<-stuck
	if got := lagOf("stafett.consumer.lag.messages").value; got != 2 {
		t.Errorf("lag while stuck = %v messages, want 2", got)
	}
	if got := lagOf("stafett.consumer.lag.time").value; got <= 0 {
		t.Errorf("lag time while stuck = %v, want the stuck record's age", got)
	}
	close(release)
	appendThing("last", 1)
	<-last
	if got := lagOf("stafett.consumer.lag.messages").value; got != 0 {
		t.Errorf("lag after catching up = %v messages, want 0", got)
	}
	parked := collect(t, reader)["stafett.consumer.parked"]
	if len(parked) != 1 || parked[0].value != 1 || attr(parked[0], "error.type") != "handler" || attr(parked[0], "messaging.consumer.group.name") != "projection" {
		t.Errorf("parked = %+v, want one handler failure of the projection", parked)
	}
	sub.Stop()
	if got := collect(t, reader)["stafett.consumer.lag.messages"]; len(got) != 0 {
		t.Errorf("a stopped subscription still reports lag: %v", got)
	}
}

func TestARecordWhoseHandlerFindsTheStoreUnavailableIsRetriedNotParked(t *testing.T) {
	store, _ := meteredStore(t, nil)
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: commit(t, "t1", 1, "x")}); err != nil {
		t.Fatal(err)
	}
	const outage = 8 // far more attempts than MaxAttempts allows
	var attempts int
	done := make(chan struct{})
	parked := make(chan uint64, 1)
	sub, err := store.Subscribe(t.Context(), eventstore.SubscribeOptions{
		Name: "process-manager", MaxAttempts: 2, Backoff: time.Millisecond,
		OnParked: func(rec eventstore.Record, _ error) { parked <- rec.Seq },
	}, func(context.Context, eventstore.Record) error {
		attempts++
		if attempts <= outage {
			return errs.Unavailable("event stream", errors.New("no leader"))
		}
		close(done)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	select {
	case <-done:
	case seq := <-parked:
		t.Fatalf("record %d parked after %d attempts while the store was unavailable", seq, attempts)
	case <-t.Context().Done():
		t.Fatal("never handled")
	}
	if sub.Parked() != 0 {
		t.Errorf("%d records parked", sub.Parked())
	}
}
