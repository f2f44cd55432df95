// Package suite is the composition root: it builds the event store, every
// chosen service and one gRPC server with authentication, error mapping,
// tracing, health and reflection. `stafett dev` and `stafett serve` differ
// only in where NATS is and where keys come from.
package suite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/grpcerr"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/telemetry"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent"
	"github.com/stafett/stafett/services/continuity"
	"github.com/stafett/stafett/services/handoffs"
	"github.com/stafett/stafett/services/pathway"
	"github.com/stafett/stafett/services/referral"
	"github.com/stafett/stafett/services/subscriptions"
)

// AllServices names every service the suite can run, in start order.
var AllServices = []string{"consent", "referral", "pathway", "continuity", "handoffs", "subscriptions"}

// Options configure a suite.
type Options struct {
	// NATS is a connection to the server holding the stream.
	NATS *nats.Conn
	// Services to run; empty means all.
	Services []string
	// GRPCAddr to listen on; "127.0.0.1:0" picks a free port. Native gRPC,
	// gRPC-Web, Connect and REST all share it.
	GRPCAddr string
	// Listener, if set, is used instead of listening on GRPCAddr, so that a
	// caller binds its port before it opens anything it could harm. The suite
	// owns it from Start on.
	Listener net.Listener
	// HTTPAddr is the HTTP site's address (the console, the FHIR edge);
	// empty means none.
	HTTPAddr string
	// HTTPListener, if set, is the site's listener, bound by the caller
	// before it opened anything (as Listener is for gRPC).
	HTTPListener net.Listener
	// HTTPHandlers are mounted on the HTTP site's mux by pattern (e.g.
	// "/console/"); Suite.HandleHTTP mounts more after the start.
	HTTPHandlers map[string]http.Handler
	// FHIRResources add resource types to the FHIR API at FHIRBase (a
	// Subscription handler, say), each built with the API's codec.
	FHIRResources []func(*fhirr4.Codec) []fhirr4.Resource
	// CORSOrigins may call the gRPC address from a browser ("https://…").
	CORSOrigins []string
	// CORSAllowOwnOrigin also allows the HTTP site's own origin, as dev
	// does for the console it serves there.
	CORSAllowOwnOrigin bool
	// Verifier checks callers' bearer tokens.
	Verifier authn.Verifier
	// Signer issues the suite's own service identity for calls between
	// services; its tokens must pass Verifier.
	Signer *authn.Signer
	// ConsentAddr is where the consent service answers access checks; empty
	// means this suite's own gRPC address.
	ConsentAddr string
	// Pseudonyms turns national ids into patient ids.
	Pseudonyms *ids.Pseudonymizer
	// Replicas of the event stream: 1 in dev, 3 in production.
	Replicas int
	Clock    clock.Clock
	IDs      idgen.Generator
	Logger   *slog.Logger
	// Telemetry providers; nil disables tracing and metrics.
	Telemetry *telemetry.Providers
	// DeadlineInterval is how often deadline watchers look (default 1 minute).
	DeadlineInterval time.Duration
	// WatchRecheck is how often a journey watch asks for access again when
	// nothing new happened (default 30 seconds).
	WatchRecheck time.Duration
	// AppendTimeout bounds an append's wait for its acknowledgement
	// (default eventstore.DefaultAppendTimeout).
	AppendTimeout time.Duration
	// PathwayTargets override the default milestone targets per pathway type
	// (see pathway.LoadTargets and docs/pathway-targets.json).
	PathwayTargets map[eventsv1.PathwayType]pathway.Targets
	// Feeds configure the subscriptions service's deliveries.
	Feeds FeedOptions
}

// FeedOptions configure how notifications go out.
type FeedOptions struct {
	// AMQPURL is the RabbitMQ AMQP subscriptions publish to; empty turns
	// the AMQP channel off.
	AMQPURL string
	// LoopbackRestHooks lets rest-hooks use plain http to a loopback
	// address: `stafett dev`, never production.
	LoopbackRestHooks bool
	// PublicURL is the HTTP site as subscribers reach it
	// (https://stafett.example.no); notifications refer to resources under
	// it. Empty: the HTTP site's own address.
	PublicURL string
	// Retry and Redelivery pace a failing delivery; zero takes the defaults
	// (tests shorten them).
	Retry      subscriptions.Retry
	Redelivery subscriptions.Backoff
	// Throttle bounds each subscriber's notifications per second (default 50).
	Throttle int64
}

