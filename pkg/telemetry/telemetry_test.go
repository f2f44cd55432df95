package telemetry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"google.golang.org/protobuf/types/known/emptypb"
)

func noEnv(string) string { return "" }

// resourceOf returns the resource attributes of the spans p's tracer makes.
func resourceOf(t *testing.T, p *Providers) map[string]string {
	t.Helper()
	_, span := p.Tracer("test").Start(t.Context(), "s")
	span.End()
	ro, ok := span.(sdktrace.ReadOnlySpan)
	if !ok {
		t.Fatalf("span is %T, want an SDK span", span)
	}
	return attrMap(ro.Resource())
}

func attrMap(r *resource.Resource) map[string]string {
	got := map[string]string{}
	for _, kv := range r.Attributes() {
		got[string(kv.Key)] = kv.Value.Emit()
	}
	return got
}

func shutdown(t *testing.T, p *Process) {
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

func TestSetupWithoutEndpointExportsNothingButStillMintsTraceIDs(t *testing.T) {
	t.Parallel()
	p, err := Setup(t.Context(), Config{Services: []string{"referral"}, ServiceVersion: "1.2.3", Environment: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if p.exporters != nil || p.Service("referral").LoggerProvider != nil {
		t.Error("exporters installed without " + EndpointEnv)
	}

	_, span := p.Service("referral").Tracer("test").Start(t.Context(), "s")
	sc := span.SpanContext()
	span.End()
	if !sc.IsValid() || !sc.IsSampled() {
		t.Errorf("span context %+v, want a valid sampled one for the logs", sc)
	}
	counter, err := p.Service("referral").Meter("test").Int64Counter("stafett.test.count")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(t.Context(), 1)

	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestEveryServiceInOneProcessReportsItsOwnServiceNameWhateverOTELServiceNameSays(t *testing.T) {
	// resource.WithFromEnv would give every provider this one name.
	t.Setenv("OTEL_SERVICE_NAME", "one-name-for-all")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,service.name=also-ignored")
	p, err := Setup(t.Context(), Config{Services: []string{"referral", "consent"}, ServiceVersion: "1.2.3", Environment: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, p)

	for service, want := range map[string]string{"referral": "stafett-referral", "consent": "stafett-consent", "unknown": "stafett-suite"} {
		got := resourceOf(t, p.Service(service))
		if got[string(semconv.ServiceNameKey)] != want {
			t.Errorf("%s: service.name = %q, want %q", service, got[string(semconv.ServiceNameKey)], want)
		}
		if got[string(semconv.ServiceNamespaceKey)] != "stafett" || got[string(semconv.ServiceVersionKey)] != "1.2.3" {
			t.Errorf("%s: resource = %v, want namespace stafett and version 1.2.3", service, got)
		}
		if got["deployment.environment.name"] != "test" {
			t.Errorf("%s: the operator's other resource attributes were dropped: %v", service, got)
		}
	}
	if p.Service("referral").TracerProvider == p.Service("consent").TracerProvider {
		t.Error("two services share one tracer provider")
	}
}

func TestOTELServiceNameRenamesTheServiceOfASingleServiceProcess(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "stafett-referral-eu")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	p, err := Setup(t.Context(), Config{Services: []string{"referral"}, Environment: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, p)
	if got := resourceOf(t, p.Service("referral"))[string(semconv.ServiceNameKey)]; got != "stafett-referral-eu" {
		t.Errorf("service.name = %q, want the operator's stafett-referral-eu", got)
	}
	if p.Service(ProcessName) != p.Service("referral") {
		t.Error("a single-service process reports its runtime under another name than its service")
	}
}

func TestSetupRequiresTheServicesItRuns(t *testing.T) {
	t.Parallel()
	for _, services := range [][]string{nil, {""}, {"referral", ""}} {
		if _, err := Setup(t.Context(), Config{Services: services, Environment: noEnv}); err == nil {
			t.Errorf("Setup with services %q succeeded", services)
		}
	}
}

func TestGoRuntimeMetricsAreReportedByTheProcess(t *testing.T) {
	t.Parallel()
	readers := map[string]*sdkmetric.ManualReader{}
	p, err := Setup(t.Context(), Config{Services: []string{"referral", "consent"}, Environment: noEnv,
		MetricReader: func(service string) sdkmetric.Reader {
			r := sdkmetric.NewManualReader()
			readers[service] = r
			return r
		}})
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, p)
	var rm metricdata.ResourceMetrics
	if err := readers[ProcessName].Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	for _, want := range []string{"go.goroutine.count", "go.memory.used"} {
		if !names[want] {
			t.Errorf("runtime metric %s missing; have %v", want, names)
		}
	}
}

func TestExporterErrorsGoToSlogNotTheStandardLogger(t *testing.T) {
	// otel's error handler is process-wide; t.Setenv keeps this test serial.
	t.Setenv("OTEL_SERVICE_NAME", "")
	var buf bytes.Buffer
	p, err := Setup(t.Context(), Config{Services: []string{"referral"}, Environment: noEnv, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, p)
	otel.Handle(errors.New("collector said no"))
	if !strings.Contains(buf.String(), "collector said no") {
		t.Errorf("SDK error not logged through slog: %q", buf.String())
	}
}

// closedLoopbackURL returns a loopback address nothing listens on, without
// assuming any fixed port is free.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

func TestSetupWithUnreachableCollectorStartsAndShutdownRespectsTheDeadline(t *testing.T) {
	// The exporters read the process environment, so this test cannot run
	// in parallel with itself; t.Setenv enforces that.
	t.Setenv(EndpointEnv, closedLoopbackURL(t))
	p, err := Setup(t.Context(), Config{Services: []string{"referral", "consent"}})
	if err != nil {
		t.Fatalf("Setup with an unreachable collector: %v", err)
	}
	if p.exporters == nil || p.Service("consent").LoggerProvider == nil {
		t.Fatal("no exporters installed although " + EndpointEnv + " is set")
	}

	// Give every pipeline something to flush so Shutdown really dials.
	for _, s := range []string{"referral", "consent"} {
		ctx, span := p.Service(s).Tracer("test").Start(t.Context(), "s")
		span.End()
		counter, err := p.Service(s).Meter("test").Int64Counter("stafett.test.count")
		if err != nil {
			t.Fatal(err)
		}
		counter.Add(ctx, 1, metric.WithAttributes(attribute.String("unit", "x")))
		slog.New(p.Service(s).LogHandler(slog.DiscardHandler)).InfoContext(ctx, "hello")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx) }()

	// Generous bound: it only separates "returned after its deadline" from
	// "hung in exporter retries", which back off for up to a minute.
	hang := time.NewTimer(15 * time.Second)
	defer hang.Stop()
	select {
	case err := <-done:
		// An error is expected (nothing is listening); returning is the point.
		t.Logf("shutdown returned: %v", err)
	case <-hang.C:
		t.Fatal("Shutdown ignored its context deadline")
	}
}

func TestEachCallIsTracedByTheServiceItReachesAndEachClientSpanByTheCaller(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	p, err := Setup(t.Context(), Config{Services: []string{"referral", "consent"}, Environment: noEnv, SpanProcessor: rec})
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, p)
	conn := twoServicePair(t, p)
	if err := conn.Invoke(t.Context(), "/stafett.referral.v1.ReferralService/Receive", new(emptypb.Empty), new(emptypb.Empty)); err != nil {
		t.Fatal(err)
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Started() {
		byName[s.SpanKind().String()+" "+s.Name()] = s
	}
	want := map[string]string{
		"server stafett.referral.v1.ReferralService/Receive":   "stafett-referral",
		"client stafett.consent.v1.ConsentService/CheckAccess": "stafett-referral",
		"server stafett.consent.v1.ConsentService/CheckAccess": "stafett-consent",
	}
	for key, service := range want {
		s, ok := byName[key]
		if !ok {
			t.Errorf("no span %q among %v", key, keys(byName))
			continue
		}
		if got := attrMap(s.Resource())[string(semconv.ServiceNameKey)]; got != service {
			t.Errorf("%s reported by %s, want %s", key, got, service)
		}
	}
	client, server := byName["client stafett.consent.v1.ConsentService/CheckAccess"], byName["server stafett.consent.v1.ConsentService/CheckAccess"]
	if client != nil && server != nil && server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Error("the trusted internal call's server span is not a child of its client span")
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
