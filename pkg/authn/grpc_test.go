package authn

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// echoService reports the principal it sees back to the client, which is how
// the tests prove the interceptor handed it over.
type echoService struct {
	testpb.UnimplementedTestServiceServer
}

func (echoService) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return &testpb.Empty{}, nil
}

func (echoService) UnaryCall(ctx context.Context, _ *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Internal, "no principal in context")
	}
	return &testpb.SimpleResponse{Username: p.Subject, OauthScope: strings.Join(p.Scopes, " "), ServerId: string(p.Role)}, nil
}

func (echoService) StreamingOutputCall(_ *testpb.StreamingOutputCallRequest, stream grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	p, ok := FromContext(stream.Context())
	if !ok {
		return status.Error(codes.Internal, "no principal in context")
	}
	return stream.Send(&testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: []byte(p.Subject)}})
}

var _ testpb.TestServiceServer = echoService{}

// testPolicy leaves EmptyCall out on purpose: it must be denied.
func testPolicy() Policy {
	return Policy{
		testpb.TestService_UnaryCall_FullMethodName:           "referral:read",
		testpb.TestService_StreamingOutputCall_FullMethodName: "referral:read",
	}
}

// startServer runs a real gRPC server on a loopback port with the
// interceptors, health and the echo service, and returns a client conn
// (dialled with opts) to it.
func startServer(t *testing.T, v Verifier, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	return startLoggingServer(t, v, nil, opts...)
}

// startLoggingServer is startServer with the interceptors logging to logger.
func startLoggingServer(t *testing.T, v Verifier, logger *slog.Logger, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	return startGatedServer(t, v, logger, testPolicy(), func(srv *grpc.Server) {
		healthpb.RegisterHealthServer(srv, health.NewServer())
		testpb.RegisterTestServiceServer(srv, echoService{})
	}, opts...)
}

// startGatedServer runs a real gRPC server on a loopback port with the
// interceptors enforcing policy and the services register adds.
func startGatedServer(t *testing.T, v Verifier, logger *slog.Logger, policy Policy, register func(*grpc.Server), opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(v, policy, logger)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(v, policy, logger)),
	)
	register(srv)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	conn, err := grpc.NewClient(lis.Addr().String(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func withBearer(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("code = %v (%v), want %v", got, err, want)
	}
}

func TestCallWithoutTokenIsUnauthenticated(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	_, err := client.UnaryCall(t.Context(), &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unauthenticated)

	stream, err := client.StreamingOutputCall(t.Context(), &testpb.StreamingOutputCallRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.Unauthenticated)
}

func TestCallWithBadTokenIsUnauthenticatedWithAGenericMessage(t *testing.T) {
	clk := newFakeClock()
	s, other := newTestSigner(t), newTestSigner(t)
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	expired := mustMint(t, s, clinicianSpec(), clk.Now().Add(-2*time.Hour), time.Hour)
	bad := map[string]context.Context{
		"garbage":      withBearer(t.Context(), "not-a-jwt"),
		"expired":      withBearer(t.Context(), expired),
		"other signer": withBearer(t.Context(), mint(t, other, clinicianSpec(), clk.Now())),
		"basic scheme": metadata.AppendToOutgoingContext(t.Context(), "authorization", "Basic "+mint(t, s, clinicianSpec(), clk.Now())),
		"two headers":  withBearer(withBearer(t.Context(), mint(t, s, clinicianSpec(), clk.Now())), mint(t, s, clinicianSpec(), clk.Now())),
		"empty bearer": metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "),
	}
	var messages []string
	for name, ctx := range bad {
		_, err := client.UnaryCall(ctx, &testpb.SimpleRequest{})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s: code = %v, want Unauthenticated", name, status.Code(err))
		}
		messages = append(messages, status.Convert(err).Message())
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("messages differ, so they leak why a token failed: %q vs %q", m, messages[0])
		}
	}
}

func TestCallWithoutRequiredScopeIsPermissionDeniedNamingTheScope(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	spec := clinicianSpec()
	spec.Scopes = []string{"pathway:read"}
	_, err := client.UnaryCall(withBearer(t.Context(), mint(t, s, spec, clk.Now())), &testpb.SimpleRequest{})
	wantCode(t, err, codes.PermissionDenied)
	if msg := status.Convert(err).Message(); !strings.Contains(msg, "referral:read") {
		t.Errorf("message %q does not name the scope needed", msg)
	}
}

func TestMethodMissingFromPolicyIsPermissionDenied(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	_, err := client.EmptyCall(withBearer(t.Context(), mint(t, s, clinicianSpec(), clk.Now())), &testpb.Empty{})
	wantCode(t, err, codes.PermissionDenied)
}

func TestHealthNeedsNoToken(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	health := healthpb.NewHealthClient(startServer(t, s.Verifier(clk.Now)))
	resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("status = %v", resp.GetStatus())
	}
	watch, err := health.Watch(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatalf("Watch: %v", err)
	}
}

