// Package eventstoretest opens an event store on a test's own embedded
// JetStream server.
package eventstoretest

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

// Open starts a JetStream server for tb and opens a store on it with the
// default configuration. The connection is returned for whatever else the
// test keeps in the same server (an access log, a second store).
func Open(tb testing.TB) (*eventstore.Store, *nats.Conn) {
	tb.Helper()
	_, nc := natstest.Conn(tb)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	store, err := eventstore.Open(tb.Context(), js, eventstore.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	return store, nc
}

// OpenWithAudit is Open plus the access log on the same server: what every
// service's application tests run against.
func OpenWithAudit(tb testing.TB) (*eventstore.Store, *audit.Log, *nats.Conn) {
	tb.Helper()
	store, nc := Open(tb)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	log, err := audit.Open(tb.Context(), js, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return store, log, nc
}
