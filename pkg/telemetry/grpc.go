package telemetry

import (
	"context"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"
)

// untracedMethodPrefixes are probed by load balancers, Kubernetes and grpcurl
// many times a minute; tracing them would bury the referral traces the
// collector is meant to keep, and they carry no patient work.
var untracedMethodPrefixes = []string{
	"/grpc.health.v1.Health/",
	"/grpc.reflection.",
}

// InternalCallFunc reports whether an incoming call comes from the suite
// itself (one service calling another with the suite's own identity), whose
// trace context may therefore parent the server span.
type InternalCallFunc func(ctx context.Context) bool

// ServerOption tunes a server stats handler.
type ServerOption func(*serverConfig)

type serverConfig struct {
	internal InternalCallFunc
}

// TrustInternalCalls keeps the caller's span as the parent of the server
// span for calls internal reports as the suite's own. Every other call is a
// public edge: see ServerStatsHandler.
func TrustInternalCalls(internal InternalCallFunc) ServerOption {
	return func(c *serverConfig) { c.internal = internal }
}

// ServerStatsHandler instruments a gRPC server with spans and RPC metrics;
// install it with grpc.StatsHandler.
//
// Every server is a public edge: a caller's traceparent never becomes the
// parent of the server span. The span starts a new trace and links to the
// caller's span instead, so a caller can neither choose the trace id the
// suite's own work is filed under nor switch sampling off for it, and the
// caller's context (tracestate included) is never what the suite stores on
// its commits. Only calls that TrustInternalCalls vouches for continue the
// caller's trace.
func (p *Providers) ServerStatsHandler(opts ...ServerOption) stats.Handler {
	return otelgrpc.NewServerHandler(p.serverOptions(opts)...)
}

func (p *Providers) serverOptions(opts []ServerOption) []otelgrpc.Option {
	var cfg serverConfig
	for _, o := range opts {
		o(&cfg)
	}
	public := func(ctx context.Context, _ *stats.RPCTagInfo) bool {
		return cfg.internal == nil || !cfg.internal(ctx)
	}
	return append(p.grpcOptions(), otelgrpc.WithPublicEndpointFn(public))
}

// ClientStatsHandler instruments a gRPC client; install it with
// grpc.WithStatsHandler. The client span's context is sent to the server.
func (p *Providers) ClientStatsHandler() stats.Handler {
	return otelgrpc.NewClientHandler(p.grpcOptions()...)
}

func (p *Providers) grpcOptions() []otelgrpc.Option {
	return []otelgrpc.Option{
		// Explicit providers and propagator: otelgrpc would otherwise read
		// the otel globals, which this suite never sets.
		otelgrpc.WithTracerProvider(p.tracerProvider()),
		otelgrpc.WithMeterProvider(p.meterProvider()),
		otelgrpc.WithPropagators(p.propagator()),
		otelgrpc.WithFilter(traced),
	}
}

// traced reports whether an RPC gets a span and metrics.
func traced(info *stats.RPCTagInfo) bool {
	for _, prefix := range untracedMethodPrefixes {
		if strings.HasPrefix(info.FullMethodName, prefix) {
			return false
		}
	}
	return true
}

// ServerStatsHandler instruments a server that hosts several services: each
// call is traced and measured by the providers of the service it reaches,
// found from the method's proto package (stafett.<service>.v1), so every
// service reports under its own service.name even in one process. Options
// are those of Providers.ServerStatsHandler.
func (p *Process) ServerStatsHandler(opts ...ServerOption) stats.Handler {
	r := &routedHandler{byName: map[string]stats.Handler{}}
	for name, s := range p.services {
		r.byName[name] = s.ServerStatsHandler(opts...)
	}
	r.fallback = p.process.ServerStatsHandler(opts...)
	r.pick = func(_ context.Context, info *stats.RPCTagInfo) stats.Handler {
		if h, ok := r.byName[serviceOfMethod(info.FullMethodName)]; ok {
			return h
		}
		return r.fallback
	}
	return r
}

// ClientStatsHandler instruments a client connection that several services
// share (the suite's connection to its peers): a call's client span belongs
// to the service whose span is current when the call is made, so the
// backend draws the edge from the calling service to the called one.
func (p *Process) ClientStatsHandler() stats.Handler {
	r := &routedHandler{}
	byProvider := map[trace.TracerProvider]stats.Handler{}
	for _, s := range p.services {
		if s.TracerProvider != nil {
			byProvider[s.TracerProvider] = s.ClientStatsHandler()
		}
	}
	r.fallback = p.process.ClientStatsHandler()
	r.pick = func(ctx context.Context, _ *stats.RPCTagInfo) stats.Handler {
		if h, ok := byProvider[trace.SpanFromContext(ctx).TracerProvider()]; ok {
			return h
		}
		return r.fallback
	}
	return r
}

// serviceOfMethod is "referral" for /stafett.referral.v1.ReferralService/X.
func serviceOfMethod(fullMethod string) string {
	rest, ok := strings.CutPrefix(fullMethod, "/"+Namespace+".")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, ".")
	return name
}

// routedHandler hands each RPC to the stats handler pick chooses for it.
type routedHandler struct {
	byName   map[string]stats.Handler
	fallback stats.Handler
	pick     func(ctx context.Context, info *stats.RPCTagInfo) stats.Handler
}

type routedKey struct{}

func (r *routedHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	h := r.pick(ctx, info)
	return context.WithValue(h.TagRPC(ctx, info), routedKey{}, h)
}

func (r *routedHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if h, ok := ctx.Value(routedKey{}).(stats.Handler); ok {
		h.HandleRPC(ctx, s)
	}
}

// Connections are shared by every service on them; otelgrpc records
// nothing per connection, and the fallback stands for all.
func (r *routedHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return r.fallback.TagConn(ctx, info)
}

func (r *routedHandler) HandleConn(ctx context.Context, s stats.ConnStats) {
	r.fallback.HandleConn(ctx, s)
}
