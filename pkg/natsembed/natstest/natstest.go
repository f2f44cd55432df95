// Package natstest gives tests a real embedded JetStream server on a random port
// with a temporary store, shut down and removed when the test ends, and a
// cluster of them (Cluster) for tests of nodes dying and coming back.
package natstest

import (
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/stafett/stafett/pkg/natsembed"
)

// Server starts an embedded JetStream server for the duration of t.
func Server(tb testing.TB) *natsembed.Server {
	tb.Helper()
	return ServerWith(tb, natsembed.Options{})
}

// ServerWith starts a server with opts; StoreDir and Addr are the test's own.
func ServerWith(tb testing.TB, opts natsembed.Options) *natsembed.Server {
	tb.Helper()
	opts.StoreDir, opts.Addr = tb.TempDir(), ""
	srv, err := natsembed.Start(opts)
	if err != nil {
		tb.Fatalf("start embedded nats: %v", err)
	}
	tb.Cleanup(srv.Shutdown)
	return srv
}

// Conn starts a server and returns a connection to it, both closed when t ends.
func Conn(tb testing.TB) (*natsembed.Server, *nats.Conn) {
	tb.Helper()
	return ConnWith(tb, natsembed.Options{})
}

// ConnWith is Conn with server options.
func ConnWith(tb testing.TB, opts natsembed.Options) (*natsembed.Server, *nats.Conn) {
	tb.Helper()
	srv := ServerWith(tb, opts)
	nc, err := srv.Connect(tb.Name())
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	return srv, nc
}
