package natstest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/stafett/stafett/pkg/natsembed"
)

// clusterWait bounds how long a cluster may take to elect a leader: raft
// election timeouts are several seconds, and CI machines are shared.
const clusterWait = 60 * time.Second

// Cluster is a JetStream cluster of embedded servers on random loopback
// ports, for tests of what happens when nodes die: losing a stream leader,
// losing quorum, a node coming back. Every node is shut down when the test
// ends.
type Cluster struct {
	tb    testing.TB
	nodes []*clusterNode
}

type clusterNode struct {
	opts natsembed.Options
	srv  *natsembed.Server // nil while stopped
}

// NewCluster starts n routed servers and waits until JetStream is ready on
// every one of them.
func NewCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if n < 1 {
		tb.Fatalf("a cluster needs at least one node, not %d", n)
	}
	c := &Cluster{tb: tb}
	// A clustered JetStream server refuses to start without routes, so every
	// node must know the others' route ports before the first one starts.
	routes := freeLoopbackAddrs(tb, n)
	for i := range n {
		opts := natsembed.Options{
			StoreDir: tb.TempDir(),
			Name:     fmt.Sprintf("n%d", i),
			Cluster:  &natsembed.Cluster{Name: "stafett-test", Addr: routes[i]},
		}
		for j, r := range routes {
			if j != i {
				opts.Cluster.Routes = append(opts.Cluster.Routes, "nats-route://"+r)
			}
		}
		c.nodes = append(c.nodes, &clusterNode{opts: opts})
	}
	// Registered after the store dirs, so it runs before they are removed.
	tb.Cleanup(func() {
		for i := range c.nodes {
			c.stop(i)
		}
	})
	for i, node := range c.nodes {
		c.start(i)
		// A restarted node keeps its client port too, so connections made
		// before it died find it again.
		node.opts.Addr = node.srv.ClientAddr()
	}
	c.WaitReady()
	return c
}

// Size is the number of nodes, running or not.
func (c *Cluster) Size() int { return len(c.nodes) }

// Node is node i, or nil while it is stopped.
func (c *Cluster) Node(i int) *natsembed.Server { return c.nodes[i].srv }

// URLs are the client URLs of the given nodes (all when none are given),
// comma separated as nats.Connect takes them.
func (c *Cluster) URLs(nodes ...int) string {
	if len(nodes) == 0 {
		for i := range c.nodes {
			nodes = append(nodes, i)
		}
	}
	urls := make([]string, 0, len(nodes))
	for _, i := range nodes {
		urls = append(urls, "nats://"+c.nodes[i].opts.Addr)
	}
	return strings.Join(urls, ",")
}

// Connect opens a connection to the given nodes (all when none are given),
// closed when the test ends. It reconnects forever, as the suite's own does.
func (c *Cluster) Connect(nodes ...int) *nats.Conn {
	c.tb.Helper()
	nc, err := nats.Connect(c.URLs(nodes...), nats.Name(c.tb.Name()), nats.MaxReconnects(-1))
	if err != nil {
		c.tb.Fatalf("connect to cluster: %v", err)
	}
	c.tb.Cleanup(nc.Close)
	return nc
}

// StreamLeader waits until a running node leads stream and returns its index.
func (c *Cluster) StreamLeader(stream string) int {
	c.tb.Helper()
	leader := -1
	c.waitFor("a leader for stream "+stream, func() bool {
		for i, node := range c.nodes {
			if node.srv != nil && node.srv.IsStreamLeader(stream) {
				leader = i
				return true
			}
		}
		return false
	})
	return leader
}

// Followers are the indexes of every node but leader.
func (c *Cluster) Followers(leader int) []int {
	var out []int
	for i := range c.nodes {
		if i != leader {
			out = append(out, i)
		}
	}
	return out
}

// Kill shuts node i down; its files stay for Restart.
func (c *Cluster) Kill(i int) {
	c.tb.Helper()
	if c.nodes[i].srv == nil {
		c.tb.Fatalf("node %d is already stopped", i)
	}
	c.stop(i)
}

// Restart starts node i again with its own name, ports and files, and waits
// until it is ready.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	if c.nodes[i].srv != nil {
		c.tb.Fatalf("node %d is running", i)
	}
	c.start(i)
}

// WaitReady waits until JetStream is ready on every running node and the
// meta leader can place streams on all of them.
func (c *Cluster) WaitReady() {
	c.tb.Helper()
	running := 0
	for _, n := range c.nodes {
		if n.srv != nil {
			running++
		}
	}
	c.waitFor("JetStream on every running node", func() bool {
		placeable := false
		for _, n := range c.nodes {
			if n.srv == nil {
				continue
			}
			if !n.srv.JetStreamReady() {
				return false
			}
			if len(n.srv.JetStreamPeers()) == running {
				placeable = true
			}
		}
		return placeable
	})
}

// freeLoopbackAddrs finds n free loopback ports by holding them all open at
// once, then releases them for the servers to take.
func freeLoopbackAddrs(tb testing.TB, n int) []string {
	tb.Helper()
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("find a free port: %v", err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

func (c *Cluster) start(i int) {
	c.tb.Helper()
	srv, err := natsembed.Start(c.nodes[i].opts)
	if err != nil {
		c.tb.Fatalf("start cluster node %d: %v", i, err)
	}
	c.nodes[i].srv = srv
}

func (c *Cluster) stop(i int) {
	if srv := c.nodes[i].srv; srv != nil {
		srv.Shutdown()
		c.nodes[i].srv = nil
	}
}

// waitFor polls a condition of the servers' own state, which they announce
// nowhere a test could wait on, until it holds or clusterWait runs out.
func (c *Cluster) waitFor(what string, cond func() bool) {
	c.tb.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(clusterWait)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			c.tb.Fatalf("cluster: no %s within %v", what, clusterWait)
		}
	}
}
