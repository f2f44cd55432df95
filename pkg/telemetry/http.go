package telemetry

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// InternalRequestFunc is InternalCallFunc for HTTP edges.
type InternalRequestFunc func(r *http.Request) bool

// HTTPOptions configures otelhttp for a public HTTP edge (Connect, FHIR
// REST, the console) the way ServerStatsHandler does for gRPC: this
// service's providers, W3C trace context only (never a caller's baggage),
// and a server span that starts a new trace linked to the caller's
// traceparent unless internal vouches for the request (nil: none is
// trusted). Add edge-specific options (a span name formatter, filters)
// after these.
func (p *Providers) HTTPOptions(internal InternalRequestFunc) []otelhttp.Option {
	public := func(r *http.Request) bool { return internal == nil || !internal(r) }
	return []otelhttp.Option{
		otelhttp.WithTracerProvider(p.tracerProvider()),
		otelhttp.WithMeterProvider(p.meterProvider()),
		otelhttp.WithPropagators(p.propagator()),
		otelhttp.WithPublicEndpointFn(public),
	}
}

// HTTPHandler wraps h as a public HTTP edge named operation; see HTTPOptions.
func (p *Providers) HTTPHandler(h http.Handler, operation string, internal InternalRequestFunc, opts ...otelhttp.Option) http.Handler {
	return otelhttp.NewHandler(h, operation, append(p.HTTPOptions(internal), opts...)...)
}
