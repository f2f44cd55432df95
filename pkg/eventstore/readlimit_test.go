package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

func TestTheReadBarrierWithoutAStreamLeaderIsUnavailableWithinTheAppendTimeout(t *testing.T) {
	const limit = time.Second
	c := natstest.NewCluster(t, 3)
	cfg := eventstore.Config{Replicas: 3, AppendTimeout: limit}
	openStore(t, c.Connect(), cfg)
	leader := c.StreamLeader(eventstore.StreamName)
	followers := c.Followers(leader)
	// The survivor is a follower that can never be elected alone.
	store := openStore(t, c.Connect(followers[0]), cfg)
	c.Kill(leader)
	c.Kill(followers[1])
	// The caller would wait far longer: the answer must come from the limit.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// LastSeq is the read barrier of access checks: only the stream's
	// leader answers it, and there is none.
	_, err := store.LastSeq(ctx)
	if ctx.Err() != nil {
		t.Fatalf("LastSeq waited for the caller's deadline: %v", err)
	}
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("LastSeq without quorum: %v, want ErrUnavailable", err)
	}

	// Quorum returns, and so does the answer.
	c.Restart(leader)
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for {
		_, err := store.LastSeq(ctx)
		if err == nil {
			return
		}
		if !errors.Is(err, errs.ErrUnavailable) {
			t.Fatal(err)
		}
		select {
		case <-retry.C:
		case <-ctx.Done():
			t.Fatal("no answer once quorum was back")
		}
	}
}
