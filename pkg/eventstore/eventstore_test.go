package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

func commit(t *testing.T, id string, version uint64, values ...string) *eventsv1.Commit {
	t.Helper()
	c := &eventsv1.Commit{CommitId: fmt.Sprintf("%s-%d", id, version), AggregateType: "thing", AggregateId: id, AggregateVersion: version}
	for _, v := range values {
		a, err := anypb.New(wrapperspb.String(v))
		if err != nil {
			t.Fatal(err)
		}
		c.Events = append(c.Events, a)
	}
	return c
}

func TestRacingWritersGetExactlyOneCommitPerVersion(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	ctx := t.Context()
	subject := eventstore.Subject("test", "thing", "race")
	const writers, perWriter = 8, 15

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			// Each writer keeps its own view of the aggregate, as a service's
			// memory image does, and catches up only on conflict.
			var version, last uint64
			for i := 0; i < perWriter; {
				c := commit(t, "race", version+1, fmt.Sprintf("w%d-%d", w, i))
				c.CommitId = fmt.Sprintf("w%d-%d", w, i)
				res, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: c, ExpectedSeq: last})
				if errors.Is(err, eventstore.ErrConflict) {
					tail, newLast, err := store.Load(ctx, subject, last)
					if err != nil {
						errs <- err
						return
					}
					version += uint64(len(tail))
					last = newLast
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				version, last = version+1, res.Seq
				i++
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	records, _, err := store.Load(ctx, subject, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != writers*perWriter {
		t.Fatalf("got %d commits, want %d: an update was lost or duplicated", len(records), writers*perWriter)
	}
	seen := map[string]bool{}
	for i, r := range records {
		if got, want := r.Commit.GetAggregateVersion(), uint64(i+1); got != want {
			t.Fatalf("commit %d has version %d, want %d: two writers extended the same version", i, got, want)
		}
		if seen[r.Commit.GetCommitId()] {
			t.Fatalf("commit %s stored twice", r.Commit.GetCommitId())
		}
		seen[r.Commit.GetCommitId()] = true
	}
}

func TestStaleExpectedSequenceIsAConflict(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	subject := eventstore.Subject("test", "thing", "a")
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: commit(t, "a", 1, "x")}); err != nil {
		t.Fatal(err)
	}
	_, err := store.Append(t.Context(), eventstore.Append{Subject: subject, Commit: commit(t, "a", 1, "y")})
	if !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("append on a stale version: got %v, want ErrConflict", err)
	}
}

func TestRetriedAppendWithSameMsgIDIsStoredOnce(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	ctx := t.Context()
	subject := eventstore.Subject("test", "thing", "idem")
	first, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "idem", 1, "x"), MsgID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	// A creation retried by the client comes back with a fresh aggregate id;
	// the message id alone must recognise it.
	retried := eventstore.Subject("test", "thing", "idem-retry")
	again, err := store.Append(ctx, eventstore.Append{Subject: retried, Commit: commit(t, "idem-retry", 1, "x"), MsgID: "req-1"})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !again.Duplicate || again.Seq != first.Seq {
		t.Fatalf("retry: got %+v, want duplicate of seq %d", again, first.Seq)
	}
	records, _, err := store.Load(ctx, subject, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 {
		t.Fatalf("stored %d commits, want 1", len(records))
	}
	if seq := lastOf(t, store, retried); seq != 0 {
		t.Fatalf("the retry wrote to its own subject at %d", seq)
	}
	// JetStream checks the expected sequence before deduplicating, so a retry
	// on the same aggregate surfaces as a conflict; the decider runtime then
	// reloads and finds the request already applied.
	_, err = store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "idem", 1, "x"), MsgID: "req-1"})
	if !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("same-aggregate retry: got %v, want ErrConflict", err)
	}
}

func TestMultiEventCommitReadsBackWholeAndInOrder(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	ctx := t.Context()
	subject := eventstore.Subject("test", "thing", "multi")
	want := []string{"first", "second", "third", "fourth"}
	c := commit(t, "multi", 1, want...)
	c.PatientId = "pt_test"
	res, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: c})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Get(ctx, res.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(rec.Commit, c) {
		t.Fatalf("read back %v, want %v", rec.Commit, c)
	}
	events, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range events {
		if got := e.(*wrapperspb.StringValue).GetValue(); got != want[i] {
			t.Fatalf("event %d = %q, want %q", i, got, want[i])
		}
	}
	if got := rec.Header.Get(eventstore.HeaderPatient); got != "pt_test" {
		t.Fatalf("patient header = %q", got)
	}
	if got := rec.Header.Get(eventstore.HeaderCommitType); got != "google.protobuf.StringValue,google.protobuf.StringValue,google.protobuf.StringValue,google.protobuf.StringValue" {
		t.Fatalf("commit type header = %q", got)
	}
}

