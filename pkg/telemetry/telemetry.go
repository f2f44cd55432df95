// Package telemetry wires OpenTelemetry for Stafett services: one tracer,
// meter and logger provider per service, W3C propagation over gRPC, HTTP and
// NATS headers, and slog records that carry the active trace id.
//
// Nothing here touches the otel globals, except that Setup routes the SDK's
// own error reports to slog (the SDK reports exporter failures nowhere else).
// Providers are passed explicitly so two services in one `stafett dev`
// process, or two tests running in parallel, never see each other's spans.
//
// Personal data (national ID numbers, names, free text) must never be put into
// span names, span attributes, metric attributes or log attributes: only
// pseudonymous ids. W3C baggage is not propagated at all: it is whatever a
// caller chose to send, and anything written onto a commit stays in a stream
// that denies delete and purge.
package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
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

// Namespace is every service's service.namespace; service names are
// Namespace + "-" + the suite's name for the service (stafett-referral).
const Namespace = "stafett"

// ProcessName names what belongs to no one service in a process that runs
// several: the Go runtime's metrics, mostly.
const ProcessName = "suite"

// ServiceName is the service.name of one of the suite's services.
func ServiceName(service string) string { return Namespace + "-" + service }

// Config describes the process whose telemetry is being set up.
type Config struct {
	// Services this process runs, by the suite's names ("referral",
	// "consent", ...). Required. Each gets its own providers and resource;
	// OTEL_SERVICE_NAME renames a service only when it is the only one.
	Services []string
	// ServiceVersion becomes service.version when non-empty.
	ServiceVersion string
	// Logger receives the SDK's own errors (an unreachable collector, a
	// rejected export) and, when OTLP is on, nothing else: service logs go
	// through each service's LogHandler. Nil discards them.
	Logger *slog.Logger
	// Environment looks up environment variables; nil means os.Getenv.
	//
	// It only decides whether EndpointEnv is set. The OTLP exporters and the
	// resource detector read the remaining OTEL_* variables (headers, TLS,
	// timeouts, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) from the process
	// environment themselves, so their parsing stays exactly the SDK's.
	Environment func(string) string

	// SpanProcessor, when set, also receives every service's spans (an
	// in-memory recorder in tests).
	SpanProcessor sdktrace.SpanProcessor
	// MetricReader, when set, gives each service's meter provider one more
	// reader (a test's ManualReader, a pull exporter); service is the
	// suite's name for it, or ProcessName.
	MetricReader func(service string) sdkmetric.Reader
}

// Providers holds the telemetry pipeline of one service. The zero value of
// any field is tolerated (its part becomes a no-op), so tests may build a
// Providers literal around a recording TracerProvider.
type Providers struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	// LoggerProvider, when set, receives the service's slog records through
	// the OTel slog bridge (see LogHandler); only set while exporting.
	LoggerProvider *sdklog.LoggerProvider
	// Propagator carries W3C trace context across gRPC, HTTP and NATS.
	Propagator propagation.TextMapPropagator
}

// Process is the telemetry of one process: the providers of each service it
// runs over one set of OTLP exporters.
type Process struct {
	services map[string]*Providers
	// process owns what no single service does; in a one-service process it
	// is that service's providers.
	process   *Providers
	exporters *exporters
}

