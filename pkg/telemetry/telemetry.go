// Package telemetry wires OpenTelemetry for Stafett services: tracer and meter
// providers, W3C propagation over gRPC and NATS headers, and slog records that
// carry the active trace id.
//
// Nothing here touches the otel globals. Providers are passed explicitly so two
// services in one `stafett dev` process, or two tests running in parallel, never
// see each other's spans.
//
// Personal data (national ID numbers, names, free text) must never be put into
// span names, span attributes, baggage, metric attributes or log attributes:
// only pseudonymous ids. Callers' W3C baggage is neither propagated nor
// stored: whatever a caller put there would be copied onto every commit in
// STAFETT_EVENTS, which denies delete and purge, and so could never be erased.
// Only trace context the suite itself creates travels with its messages.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// EndpointEnv switches OTLP export on. It is the generic variable from the
// OpenTelemetry specification, so the exporters themselves also understand it.
const EndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// Config describes the service whose telemetry is being set up.
type Config struct {
	// ServiceName becomes the service.name resource attribute. Required:
	// without it every span would be reported as "unknown_service".
	ServiceName string
	// ServiceVersion becomes service.version when non-empty.
	ServiceVersion string
	// Environment looks up environment variables; nil means os.Getenv.
	//
	// It only decides whether EndpointEnv is set. The OTLP exporters and the
	// resource detector read the remaining OTEL_* variables (headers, TLS,
	// timeouts, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) from the process
	// environment themselves, so their parsing stays exactly the SDK's.
	Environment func(string) string
}

// Providers holds the telemetry pipeline of one service. The zero value of
// any field is tolerated (its part becomes a no-op), so tests may build a
// Providers literal around a recording TracerProvider.
type Providers struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	// Propagator carries W3C trace context and baggage across gRPC and NATS.
	Propagator propagation.TextMapPropagator

	// exporting records whether OTLP exporters were installed; only tests
	// look at it, because the SDK providers do not expose their processors.
	exporting bool
}

// Setup builds real SDK providers for cfg. With EndpointEnv set, spans and
// metrics are exported over OTLP/gRPC; otherwise they are recorded and dropped,
// which still gives every request a trace id for the logs.
//
// The exporters connect lazily, so Setup succeeds even when the collector is
// down; export errors surface later through the otel error handler.
// Call Shutdown to flush.
func Setup(ctx context.Context, cfg Config) (*Providers, error) {
	if cfg.ServiceName == "" {
		return nil, errors.New("telemetry: Config.ServiceName is required")
	}
	getenv := cfg.Environment
	if getenv == nil {
		getenv = os.Getenv
	}

	attrs := []resource.Option{
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(cfg.ServiceName)),
	}
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(cfg.ServiceVersion)))
	}
	// Later detectors win; putting the environment last lets operators
	// override the name with OTEL_SERVICE_NAME as the specification promises.
	attrs = append(attrs, resource.WithFromEnv())
	res, err := resource.New(ctx, attrs...)
	if err != nil {
		return nil, fmt.Errorf("telemetry: build resource: %w", err)
	}

	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		// Parent-based so that a caller which decided not to sample is
		// respected across every hop of a referral's trace.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}

	exporting := getenv(EndpointEnv) != ""
	if exporting {
		// No options: the exporters read OTEL_EXPORTER_OTLP_* themselves,
		// including the signal-specific endpoints that override the generic one.
		traceExp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: otlp trace exporter: %w", err)
		}
		metricExp, err := otlpmetricgrpc.New(ctx)
		if err != nil {
			return nil, errors.Join(
				fmt.Errorf("telemetry: otlp metric exporter: %w", err),
				traceExp.Shutdown(ctx),
			)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(traceExp))
		mpOpts = append(mpOpts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp)))
	}

	return &Providers{
		TracerProvider: sdktrace.NewTracerProvider(tpOpts...),
		MeterProvider:  sdkmetric.NewMeterProvider(mpOpts...),
		Propagator:     newPropagator(),
		exporting:      exporting,
	}, nil
}

// newPropagator carries W3C trace context only, never baggage.
func newPropagator() propagation.TextMapPropagator {
	return propagation.TraceContext{}
}

// Tracer returns a named tracer from the service's provider.
func (p *Providers) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return p.tracerProvider().Tracer(name, opts...)
}

// Meter returns a named meter from the service's provider.
func (p *Providers) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return p.meterProvider().Meter(name, opts...)
}

// Shutdown flushes and stops both providers. They are stopped concurrently so
// a slow trace flush cannot use up the whole deadline before metrics get a
// chance; each respects ctx, so an unreachable collector cannot hold up exit
// for longer than the caller allows.
func (p *Providers) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var traceErr, metricErr error
	if p.TracerProvider != nil {
		wg.Go(func() { traceErr = p.TracerProvider.Shutdown(ctx) })
	}
	if p.MeterProvider != nil {
		wg.Go(func() { metricErr = p.MeterProvider.Shutdown(ctx) })
	}
	wg.Wait()
	if traceErr != nil {
		traceErr = fmt.Errorf("telemetry: shut down tracer provider: %w", traceErr)
	}
	if metricErr != nil {
		metricErr = fmt.Errorf("telemetry: shut down meter provider: %w", metricErr)
	}
	return errors.Join(traceErr, metricErr)
}

// The accessors below turn a nil field into an explicit no-op rather than
// letting instrumentation fall back to the otel globals, and avoid handing
// out a typed-nil pointer inside a non-nil interface.

func (p *Providers) tracerProvider() trace.TracerProvider {
	if p.TracerProvider == nil {
		return tracenoop.NewTracerProvider()
	}
	return p.TracerProvider
}

func (p *Providers) meterProvider() metric.MeterProvider {
	if p.MeterProvider == nil {
		return metricnoop.NewMeterProvider()
	}
	return p.MeterProvider
}

func (p *Providers) propagator() propagation.TextMapPropagator {
	if p.Propagator == nil {
		return newPropagator()
	}
	return p.Propagator
}
