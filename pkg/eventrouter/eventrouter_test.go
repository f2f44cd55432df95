package eventrouter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

func newStore(t *testing.T) (*eventstore.Store, jetstream.JetStream) {
	t.Helper()
	store, nc := eventstoretest.Open(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return store, js
}

func appendCommit(t *testing.T, store *eventstore.Store, id string, n int) (*eventsv1.Commit, uint64) {
	t.Helper()
	ev, err := anypb.New(&eventsv1.UnitRef{HerId: id})
	if err != nil {
		t.Fatal(err)
	}
	c := &eventsv1.Commit{
		CommitId: id, AggregateType: "thing", AggregateId: "a", AggregateVersion: uint64(n), CorrelationId: "corr-" + id,
		OccurredAt: timestamppb.New(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)), PatientId: "pt_test", Events: []*anypb.Any{ev},
	}
	subject := eventstore.Subject("test", "thing", "a")
	last, err := store.LastSubjectSeq(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: c, ExpectedSeq: last})
	if err != nil {
		t.Fatal(err)
	}
	return c, res.Seq
}

// run routes the durable consumer's messages to h for the rest of the test.
func run(t *testing.T, js jetstream.JetStream, d eventrouter.Durable, h message.NoPublishHandlerFunc) *eventrouter.Running {
	t.Helper()
	sub, err := eventrouter.NewSubscriber(js, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := eventrouter.NewRouter(nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r.AddConsumerHandler(d.Name, d.Name, sub, h)
	running, err := eventrouter.Start(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Stop)
	return running
}

func TestTheUnmarshalerKeepsTheCommitAndItsHeadersIntact(t *testing.T) {
	store, js := newStore(t)
	want, seq := appendCommit(t, store, "c1", 1)
	stored, err := store.Get(t.Context(), seq)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan eventstore.Record, 1)
	run(t, js, eventrouter.Durable{Name: "intact", Filters: []string{eventstore.ContextFilter("test")}},
		func(msg *message.Message) error {
			rec, err := eventrouter.Record(msg)
			if err != nil {
				return err
			}
			got <- rec
			return nil
		})
	rec := <-got
	if !proto.Equal(rec.Commit, want) {
		t.Fatalf("commit changed on the way: %v", rec.Commit)
	}
	if rec.Seq != seq || rec.Subject != stored.Subject || !rec.Published.Equal(stored.Published) {
		t.Fatalf("place %d %s %v, want %d %s %v", rec.Seq, rec.Subject, rec.Published, seq, stored.Subject, stored.Published)
	}
	for _, h := range []string{eventstore.HeaderCommitType, eventstore.HeaderPatient, nats.MsgIdHdr} {
		if rec.Header.Get(h) == "" || rec.Header.Get(h) != stored.Header.Get(h) {
			t.Errorf("header %s is %q, stored %q", h, rec.Header.Get(h), stored.Header.Get(h))
		}
	}
}

func TestAMessageThatIsNotACommitIsRecognisedAsSuch(t *testing.T) {
	_, js := newStore(t)
	msg := nats.NewMsg(eventstore.Subject("test", "thing", "x"))
	msg.Data = []byte("garbage")
	if _, err := js.PublishMsg(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	run(t, js, eventrouter.Durable{Name: "garbage"}, func(msg *message.Message) error {
		_, err := eventrouter.Record(msg)
		got <- err
		return nil
	})
	if err := <-got; !errors.Is(err, eventrouter.ErrNotACommit) || !errors.Is(err, eventstore.ErrUndecodable) {
		t.Fatalf("got %v, want ErrNotACommit", err)
	}
}

func TestANackedMessageComesBackBeforeAnythingAfterIt(t *testing.T) {
	store, js := newStore(t)
	for i, id := range []string{"c1", "c2", "c3"} {
		appendCommit(t, store, id, i+1)
	}
	var mu sync.Mutex
	var handled []string
	failed := false
	done := make(chan struct{})
	run(t, js, eventrouter.Durable{Name: "ordered", Redelivery: eventrouter.Backoff{Initial: 5 * time.Millisecond}},
		func(msg *message.Message) error {
			rec, err := eventrouter.Record(msg)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if rec.Commit.GetCommitId() == "c1" && !failed {
				failed = true
				return errors.New("subscriber down")
			}
			handled = append(handled, rec.Commit.GetCommitId())
			if len(handled) == 3 {
				close(done)
			}
			return nil
		})
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 3 || handled[0] != "c1" || handled[1] != "c2" || handled[2] != "c3" {
		t.Fatalf("handled %v, want c1 c2 c3 in order", handled)
	}
}

func TestADurableConsumerResumesAfterWhatItAcknowledged(t *testing.T) {
	store, js := newStore(t)
	_, firstSeq := appendCommit(t, store, "c1", 1)
	d := eventrouter.Durable{Name: "resume"}
	seen := make(chan uint64, 10)
	first := run(t, js, d, func(msg *message.Message) error {
		seen <- eventrouter.Seq(msg)
		return nil
	})
	if got := <-seen; got != firstSeq {
		t.Fatalf("first delivery %d, want %d", got, firstSeq)
	}
	waitAckFloor(t, js, d, firstSeq)
	first.Stop()

	_, secondSeq := appendCommit(t, store, "c2", 2)
	run(t, js, d, func(msg *message.Message) error {
		seen <- eventrouter.Seq(msg)
		return nil
	})
	if got := <-seen; got != secondSeq {
		t.Fatalf("after the restart the first delivery is %d, want %d (nothing replayed)", got, secondSeq)
	}
}

// waitAckFloor waits until the consumer's acknowledgement floor reaches seq:
// the acknowledgement is sent after the handler returns.
func waitAckFloor(t *testing.T, js jetstream.JetStream, d eventrouter.Durable, seq uint64) {
	t.Helper()
	cons, err := d.Ensure(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.AckFloor.Stream >= seq {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ack floor %d, want %d", info.AckFloor.Stream, seq)
		case <-time.After(time.Millisecond):
		}
	}
}

func TestRedeliveryBacksOffDoublingUpToItsCeiling(t *testing.T) {
	b := eventrouter.Backoff{Initial: time.Second, Max: 5 * time.Minute}
	for _, tc := range []struct {
		deliveries uint64
		want       time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {9, 256 * time.Second},
		{10, 5 * time.Minute}, {1000, 5 * time.Minute},
	} {
		if got := b.WaitTime(tc.deliveries); got != tc.want {
			t.Errorf("after %d deliveries: %v, want %v", tc.deliveries, got, tc.want)
		}
	}
	if got := (eventrouter.Backoff{}).WaitTime(50); got != 5*time.Minute {
		t.Errorf("default ceiling %v, want 5m", got)
	}
}

func TestADurableConsumerHandsOutOneMessageAtATimeAndNeverGivesUpByCount(t *testing.T) {
	_, js := newStore(t)
	cons, err := eventrouter.Durable{Name: "patient"}.Ensure(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxDeliver != -1 || info.Config.MaxAckPending != 1 || info.Config.AckPolicy != jetstream.AckExplicitPolicy {
		t.Fatalf("consumer config %+v", info.Config)
	}
}
