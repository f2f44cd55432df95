// Package suitetest starts the whole suite in-process for end-to-end tests:
// a real embedded JetStream, a real gRPC server on a random loopback port, a
// fake clock, and a signer for minting callers' tokens.
package suitetest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/natsembed"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	"github.com/stafett/stafett/services/suite"
)

// Env is a running suite and what a test needs to talk to it.
type Env struct {
	T          testing.TB
	NATS       *natsembed.Server
	Conn       *nats.Conn
	Clock      *clock.Fake
	Signer     *authn.Signer
	Pseudonyms *ids.Pseudonymizer
	Suite      *suite.Suite
	Client     *grpc.ClientConn

	services  []string
	configure func(*suite.Options)
}

// Start runs the suite against a fresh embedded JetStream.
func Start(tb testing.TB) *Env {
	tb.Helper()
	return StartWith(tb, natsembed.Options{})
}

// StartWith runs the suite against an embedded JetStream with opts (e.g.
// SyncAlways, to measure what fsyncing every commit costs) and only the
// named services (none named: all of them, as `stafett dev` runs).
func StartWith(tb testing.TB, opts natsembed.Options, services ...string) *Env {
	tb.Helper()
	srv, nc := natstest.ConnWith(tb, opts)
	env := newEnv(tb, srv, nc)
	env.services = services
	env.Restart()
	return env
}

func newEnv(tb testing.TB, srv *natsembed.Server, nc *nats.Conn) *Env {
	tb.Helper()
	signer, err := authn.LoadOrCreateSigner(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	pseudonyms, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		tb.Fatal(err)
	}
	// Monday 2 March 2026, 09:00 in Oslo.
	return &Env{T: tb, NATS: srv, Conn: nc, Clock: clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)), Signer: signer, Pseudonyms: pseudonyms}
}

// StartConfigured runs every service against a fresh embedded JetStream,
// with configure changing the suite's options (an HTTP address, CORS
// origins, telemetry) on every start.
func StartConfigured(tb testing.TB, configure func(*suite.Options)) *Env {
	tb.Helper()
	srv, nc := natstest.ConnWith(tb, natsembed.Options{})
	env := newEnv(tb, srv, nc)
	env.configure = configure
	env.Restart()
	return env
}

// Restart starts a new suite on the same stream, as a process restart would
// (the previous one, if any, is shut down first).
func (e *Env) Restart() {
	e.T.Helper()
	if e.Suite != nil {
		e.Suite.Shutdown(context.Background())
		e.Client.Close()
	}
	opts := suite.Options{
		NATS: e.Conn, Services: e.services, Verifier: e.Signer.Verifier(time.Now), Signer: e.Signer, Pseudonyms: e.Pseudonyms, Clock: e.Clock,
		// The watcher is driven by the tests through CheckDeadlines.
		DeadlineInterval: time.Hour,
		// Watches notice access that ends without an event (the fake clock
		// moving past an emergency access) within a test's patience.
		WatchRecheck: 20 * time.Millisecond,
	}
	if e.configure != nil {
		e.configure(&opts)
	}
	s, err := suite.Start(context.Background(), opts)
	if err != nil {
		e.T.Fatal(err)
	}
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		e.T.Fatal(err)
	}
	e.Suite, e.Client = s, cc
	e.T.Cleanup(func() {
		if e.Suite == s {
			s.Shutdown(context.Background())
			cc.Close()
		}
	})
}

// StartPeer runs a second suite on the same stream, as another process
// would: only the named services, calling the consent service at consentAddr
// (empty: its own). It is shut down when the test ends.
func (e *Env) StartPeer(services []string, consentAddr string) (*suite.Suite, *grpc.ClientConn) {
	e.T.Helper()
	s, err := suite.Start(context.Background(), suite.Options{
		NATS: e.Conn, Services: services, ConsentAddr: consentAddr, Verifier: e.Signer.Verifier(time.Now), Signer: e.Signer,
		Pseudonyms: e.Pseudonyms, Clock: e.Clock, DeadlineInterval: time.Hour,
	})
	if err != nil {
		e.T.Fatal(err)
	}
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() {
		s.Shutdown(context.Background())
		cc.Close()
	})
	return s, cc
}

// PatientID is the pseudonym of a national id.
func (e *Env) PatientID(nationalID string) string {
	e.T.Helper()
	nid, err := ids.ParseNationalID(nationalID)
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Pseudonyms.PatientID(nid)
}

// Token mints a token for spec, valid for an hour of real time.
func (e *Env) Token(spec authn.TokenSpec) string {
	e.T.Helper()
	tok, err := e.Signer.Mint(spec, time.Now(), time.Hour)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// As returns ctx carrying spec's bearer token.
func (e *Env) As(ctx context.Context, spec authn.TokenSpec) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+e.Token(spec))
}

// LastSeq is the event stream's last sequence, to prove a command appended nothing.
func (e *Env) LastSeq(ctx context.Context) uint64 {
	e.T.Helper()
	seq, err := e.Suite.Store.LastSeq(ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	return seq
}

// FHIRBase is the FHIR API's base URL, for a suite started with an HTTP
// address (suite.Options.HTTPAddr).
func (e *Env) FHIRBase() string {
	e.T.Helper()
	addr := e.Suite.HTTPAddr()
	if addr == "" {
		e.T.Fatal("the suite was started without an HTTP address")
	}
	return "http://" + addr + suite.FHIRBase
}
