package telemetry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"
)

// A caller's own trace context, as an integration engine or a browser would
// send it: a traceparent, a tracestate and baggage holding personal data.
const (
	callerTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	callerTracestate  = "vendor=opaque"
	callerBaggage     = "patient.name=Kari%20Nordmann,fnr=01010112345"
)

var callerSpan = func() trace.SpanContext {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
}()

// seenByHandler is what the code behind an edge sees of the request's trace.
type seenByHandler struct {
	span    trace.SpanContext
	baggage int
}

func seen(ctx context.Context) seenByHandler {
	return seenByHandler{span: trace.SpanContextFromContext(ctx), baggage: baggage.FromContext(ctx).Len()}
}

// assertNewRootLinkedToCaller checks the edge's server span: a trace of its
// own, no parent, a link to the caller's span, and nothing of the caller's
// context (tracestate, baggage) visible to the handler.
func assertNewRootLinkedToCaller(t *testing.T, rec *tracetest.SpanRecorder, kind trace.SpanKind, got seenByHandler) {
	t.Helper()
	var server sdktrace.ReadOnlySpan
	for _, s := range rec.Started() {
		if s.SpanKind() == kind {
			server = s
		}
	}
	if server == nil {
		t.Fatalf("no %s span among %d", kind, len(rec.Started()))
	}
	if server.Parent().IsValid() {
		t.Errorf("server span has parent %s, want a new root", server.Parent().SpanID())
	}
	if server.SpanContext().TraceID() == callerSpan.TraceID() {
		t.Error("server span continues the caller's trace id")
	}
	links := server.Links()
	// Equal compares tracestate too: the caller's is not kept even in the link.
	if len(links) != 1 || !links[0].SpanContext.Equal(callerSpan) {
		t.Errorf("server span links %v, want exactly the caller's span %v", links, callerSpan)
	}
	if got.span.SpanID() != server.SpanContext().SpanID() {
		t.Errorf("handler runs under span %s, want the server span %s", got.span.SpanID(), server.SpanContext().SpanID())
	}
	if ts := got.span.TraceState().String(); ts != "" {
		t.Errorf("handler's span carries the caller's tracestate %q", ts)
	}
	if got.baggage != 0 {
		t.Errorf("handler sees %d baggage members from the caller", got.baggage)
	}
}

func TestPublicGRPCCallStartsANewTraceLinkedToTheCallersTraceparentAndDropsBaggage(t *testing.T) {
	t.Parallel()
	p, rec := recordingProviders(t)
	handled := make(chan seenByHandler, 1)
	desc := grpc.ServiceDesc{
		ServiceName: "stafett.test.v1.Edge",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Ping",
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				if err := dec(new(emptypb.Empty)); err != nil {
					return nil, err
				}
				handled <- seen(ctx)
				return new(emptypb.Empty), nil
			},
		}},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Internal calls are trusted only when they say so in a way this test
	// controls; the caller below does not.
	srv := grpc.NewServer(grpc.StatsHandler(p.ServerStatsHandler(TrustInternalCalls(func(ctx context.Context) bool {
		md, _ := metadata.FromIncomingContext(ctx)
		return len(md.Get("x-test-internal")) > 0
	}))))
	srv.RegisterService(&desc, struct{}{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	// A plain client with no instrumentation: the headers are the caller's own.
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	ctx := metadata.AppendToOutgoingContext(t.Context(),
		"traceparent", callerTraceparent, "tracestate", callerTracestate, "baggage", callerBaggage)
	if err := conn.Invoke(ctx, "/stafett.test.v1.Edge/Ping", new(emptypb.Empty), new(emptypb.Empty)); err != nil {
		t.Fatal(err)
	}
	assertNewRootLinkedToCaller(t, rec, trace.SpanKindServer, <-handled)
}

func TestPublicHTTPRequestStartsANewTraceLinkedToTheCallersTraceparentAndDropsBaggage(t *testing.T) {
	t.Parallel()
	p, rec := recordingProviders(t)
	handled := make(chan seenByHandler, 1)
	h := p.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled <- seen(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}), "fhir", func(r *http.Request) bool { return r.Header.Get("X-Test-Internal") != "" })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/fhir/R4/Task", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("traceparent", callerTraceparent)
	req.Header.Set("tracestate", callerTracestate)
	req.Header.Set("baggage", callerBaggage)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	assertNewRootLinkedToCaller(t, rec, trace.SpanKindServer, <-handled)
}

func TestTrustedInternalHTTPRequestContinuesTheCallersTrace(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	handled := make(chan seenByHandler, 1)
	h := p.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled <- seen(r.Context())
	}), "fhir", func(r *http.Request) bool { return r.Header.Get("X-Test-Internal") != "" })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("traceparent", callerTraceparent)
	req.Header.Set("X-Test-Internal", "1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := (<-handled).span.TraceID(); got != callerSpan.TraceID() {
		t.Errorf("trusted request runs in trace %s, want the caller's %s", got, callerSpan.TraceID())
	}
}