func TestHandlerSeesThePrincipal(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	ctx := withBearer(t.Context(), mint(t, s, clinicianSpec(), clk.Now()))

	resp, err := client.UnaryCall(ctx, &testpb.SimpleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetUsername() != "clin-1" || resp.GetServerId() != string(RoleClinician) || resp.GetOauthScope() != "referral:read referral:write" {
		t.Errorf("unary handler saw sub=%q role=%q scopes=%q", resp.GetUsername(), resp.GetServerId(), resp.GetOauthScope())
	}

	stream, err := client.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(msg.GetPayload().GetBody()); got != "clin-1" {
		t.Errorf("stream handler saw subject %q", got)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("stream end: %v", err)
	}
}

// verifierFunc adapts a function to Verifier for failure modes a real
// verifier only reaches with a broken issuer.
type verifierFunc func(context.Context, string) (Principal, error)

func (f verifierFunc) Verify(ctx context.Context, raw string) (Principal, error) { return f(ctx, raw) }

func TestUnreachableIssuerIsUnavailableNotUnauthenticated(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	is := newIssuerStub(t, nil)
	is.breakDown()
	client := testpb.NewTestServiceClient(startServer(t, is.verifier(clk)))
	_, err := client.UnaryCall(withBearer(t.Context(), mint(t, s, clinicianSpec(), clk.Now())), &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unavailable)
}

func TestVerifierErrorsOtherThanKeysUnavailableAreUnauthenticated(t *testing.T) {
	v := verifierFunc(func(context.Context, string) (Principal, error) { return Principal{}, errors.New("boom") })
	client := testpb.NewTestServiceClient(startServer(t, v))
	_, err := client.UnaryCall(withBearer(t.Context(), "x"), &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestServiceCredentialsAuthenticateEndToEnd(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	creds := ServiceCredentials(s, "pathway", []string{"referral:read"}, clk.Now)
	conn := startServer(t, s.Verifier(clk.Now), grpc.WithPerRPCCredentials(creds))
	client := testpb.NewTestServiceClient(conn)

	resp, err := client.UnaryCall(t.Context(), &testpb.SimpleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetUsername() != "pathway" || resp.GetServerId() != string(RoleService) {
		t.Errorf("handler saw sub=%q role=%q, want the pathway service", resp.GetUsername(), resp.GetServerId())
	}
	// Still accepted after the first token would have expired: the
	// credentials renewed it.
	clk.Advance(serviceTokenTTL + time.Minute)
	if _, err := client.UnaryCall(t.Context(), &testpb.SimpleRequest{}); err != nil {
		t.Fatalf("after the first token expired: %v", err)
	}
}

func TestServiceCredentialsReuseTheTokenUntilShortlyBeforeExpiry(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	creds := ServiceCredentials(s, "pathway", []string{"consent:read"}, clk.Now)
	get := func() string {
		md, err := creds.GetRequestMetadata(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return md["authorization"]
	}

	var wg sync.WaitGroup
	tokens := make([]string, 8)
	for i := range tokens {
		wg.Go(func() { tokens[i] = get() })
	}
	wg.Wait()
	for _, tok := range tokens[1:] {
		if tok != tokens[0] {
			t.Fatal("concurrent first calls minted different tokens")
		}
	}
	first := tokens[0]
	if !strings.HasPrefix(first, "Bearer ") {
		t.Fatalf("metadata %q is not a bearer token", first)
	}
	p, err := s.Verifier(clk.Now).Verify(t.Context(), strings.TrimPrefix(first, "Bearer "))
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsService() || p.Service != "pathway" || !p.HasScope("consent:read") {
		t.Errorf("service token principal = %s", p)
	}

	clk.Advance(serviceTokenTTL - serviceTokenRenewBefore - time.Second)
	if get() != first {
		t.Error("token renewed too early")
	}
	clk.Advance(time.Second)
	if get() == first {
		t.Error("token not renewed shortly before expiry")
	}
	if creds.RequireTransportSecurity() {
		t.Error("service credentials require transport security; loopback dev would break")
	}
}

func TestPolicyMergeCombinesAndDeniesConflicts(t *testing.T) {
	a := Policy{"/a.A/Get": "a:read", "/shared.S/Same": "s:read", "/shared.S/Clash": "s:read"}
	b := Policy{"/b.B/Put": "b:write", "/shared.S/Same": "s:read", "/shared.S/Clash": "s:write"}
	m := a.Merge(b)
	want := Policy{"/a.A/Get": "a:read", "/b.B/Put": "b:write", "/shared.S/Same": "s:read", "/shared.S/Clash": ""}
	if len(m) != len(want) {
		t.Fatalf("merged = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("merged[%s] = %q, want %q", k, m[k], v)
		}
	}
	if len(a) != 3 || len(b) != 3 || a["/shared.S/Clash"] != "s:read" {
		t.Error("Merge modified its inputs")
	}
}

func TestPolicyEntryWithEmptyScopeIsDenied(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	tok := mint(t, s, clinicianSpec(), clk.Now())
	ctx := metadata.NewIncomingContext(t.Context(), metadata.Pairs("authorization", "Bearer "+tok))
	_, err := newGate(s.Verifier(clk.Now), Policy{"/x.X/Y": ""}, nil).authorize(ctx, "/x.X/Y")
	wantCode(t, err, codes.PermissionDenied)
}