// Setup builds real SDK providers for every service in cfg. With EndpointEnv
// set, spans, metrics and logs are exported over OTLP/gRPC; otherwise they
// are recorded and dropped, which still gives every request a trace id for
// the logs.
//
// The exporters connect lazily, so Setup succeeds even when the collector is
// down; export errors go to cfg.Logger. Call Shutdown to flush.
func Setup(ctx context.Context, cfg Config) (*Process, error) {
	if len(cfg.Services) == 0 || slices.Contains(cfg.Services, "") {
		return nil, errors.New("telemetry: Config.Services must name every service the process runs")
	}
	getenv := cfg.Environment
	if getenv == nil {
		getenv = os.Getenv
	}
	routeSDKErrors(cfg.Logger)

	fromEnv, err := resource.New(ctx, resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("telemetry: read OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	instance, err := instanceID()
	if err != nil {
		return nil, err
	}

	var exp *exporters
	if getenv(EndpointEnv) != "" {
		if exp, err = newExporters(ctx); err != nil {
			return nil, err
		}
	}
	single := len(cfg.Services) == 1
	p := &Process{services: map[string]*Providers{}, exporters: exp}
	for _, name := range cfg.Services {
		res, err := serviceResource(ctx, ServiceName(name), cfg.ServiceVersion, instance, fromEnv, single)
		if err != nil {
			return nil, errors.Join(err, p.Shutdown(ctx))
		}
		p.services[name] = newProviders(res, exp, cfg, name)
	}
	if single {
		p.process = p.services[cfg.Services[0]]
	} else {
		res, err := serviceResource(ctx, ServiceName(ProcessName), cfg.ServiceVersion, instance, fromEnv, false)
		if err != nil {
			return nil, errors.Join(err, p.Shutdown(ctx))
		}
		p.process = newProviders(res, exp, cfg, ProcessName)
	}
	// The maintained contrib collector, read on each collection: goroutines,
	// heap, GC and scheduler latency of the process as a whole.
	if err := runtime.Start(runtime.WithMeterProvider(p.process.MeterProvider)); err != nil {
		return nil, errors.Join(fmt.Errorf("telemetry: runtime metrics: %w", err), p.Shutdown(ctx))
	}
	return p, nil
}

// serviceResource is one service's resource. The environment's attributes
// (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME) win, as the specification
// promises operators, except for service.name in a process that runs several
// services: resource.WithFromEnv on every provider would otherwise give all
// of them one name, and Jaeger's dependency graph would be a self-loop.
func serviceResource(ctx context.Context, name, version, instance string, fromEnv *resource.Resource, single bool) (*resource.Resource, error) {
	env := fromEnv
	if !single {
		var kept []attribute.KeyValue
		for _, kv := range fromEnv.Attributes() {
			if kv.Key != semconv.ServiceNameKey {
				kept = append(kept, kv)
			}
		}
		env = resource.NewSchemaless(kept...)
	}
	attrs := []attribute.KeyValue{
		semconv.ServiceName(name),
		semconv.ServiceNamespace(Namespace),
		semconv.ServiceInstanceID(instance),
	}
	if version != "" {
		attrs = append(attrs, semconv.ServiceVersion(version))
	}
	own, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attrs...),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: build resource for %s: %w", name, err)
	}
	res, err := resource.Merge(own, env)
	if err != nil {
		return nil, fmt.Errorf("telemetry: merge resource for %s: %w", name, err)
	}
	return res, nil
}

// instanceID tells apart two processes running the same service (replicas),
// so that their gauges are not summed or overwritten in the backend.
func instanceID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("telemetry: instance id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func newProviders(res *resource.Resource, exp *exporters, cfg Config, service string) *Providers {
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		// Parent-based so that a sampling decision holds across every hop of
		// a referral's trace. Public edges start new roots (see
		// ServerStatsHandler), so a caller cannot make that decision.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	p := &Providers{Propagator: newPropagator()}
	if exp != nil {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(keepOpenSpans{exp.spans}))
		mpOpts = append(mpOpts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(keepOpenMetrics{exp.metrics})))
		p.LoggerProvider = sdklog.NewLoggerProvider(sdklog.WithResource(res),
			sdklog.WithProcessor(sdklog.NewBatchProcessor(&exp.logs)))
	}
	if cfg.SpanProcessor != nil {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(cfg.SpanProcessor))
	}
	if cfg.MetricReader != nil {
		if r := cfg.MetricReader(service); r != nil {
			mpOpts = append(mpOpts, sdkmetric.WithReader(r))
		}
	}
	p.TracerProvider = sdktrace.NewTracerProvider(tpOpts...)
	p.MeterProvider = sdkmetric.NewMeterProvider(mpOpts...)
	return p
}

// routeSDKErrors sends the SDK's error reports and internal log lines to
// slog instead of the standard log package, which nothing else here uses.
func routeSDKErrors(logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("telemetry export failed", "error", err)
	}))
	otel.SetLogger(logr.FromSlogHandler(logger.Handler()))
}

// Service returns the providers of the named service. A name Setup was not
// given gets the process's own providers, so nothing is silently untraced.
func (p *Process) Service(name string) *Providers {
	if s, ok := p.services[name]; ok {
		return s
	}
	return p.process
}

// Shutdown flushes and stops every provider, then the shared exporters.
// Each respects ctx, so an unreachable collector cannot hold up exit for
// longer than the caller allows.
func (p *Process) Shutdown(ctx context.Context) error {
	all := make([]*Providers, 0, len(p.services)+1)
	for _, s := range p.services {
		all = append(all, s)
	}
	if p.process != nil && !slices.Contains(all, p.process) {
		all = append(all, p.process)
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Go(func() { errs[i] = s.Shutdown(ctx) })
	}
	wg.Wait()
	if p.exporters != nil {
		errs = append(errs, p.exporters.shutdown(ctx))
	}
	return errors.Join(errs...)
}

