// Package natsembed runs a JetStream-enabled NATS server inside the process, for
// `stafett dev` and for tests. Production talks to a NATS cluster instead; nothing
// else in the code knows the difference.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"net/url"
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
	// User and Password, when set, are required of every client: anyone on
	// the machine can reach a loopback port, and the stream holds national ids.
	User, Password string
	// Name identifies the server; it must be unique within a cluster and stay
	// the same across restarts, because JetStream's replica identity follows
	// it. Empty means "stafett-embedded".
	Name string
	// Cluster, when set, routes this server into a JetStream cluster.
	Cluster *Cluster
}

// Cluster places a server in a cluster of embedded servers.
type Cluster struct {
	// Name is the cluster's name, the same on every node.
	Name string
	// Addr is host:port the routes listen on; empty means a random loopback port.
	Addr string
	// Routes are the nats-route:// URLs of the other nodes.
	Routes []string
}

// Server is a running embedded NATS server.
type Server struct {
	ns             *server.Server
	user, password string
}

// ErrNotReady means the server did not accept connections in time.
var ErrNotReady = errors.New("natsembed: server not ready for connections")

// Start launches the server and waits until it accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required")
	}
	if (opts.User == "") != (opts.Password == "") {
		return nil, errors.New("natsembed: User and Password go together")
	}
	host, port, err := hostPort(opts.Addr)
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = "stafett-embedded"
	}
	sopts := &server.Options{
		ServerName: name,
		Host:       host,
		Port:       port,
		Username:   opts.User,
		Password:   opts.Password,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		NoSigs:     true,
		NoLog:      !opts.Logging,
		// The HTTP monitor stays closed: nothing here needs it.
		HTTPPort: 0,
	}
	if opts.SyncAlways {
		sopts.SyncAlways = true
	}
	if c := opts.Cluster; c != nil {
		chost, cport, err := hostPort(c.Addr)
		if err != nil {
			return nil, err
		}
		sopts.Cluster = server.ClusterOpts{Name: c.Name, Host: chost, Port: cport}
		for _, r := range c.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("natsembed: route %q: %w", r, err)
			}
			sopts.Routes = append(sopts.Routes, u)
		}
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
	return &Server{ns: ns, user: opts.User, password: opts.Password}, nil
}

func hostPort(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", server.RANDOM_PORT, nil
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("natsembed: address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("natsembed: port %q: %w", p, err)
	}
	return h, n, nil
}

// ClientURL is the nats:// URL clients connect to, without credentials.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// CredentialedURL is ClientURL with the user and password in it, so that any
// standard NATS client connects by being given just this URL.
func (s *Server) CredentialedURL() string {
	if s.user == "" {
		return s.ClientURL()
	}
	u, err := url.Parse(s.ClientURL())
	if err != nil {
		// The server formats its own URL; it always parses.
		return s.ClientURL()
	}
	u.User = url.UserPassword(s.user, s.password)
	return u.String()
}

// ClientAddr is the host:port clients connect to.
func (s *Server) ClientAddr() string { return s.ns.Addr().String() }

// JetStreamReady reports whether JetStream can serve API calls: always once
// started alone, and in a cluster once a meta leader is elected and this
// server has caught up with it.
func (s *Server) JetStreamReady() bool {
	return s.ns.JetStreamEnabled() && s.ns.JetStreamIsCurrent()
}

// JetStreamPeers are the names of the cluster's nodes that streams can be
// placed on now (online, JetStream up, reporting), as the JetStream meta
// leader sees them; nil on any other server.
func (s *Server) JetStreamPeers() []string { return s.ns.JetStreamClusterPeers() }

// IsStreamLeader reports whether this server leads the replicas of stream.
func (s *Server) IsStreamLeader(stream string) bool {
	return s.ns.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream)
}

// Connect opens a client connection to the server with sensible reconnect defaults.
func (s *Server) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect(s.ClientURL(), nats.Name(name), nats.MaxReconnects(-1), nats.UserInfo(s.user, s.password))
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
