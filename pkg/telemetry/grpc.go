package telemetry

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/stats"
)

// untracedMethodPrefixes are probed by load balancers, Kubernetes and grpcurl
// many times a minute; tracing them would bury the referral traces the
// collector is meant to keep, and they carry no patient work.
var untracedMethodPrefixes = []string{
	"/grpc.health.v1.Health/",
	"/grpc.reflection.",
}

// ServerStatsHandler instruments a gRPC server with spans and RPC metrics;
// install it with grpc.StatsHandler. The server is a public edge: a call's
// server span is a new root that links to the caller's traceparent, so no
// outsider's trace (or what it carries) becomes the parent of the suite's
// story. internal reports the calls that come from the suite's own services,
// whose trace context is the suite's and stays the parent; nil means none.
func (p *Providers) ServerStatsHandler(internal func(context.Context) bool) stats.Handler {
	opts := append(p.grpcOptions(), otelgrpc.WithPublicEndpointFn(func(ctx context.Context, _ *stats.RPCTagInfo) bool {
		return internal == nil || !internal(ctx)
	}))
	return otelgrpc.NewServerHandler(opts...)
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

// HTTPHandler instruments an HTTP edge (the FHIR API) like the gRPC server:
// each request's server span is a new root that links to the caller's
// traceparent, and only W3C trace context is read, never baggage.
func (p *Providers) HTTPHandler(operation string, h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, operation,
		otelhttp.WithTracerProvider(p.tracerProvider()),
		otelhttp.WithMeterProvider(p.meterProvider()),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }),
	)
}