type service interface {
	Register(grpc.ServiceRegistrar)
	Scopes() authn.Policy
	Run(ctx context.Context) error
}

// Suite is a running set of services behind one gRPC server.
type Suite struct {
	Store      *eventstore.Store
	Audit      *audit.Log
	Referral   *referral.Service
	Consent    *consent.Service
	Pathway    *pathway.Service
	Continuity *continuity.Service
	Handoffs   *handoffs.Service
	// Subscriptions is the FHIR subscriptions service and its feeds.
	Subscriptions *subscriptions.Service

	peers    *grpc.ClientConn
	server   *grpc.Server
	health   *health.Server
	listener net.Listener
	port     *onePort
	site     *httpSite
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	serveErr chan error
}

// Start builds the chosen services, replays their write models and begins
// serving. Stop it with Shutdown.
func Start(ctx context.Context, opts Options) (*Suite, error) {
	s := &Suite{serveErr: make(chan error, 2), listener: opts.Listener}
	ok := false
	defer func() {
		if ok {
			return
		}
		if s.listener != nil {
			s.listener.Close()
		}
		if s.site != nil {
			s.site.listener.Close()
		}
	}()
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	// Both addresses are bound before anything opens, so a port in use
	// touches nothing; the services also reach each other (and the consent
	// service's access checks) over gRPC, so they need the address.
	if s.listener == nil {
		l, err := net.Listen("tcp", opts.GRPCAddr)
		if err != nil {
			return nil, fmt.Errorf("suite: listen %s: %w", opts.GRPCAddr, err)
		}
		s.listener = l
	}
	var err error
	if s.site, err = listenHTTP(opts.HTTPListener, opts.HTTPAddr); err != nil {
		return nil, err
	}
	js, err := jetstream.New(opts.NATS)
	if err != nil {
		return nil, fmt.Errorf("suite: jetstream: %w", err)
	}
	storeCfg := eventstore.Config{Replicas: opts.Replicas, AppendTimeout: opts.AppendTimeout}
	if opts.Telemetry != nil {
		storeCfg.Tracer = opts.Telemetry.Tracer("stafett/eventstore")
		storeCfg.Propagator = opts.Telemetry
	}
	store, err := eventstore.Open(ctx, js, storeCfg)
	if err != nil {
		return nil, err
	}
	zone, err := civilZone()
	if err != nil {
		return nil, err
	}

	auditLog, err := audit.Open(ctx, js, opts.Replicas)
	if err != nil {
		return nil, err
	}
	s.Store, s.Audit = store, auditLog
	consentAddr := opts.ConsentAddr
	if consentAddr == "" {
		consentAddr = s.listener.Addr().String()
	}
	s.peers, err = dialPeer(consentAddr, opts)
	if err != nil {
		return nil, err
	}
	d := deps{
		store: store, audit: auditLog, clock: opts.Clock, ids: opts.IDs, pseudonyms: opts.Pseudonyms, zone: zone,
		logger: opts.Logger, deadlineInterval: opts.DeadlineInterval, peers: s.peers, pathwayTargets: opts.PathwayTargets, watchRecheck: opts.WatchRecheck, js: js, replicas: opts.Replicas, telemetry: opts.Telemetry,
		guard: access.NewGuard(consentChecker{consentv1.NewConsentServiceClient(s.peers)}, auditLog, opts.Clock),
		feeds: opts.Feeds, fhirBase: publicFHIRBase(opts.Feeds.PublicURL, s.site),
	}
	var services []service
	build := builders()
	for _, name := range opts.Services {
		svc, err := build[name](ctx, s, d)
		if err != nil {
			return nil, fmt.Errorf("suite: %s: %w", name, err)
		}
		services = append(services, svc)
	}

	verifier := authn.NewCachingVerifier(opts.Verifier, time.Now, 0)
	policy := authn.Policy{}
	for _, svc := range services {
		policy = policy.Merge(svc.Scopes())
	}
	serverOpts := []grpc.ServerOption{
		// Reuse write buffers across connections instead of one per stream:
		// many short unary calls are the suite's normal load.
		grpc.SharedWriteBuffer(true),
		// Handle streams on long-lived workers, whose stacks have already
		// grown, rather than a fresh goroutine per call.
		grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
		grpcerr.ServerCodec(),
		grpc.ChainUnaryInterceptor(
			grpcerr.UnaryServerInterceptor(opts.Logger),
			authn.UnaryServerInterceptor(verifier, policy, opts.Logger),
		),
		grpc.ChainStreamInterceptor(
			grpcerr.StreamServerInterceptor(opts.Logger),
			authn.StreamServerInterceptor(verifier, policy, opts.Logger),
		),
	}
	if opts.Telemetry != nil {
		serverOpts = append(serverOpts, grpc.StatsHandler(opts.Telemetry.ServerStatsHandler(suiteCall(verifier))))
	}
	s.server = grpc.NewServer(serverOpts...)
	registered := &serviceNames{ServiceRegistrar: s.server}
	for _, svc := range services {
		svc.Register(registered)
	}
	s.health = newHealth(registered.names)
	healthpb.RegisterHealthServer(s.server, s.health)
	if err := registerReflection(s.server); err != nil {
		s.peers.Close()
		return nil, err
	}
	api, err := apiHandler(s.server, corsOrigins(opts, siteListener(s.site)))
	if err != nil {
		s.peers.Close()
		return nil, err
	}
	s.port = newOnePort(s.listener, s.server, api)
	if s.site != nil {
		s.site.handle(opts.HTTPHandlers)
		if err := s.mountFHIR(opts, services, verifier); err != nil {
			s.peers.Close()
			return nil, err
		}
	}

	ok = true
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	for _, svc := range services {
		s.wg.Go(func() {
			if err := svc.Run(runCtx); err != nil {
				opts.Logger.Error("service stopped", "error", err)
			}
		})
	}
	go func() { s.serveErr <- s.port.serve() }()
	if s.site != nil {
		go func() { s.serveErr <- s.site.serve() }()
	}
	markServing(s.health, registered.names)
	return s, nil
}

