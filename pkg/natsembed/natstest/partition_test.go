package natstest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

func TestAnIsolatedNodeHasNoRouteUntilItRejoins(t *testing.T) {
	cluster := natstest.NewCluster(t, 3)
	cluster.WaitReady()
	isolated := cluster.Node(0)
	if err := isolated.Isolate(); err != nil {
		t.Fatal(err)
	}
	// Its peers keep trying to reach it; each attempt is refused.
	waitFor(t, "node 0 to be cut off from both peers", func() bool {
		return len(isolated.RoutedPeers()) == 0 &&
			slices.Equal(cluster.Node(1).RoutedPeers(), []string{"n2"}) && slices.Equal(cluster.Node(2).RoutedPeers(), []string{"n1"})
	})
	if err := isolated.Rejoin(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 0 to be routed to both peers again", func() bool {
		return slices.Equal(isolated.RoutedPeers(), []string{"n1", "n2"}) && slices.Equal(cluster.Node(1).RoutedPeers(), []string{"n0", "n2"})
	})
}

// waitFor polls cond until it holds, failing the test at its deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
