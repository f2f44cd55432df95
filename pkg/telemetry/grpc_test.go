package telemetry

import (
	"context"
	"net"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/types/known/emptypb"
)

// pingDesc is a hand-written unary service, so the test needs no generated
// code for an RPC that is neither health nor reflection.
var pingDesc = grpc.ServiceDesc{
	ServiceName: "stafett.test.v1.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Ping",
		Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			if err := dec(new(emptypb.Empty)); err != nil {
				return nil, err
			}
			return new(emptypb.Empty), nil
		},
	}},
}

const pingMethod = "/stafett.test.v1.Echo/Ping"

// instrumentedPair serves health and Ping on a loopback port with p's server
// handler and returns a client connection using p's client handler.
func instrumentedPair(t *testing.T, p *Providers, internal func(context.Context) bool) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.StatsHandler(p.ServerStatsHandler(internal)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	srv.RegisterService(&pingDesc, struct{}{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(p.ClientStatsHandler()),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestServerHandlerTracesAUnaryCallButNotTheHealthCheck(t *testing.T) {
	t.Parallel()
	p, rec := recordingProviders(t)
	conn := instrumentedPair(t, p, func(context.Context) bool { return true })

	if _, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health check: %v", err)
	}
	if err := conn.Invoke(t.Context(), pingMethod, new(emptypb.Empty), new(emptypb.Empty)); err != nil {
		t.Fatalf("ping: %v", err)
	}

	// Started, not Ended: the server ends its span after the response is on
	// the wire, so the client may return first. Both handlers start their
	// span before any bytes move, so by now every span that will exist has
	// started.
	var client, server trace.SpanContext
	var serverParent trace.SpanContext
	for _, s := range rec.Started() {
		if strings.Contains(s.Name(), "grpc.health") {
			t.Errorf("health check traced: %q (%s)", s.Name(), s.SpanKind())
			continue
		}
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = s.SpanContext()
		case trace.SpanKindServer:
			server, serverParent = s.SpanContext(), s.Parent()
			if want := strings.TrimPrefix(pingMethod, "/"); s.Name() != want {
				t.Errorf("server span name = %q, want %q", s.Name(), want)
			}
		}
	}
	if !server.IsValid() {
		t.Fatalf("no server span for %s among %d started spans", pingMethod, len(rec.Started()))
	}
	// The explicit propagator must have carried the client span across.
	if !client.IsValid() || serverParent.SpanID() != client.SpanID() || server.TraceID() != client.TraceID() {
		t.Errorf("server span (parent %s, trace %s) is not a child of the client span (%s, trace %s)",
			serverParent.SpanID(), server.TraceID(), client.SpanID(), client.TraceID())
	}
}

func TestHealthAndReflectionMethodsAreNotTraced(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{
		"/grpc.health.v1.Health/Check":                                   false,
		"/grpc.health.v1.Health/Watch":                                   false,
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      false,
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": false,
		"/stafett.referral.v1.ReferralService/ReceiveReferral":           true,
		// Only the exact health service is skipped, not look-alikes.
		"/grpc.health.v1.HealthExtra/Check": true,
	} {
		if got := traced(&stats.RPCTagInfo{FullMethodName: method}); got != want {
			t.Errorf("traced(%s) = %v, want %v", method, got, want)
		}
	}
}

func TestAPublicEdgeStartsANewTraceThatLinksToTheCallers(t *testing.T) {
	t.Parallel()
	p, rec := recordingProviders(t)
	conn := instrumentedPair(t, p, func(context.Context) bool { return false })
	if err := conn.Invoke(t.Context(), pingMethod, new(emptypb.Empty), new(emptypb.Empty)); err != nil {
		t.Fatalf("ping: %v", err)
	}
	var client, server sdktrace.ReadOnlySpan
	for _, s := range rec.Started() {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = s
		case trace.SpanKindServer:
			server = s
		}
	}
	if client == nil || server == nil {
		t.Fatalf("spans: client %v, server %v", client, server)
	}
	if server.SpanContext().TraceID() == client.SpanContext().TraceID() || server.Parent().IsValid() {
		t.Fatalf("the server span joined the caller's trace (parent %v)", server.Parent())
	}
	linked := false
	for _, l := range server.Links() {
		linked = linked || l.SpanContext.SpanID() == client.SpanContext().SpanID()
	}
	if !linked {
		t.Fatalf("the new root does not link to the caller's span: %v", server.Links())
	}
}