// Addr is where the gRPC server listens.
func (s *Suite) Addr() string { return s.listener.Addr().String() }

// Done yields the servers' error if one stops serving on its own.
func (s *Suite) Done() <-chan error { return s.serveErr }

// Shutdown stops accepting calls, lets running ones finish until ctx ends,
// then stops the services.
func (s *Suite) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	if s.site != nil {
		s.site.shutdown(ctx)
	}
	s.port.shutdown(ctx)
	s.cancel()
	s.wg.Wait()
	s.peers.Close()
}

func (o *Options) defaults() error {
	if o.NATS == nil {
		return errors.New("suite: a NATS connection is required")
	}
	if o.Verifier == nil || o.Pseudonyms == nil || o.Signer == nil {
		return errors.New("suite: a token verifier, a service signer and a pseudonymizer are required")
	}
	if len(o.Services) == 0 {
		o.Services = AllServices
	}
	for _, name := range o.Services {
		if !slices.Contains(AllServices, name) {
			return fmt.Errorf("suite: unknown service %q (have %v)", name, AllServices)
		}
	}
	if o.GRPCAddr == "" {
		o.GRPCAddr = "127.0.0.1:0"
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.IDs == nil {
		o.IDs = idgen.NewULIDs()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// suiteCall reports whether a call carries the suite's own service identity:
// only those calls continue the suite's trace; every other caller is at a
// public edge and starts a trace of its own (linked to the caller's).
func suiteCall(v authn.Verifier) func(context.Context) bool {
	return func(ctx context.Context) bool {
		md, _ := metadata.FromIncomingContext(ctx)
		token, err := authn.BearerFromHeader(md.Get("authorization"))
		if err != nil {
			return false
		}
		p, err := v.Verify(ctx, token)
		return err == nil && p.IsService()
	}
}