func TestLoadReturnsOnlyCommitsAfterTheGivenSequence(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	ctx := t.Context()
	subject := eventstore.Subject("test", "thing", "tail")
	other := eventstore.Subject("test", "thing", "other")
	var seqs []uint64
	var last uint64
	for v := uint64(1); v <= 3; v++ {
		if _, err := store.Append(ctx, eventstore.Append{Subject: other, Commit: commit(t, "other", v, "o"), ExpectedSeq: lastOf(t, store, other)}); err != nil {
			t.Fatal(err)
		}
		res, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "tail", v, "t"), ExpectedSeq: last})
		if err != nil {
			t.Fatal(err)
		}
		last = res.Seq
		seqs = append(seqs, res.Seq)
	}
	records, gotLast, err := store.Load(ctx, subject, seqs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[0].Seq != seqs[1] || records[1].Seq != seqs[2] || gotLast != seqs[2] {
		t.Fatalf("load after %d: got %d records, last %d", seqs[0], len(records), gotLast)
	}
	none, noneLast, err := store.Load(ctx, eventstore.Subject("test", "thing", "missing"), 0)
	if err != nil || len(none) != 0 || noneLast != 0 {
		t.Fatalf("missing aggregate: %v %d %v", none, noneLast, err)
	}
}

func lastOf(t *testing.T, s *eventstore.Store, subject string) uint64 {
	t.Helper()
	seq, err := s.LastSubjectSeq(t.Context(), subject)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestWildcardLastSubjectSequenceCoversEveryAggregate(t *testing.T) {
	store, _ := eventstoretest.Open(t)
	ctx := t.Context()
	var last uint64
	for _, id := range []string{"a", "b", "c"} {
		res, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", id), Commit: commit(t, id, 1, id)})
		if err != nil {
			t.Fatal(err)
		}
		last = res.Seq
	}
	if _, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("other", "thing", "z"), Commit: commit(t, "z", 1, "z")}); err != nil {
		t.Fatal(err)
	}
	got, err := store.LastSubjectSeq(ctx, "stafett.events.test.>")
	if err != nil {
		t.Fatal(err)
	}
	if got != last {
		t.Fatalf("last sequence for the context = %d, want %d", got, last)
	}
}

func TestPoisonRecordIsParkedAndDoesNotBlockTheStream(t *testing.T) {
	store, nc := eventstoretest.Open(t)
	ctx := t.Context()
	subject := eventstore.Subject("test", "thing", "p")
	if _, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "p", 1, "ok-1")}); err != nil {
		t.Fatal(err)
	}
	// Not a Commit at all: an undecodable message someone published by hand.
	js, _ := jetstream.New(nc)
	if _, err := js.Publish(ctx, eventstore.Subject("test", "thing", "junk"), []byte{0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "p", 2, "fails"), ExpectedSeq: lastOf(t, store, subject)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", "q"), Commit: commit(t, "q", 1, "ok-2")}); err != nil {
		t.Fatal(err)
	}

	delivered := make(chan string, 10)
	attempts := 0
	parked := make(chan uint64, 10)
	sub, err := store.Subscribe(ctx, eventstore.SubscribeOptions{
		Name: "poison", MaxAttempts: 3, Backoff: time.Microsecond,
		OnParked: func(rec eventstore.Record, _ error) { parked <- rec.Seq },
	}, func(_ context.Context, rec eventstore.Record) error {
		events, err := rec.Events()
		if err != nil {
			return err
		}
		v := events[0].(*wrapperspb.StringValue).GetValue()
		if v == "fails" {
			attempts++
			return errors.New("handler cannot apply this")
		}
		delivered <- v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	for _, want := range []string{"ok-1", "ok-2"} {
		select {
		case got := <-delivered:
			if got != want {
				t.Fatalf("delivered %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatal("stream blocked behind a poison record")
		}
	}
	if got := sub.Parked(); got != 2 {
		t.Fatalf("parked %d records, want 2 (undecodable and failing)", got)
	}
	if attempts != 3 {
		t.Fatalf("failing record tried %d times, want 3", attempts)
	}
	if len(parked) != 2 {
		t.Fatalf("OnParked called %d times", len(parked))
	}
}