func newPropagator() propagation.TextMapPropagator {
	return traceContext{}
}

// traceContext carries W3C trace context only. A caller's baggage is never
// extracted, so no code in the suite sees it, and never injected, so none
// reaches a NATS header, a stored commit or a downstream service.
//
// It also forgets an incoming tracestate. The suite writes no tracestate of
// its own, so what arrives is always someone else's opaque text; dropping it
// keeps that text out of the links of public edges' spans and out of every
// header the suite writes.
type traceContext struct{ propagation.TraceContext }

func (tc traceContext) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	ctx = tc.TraceContext.Extract(ctx, carrier)
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.TraceState().Len() > 0 {
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc.WithTraceState(trace.TraceState{}))
	}
	return ctx
}

// Tracer returns a named tracer from the service's provider.
func (p *Providers) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return p.tracerProvider().Tracer(name, opts...)
}

// Meter returns a named meter from the service's provider.
func (p *Providers) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return p.meterProvider().Meter(name, opts...)
}

// Shutdown flushes and stops the providers. They are stopped concurrently so
// a slow trace flush cannot use up the whole deadline before metrics get a
// chance.
func (p *Providers) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var traceErr, metricErr, logErr error
	if p.TracerProvider != nil {
		wg.Go(func() { traceErr = p.TracerProvider.Shutdown(ctx) })
	}
	if p.MeterProvider != nil {
		wg.Go(func() { metricErr = p.MeterProvider.Shutdown(ctx) })
	}
	if p.LoggerProvider != nil {
		wg.Go(func() { logErr = p.LoggerProvider.Shutdown(ctx) })
	}
	wg.Wait()
	if traceErr != nil {
		traceErr = fmt.Errorf("telemetry: shut down tracer provider: %w", traceErr)
	}
	if metricErr != nil {
		metricErr = fmt.Errorf("telemetry: shut down meter provider: %w", metricErr)
	}
	if logErr != nil {
		logErr = fmt.Errorf("telemetry: shut down logger provider: %w", logErr)
	}
	return errors.Join(traceErr, metricErr, logErr)
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

// exporters are one OTLP connection per signal, shared by every service of
// the process: the resource travels with each batch, so sharing loses
// nothing, and a process running six services keeps three connections
// rather than eighteen.
type exporters struct {
	spans   sdktrace.SpanExporter
	metrics sdkmetric.Exporter
	logs    serialLogs
}

func newExporters(ctx context.Context) (*exporters, error) {
	// No options: the exporters read OTEL_EXPORTER_OTLP_* themselves,
	// including the signal-specific endpoints that override the generic one.
	spans, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("telemetry: otlp trace exporter: %w", err)
	}
	metrics, err := otlpmetricgrpc.New(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("telemetry: otlp metric exporter: %w", err), spans.Shutdown(ctx))
	}
	logs, err := otlploggrpc.New(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("telemetry: otlp log exporter: %w", err), spans.Shutdown(ctx), metrics.Shutdown(ctx))
	}
	return &exporters{spans: spans, metrics: metrics, logs: serialLogs{exp: logs}}, nil
}

func (e *exporters) shutdown(ctx context.Context) error {
	return errors.Join(e.spans.Shutdown(ctx), e.metrics.Shutdown(ctx), e.logs.exp.Shutdown(ctx))
}

// keepOpenSpans and keepOpenMetrics let several providers share one
// exporter: a provider's shutdown flushes through it but leaves it open for
// the others; Process.Shutdown closes it last.
type keepOpenSpans struct{ sdktrace.SpanExporter }

func (keepOpenSpans) Shutdown(context.Context) error { return nil }

type keepOpenMetrics struct{ sdkmetric.Exporter }

func (keepOpenMetrics) Shutdown(context.Context) error { return nil }

// serialLogs shares the log exporter, whose client is not safe for
// concurrent exports, between the services' batch processors.
type serialLogs struct {
	mu  sync.Mutex
	exp sdklog.Exporter
}

func (s *serialLogs) Export(ctx context.Context, records []sdklog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exp.Export(ctx, records)
}

func (s *serialLogs) ForceFlush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exp.ForceFlush(ctx)
}

// Shutdown leaves the shared exporter open; see keepOpenSpans.
func (*serialLogs) Shutdown(context.Context) error { return nil }
