// Package natsembed runs a JetStream-enabled NATS server inside the process, for
// `stafett dev` and for tests. Production talks to a NATS cluster instead; nothing
// else in the code knows the difference.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configure an embedded server. The zero value listens on a random
// loopback port and needs only StoreDir.
type Options struct {
	// StoreDir holds JetStream's files; required.
	StoreDir string
	// Addr is host:port to listen on; empty means a random loopback port.
	Addr string
	// SyncAlways fsyncs every write before acknowledging it, trading throughput
	// for surviving an OS crash on a single node (see deploy/README.md).
	SyncAlways bool
	// Logging turns on the server's own log lines (dev mode); tests keep it off.
	Logging bool
}

// Server is a running embedded NATS server.
type Server struct {
	ns *server.Server
}

// ErrNotReady means the server did not accept connections in time.
var ErrNotReady = errors.New("natsembed: server not ready for connections")

// Start launches the server and waits until it accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required")
	}
	host, port := "127.0.0.1", server.RANDOM_PORT
	if opts.Addr != "" {
		h, p, err := net.SplitHostPort(opts.Addr)
		if err != nil {
			return nil, fmt.Errorf("natsembed: address %q: %w", opts.Addr, err)
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("natsembed: port %q: %w", p, err)
		}
		host, port = h, n
	}
	sopts := &server.Options{
		ServerName: "stafett-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		NoSigs:     true,
		NoLog:      !opts.Logging,
		// The HTTP monitor and cluster ports stay closed: nothing here needs them.
		HTTPPort: 0,
	}
	if opts.SyncAlways {
		sopts.SyncAlways = true
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: new server: %w", err)
	}
	if opts.Logging {
		ns.ConfigureLogger()
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, ErrNotReady
	}
	return &Server{ns: ns}, nil
}

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Connect opens a client connection to the server with sensible reconnect defaults.
func (s *Server) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect(s.ClientURL(), nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("natsembed: connect: %w", err)
	}
	return nc, nil
}

// Shutdown stops the server and waits until it has released its files.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
