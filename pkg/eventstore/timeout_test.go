package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/grpcerr"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

// quorumLost is a store on a three-node cluster where stream (R3) has lost
// both followers: its leader still takes a publish but can never commit it,
// so the acknowledgement never comes.
type quorumLost struct {
	cluster   *natstest.Cluster
	store     *eventstore.Store
	followers []int
}

func loseQuorum(t *testing.T, appendTimeout time.Duration, stream string) quorumLost {
	t.Helper()
	c := natstest.NewCluster(t, 3)
	cfg := eventstore.Config{Replicas: 3, AppendTimeout: appendTimeout}
	openStore(t, c.Connect(), cfg)
	leader := c.StreamLeader(stream)
	// Talk to the leader alone, so the client's connection survives the
	// followers' death and the publish reaches the one node that could still
	// take it.
	store := openStore(t, c.Connect(leader), cfg)
	if _, err := store.Append(t.Context(), eventstore.Append{
		Subject: eventstore.Subject("test", "thing", "before"), Commit: commit(t, "before", 1, "x"),
	}); err != nil {
		t.Fatalf("append while the cluster is whole: %v", err)
	}
	followers := c.Followers(leader)
	for _, f := range followers {
		c.Kill(f)
	}
	return quorumLost{cluster: c, store: store, followers: followers}
}

func openStore(t *testing.T, nc *nats.Conn, cfg eventstore.Config) *eventstore.Store {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(t.Context(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestAppendThatCannotBeAcknowledgedIsUnavailableWithinTheTimeLimitAndItsRetryStoresOneCommit(t *testing.T) {
	const limit = time.Second
	q := loseQuorum(t, limit, eventstore.StreamName)
	// The caller would wait far longer: the answer must come from the limit.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	subject := eventstore.Subject("test", "thing", "stuck")
	stuck := eventstore.Append{Subject: subject, Commit: commit(t, "stuck", 1, "x"), MsgID: "req-stuck"}

	_, err := q.store.Append(ctx, stuck)
	if ctx.Err() != nil {
		t.Fatalf("the append waited for the caller's deadline: %v", err)
	}
	if !errors.Is(err, eventstore.ErrNotAcknowledged) || !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("append without quorum: got %v, want ErrNotAcknowledged as ErrUnavailable", err)
	}
	if code := grpcerr.ToStatus(err).Code(); code != codes.Unavailable {
		t.Fatalf("append without quorum answers %v, want UNAVAILABLE", code)
	}

	// Quorum comes back. The unacknowledged commit is either wholly there
	// (the old leader had it in its log) or not at all.
	q.cluster.Restart(q.followers[0])
	q.cluster.StreamLeader(eventstore.StreamName)
	records, _, err := q.store.Load(ctx, subject, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) > 1 || (len(records) == 1 && !proto.Equal(records[0].Commit, stuck.Commit)) {
		t.Fatalf("after quorum returned the subject holds %v, want nothing or the whole commit", records)
	}

	// The client retries with the same request, as long as it is told
	// UNAVAILABLE (the first attempt may still be in process): one commit,
	// never two.
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for {
		_, err := q.store.Append(ctx, stuck)
		if err == nil {
			break
		}
		if !errors.Is(err, errs.ErrUnavailable) || ctx.Err() != nil {
			t.Fatalf("retry once quorum is back: %v", err)
		}
		<-retry.C
	}
	records, _, err = q.store.Load(ctx, subject, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || !proto.Equal(records[0].Commit, stuck.Commit) {
		t.Fatalf("after the retry the subject holds %d commits, want exactly the one retried", len(records))
	}
}

func TestCallersOwnEarlierDeadlineStaysDeadlineExceeded(t *testing.T) {
	q := loseQuorum(t, time.Minute-time.Second, eventstore.StreamName)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := q.store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", "late"), Commit: commit(t, "late", 1, "x")})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("append past the caller's deadline: got %v, want the caller's DeadlineExceeded", err)
	}
}

func TestAppendTimeoutMustBeShorterThanTheDuplicateWindow(t *testing.T) {
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// A retry after the limit must still be recognised as a duplicate.
	for _, cfg := range []eventstore.Config{
		{AppendTimeout: 2 * time.Minute},
		{AppendTimeout: time.Minute, DuplicateWindow: 30 * time.Second},
		{AppendTimeout: -time.Second},
	} {
		if _, err := eventstore.Open(t.Context(), js, cfg); err == nil {
			t.Errorf("Open accepted append timeout %v with duplicate window %v", cfg.AppendTimeout, cfg.DuplicateWindow)
		}
	}
}

func TestKeyClaimThatCannotBeAcknowledgedIsUnavailableWithinTheTimeLimit(t *testing.T) {
	// The bucket is a stream of its own, with a leader of its own.
	q := loseQuorum(t, time.Second, "KV_"+eventstore.KeysBucket)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	key := eventstore.KeyName("974760673", "thing.request_id", "req-1")
	_, _, err := q.store.Keys().Claim(ctx, key, eventstore.Claim{AggregateID: "a", Fingerprint: "f"})
	if ctx.Err() != nil {
		t.Fatalf("the claim waited for the caller's deadline: %v", err)
	}
	if !errors.Is(err, eventstore.ErrNotAcknowledged) || !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("claim without quorum: got %v, want ErrNotAcknowledged as ErrUnavailable", err)
	}
}
