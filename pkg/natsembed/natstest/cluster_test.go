package natstest_test

import (
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

func TestClusterElectsANewStreamLeaderWhenTheLeaderDiesAndTakesTheNodeBack(t *testing.T) {
	c := natstest.NewCluster(t, 3)
	js, err := jetstream.New(c.Connect())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: "R3", Subjects: []string{"r3.>"}, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), "r3.a", []byte("before")); err != nil {
		t.Fatal(err)
	}

	old := c.StreamLeader("R3")
	c.Kill(old)
	if c.Node(old) != nil {
		t.Fatal("a killed node is still reported running")
	}
	next := c.StreamLeader("R3")
	if next == old || !slices.Contains(c.Followers(old), next) {
		t.Fatalf("leader after killing node %d is node %d", old, next)
	}
	if _, err := js.Publish(t.Context(), "r3.a", []byte("during")); err != nil {
		t.Fatalf("publish with two of three nodes: %v", err)
	}

	c.Restart(old)
	c.WaitReady()
	// The restarted node catches up from the others: read both messages
	// from it alone.
	back, err := jetstream.New(c.Connect(old))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := back.Stream(t.Context(), "R3")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages after the restart, want 2", info.State.Msgs)
	}
}
