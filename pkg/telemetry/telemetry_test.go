package telemetry

import (
	"context"
	"net"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

func noEnv(string) string { return "" }

func TestSetupWithoutEndpointExportsNothingButStillMintsTraceIDs(t *testing.T) {
	t.Parallel()
	p, err := Setup(t.Context(), Config{ServiceName: "stafett-test", ServiceVersion: "1.2.3", Environment: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if p.exporting {
		t.Error("exporters installed without " + EndpointEnv)
	}

	_, span := p.Tracer("test").Start(t.Context(), "s")
	sc := span.SpanContext()
	span.End()
	if !sc.IsValid() || !sc.IsSampled() {
		t.Errorf("span context %+v, want a valid sampled one for the logs", sc)
	}
	counter, err := p.Meter("test").Int64Counter("stafett.test.count")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(t.Context(), 1)

	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestSetupNamesTheServiceInTheResource(t *testing.T) {
	// Neutralise variables that would legitimately override the name.
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	p, err := Setup(t.Context(), Config{ServiceName: "stafett-referral", ServiceVersion: "1.2.3", Environment: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()

	_, span := p.Tracer("test").Start(t.Context(), "s")
	span.End()
	ro, ok := span.(sdktrace.ReadOnlySpan)
	if !ok {
		t.Fatalf("span is %T, want an SDK span", span)
	}
	got := map[string]string{}
	for _, kv := range ro.Resource().Attributes() {
		got[string(kv.Key)] = kv.Value.Emit()
	}
	if got[string(semconv.ServiceNameKey)] != "stafett-referral" || got[string(semconv.ServiceVersionKey)] != "1.2.3" {
		t.Errorf("resource = %v", got)
	}
}

func TestSetupRequiresAServiceName(t *testing.T) {
	t.Parallel()
	if _, err := Setup(t.Context(), Config{Environment: noEnv}); err == nil {
		t.Fatal("Setup without ServiceName succeeded")
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
	p, err := Setup(t.Context(), Config{ServiceName: "stafett-test"})
	if err != nil {
		t.Fatalf("Setup with an unreachable collector: %v", err)
	}
	if !p.exporting {
		t.Fatal("no exporters installed although " + EndpointEnv + " is set")
	}

	// Give both pipelines something to flush so Shutdown really dials.
	_, span := p.Tracer("test").Start(t.Context(), "s")
	span.End()
	counter, err := p.Meter("test").Int64Counter("stafett.test.count")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(t.Context(), 1)

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
