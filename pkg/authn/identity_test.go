package authn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn/authntest"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// externalIssuer is HelseID as `stafett serve --jwks-url` sees it.
type externalIssuer struct{ *authntest.Issuer }

func newExternalIssuer(t *testing.T) externalIssuer {
	return externalIssuer{authntest.NewIssuer(t, "https://helseid.example")}
}

func (e externalIssuer) verifier(now func() time.Time) *JWKSVerifier {
	return NewJWKSVerifier(e.JWKSURL(), e.Name(), Audience, e.HTTPClient(), now)
}

func (e externalIssuer) token(t *testing.T, c jwt.MapClaims) string { return e.Sign(t, c) }

// serviceClaims is a well-formed service identity: what the suite's own
// credentials claim, here for anyone else to sign.
func serviceClaims(now time.Time, scopes ...string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": DevIssuer, "aud": Audience, "sub": "pathway",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		ClaimRole: string(RoleService), ClaimService: "pathway", ClaimScope: strings.Join(scopes, " "),
	}
}

// serveVerifier is what `stafett serve --jwks-url` trusts: the suite's own
// key for its services, the issuer for everyone else.
func serveVerifier(suite *Signer, issuer externalIssuer, now func() time.Time) Verifier {
	return Any(suite.ServiceVerifier(now), issuer.verifier(now))
}

func TestServiceRoleFromExternalIssuerIsUnauthenticated(t *testing.T) {
	clk := newFakeClock()
	suite, issuer := newTestSigner(t), newExternalIssuer(t)
	v := serveVerifier(suite, issuer, clk.Now)
	claimsService := issuer.token(t, serviceClaims(clk.Now(), "referral:read", "consent:check"))

	if _, err := v.Verify(t.Context(), claimsService); !errors.Is(err, ErrUntrustedServiceRole) {
		t.Fatalf("Verify: err = %v, want ErrUntrustedServiceRole", err)
	}
	client := testpb.NewTestServiceClient(startServer(t, v))
	// The issuer itself is trusted: its clinician gets through, so the
	// refusal below is about the role and nothing else.
	if _, err := client.UnaryCall(withBearer(t.Context(), issuer.token(t, validClaims(clk.Now()))), &testpb.SimpleRequest{}); err != nil {
		t.Fatalf("the issuer's clinician: %v", err)
	}
	ctx := withBearer(t.Context(), claimsService)
	_, err := client.UnaryCall(ctx, &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unauthenticated)
	stream, err := client.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.Unauthenticated)
}

func TestSuiteServiceTokenIsAcceptedBesideAnExternalIssuer(t *testing.T) {
	clk := newFakeClock()
	suite, issuer := newTestSigner(t), newExternalIssuer(t)
	creds := ServiceCredentials(suite, "pathway", []string{"referral:read"}, clk.Now)
	conn := startServer(t, serveVerifier(suite, issuer, clk.Now), grpc.WithPerRPCCredentials(creds))
	resp, err := testpb.NewTestServiceClient(conn).UnaryCall(t.Context(), &testpb.SimpleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetUsername() != "pathway" || resp.GetServerId() != string(RoleService) {
		t.Errorf("handler saw sub=%q role=%q, want the pathway service", resp.GetUsername(), resp.GetServerId())
	}
}

func TestServeAdmitsNoUserOnTheSuiteKey(t *testing.T) {
	clk := newFakeClock()
	suite, issuer := newTestSigner(t), newExternalIssuer(t)
	v := serveVerifier(suite, issuer, clk.Now)
	// A dev token is signed with the key derived from the suite's; under
	// serve only the issuer vouches for users.
	if _, err := v.Verify(t.Context(), mint(t, suite, clinicianSpec(), clk.Now())); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("dev user token under serve: err = %v, want ErrUnknownKey", err)
	}
	c := validClaims(clk.Now())
	if _, err := v.Verify(t.Context(), signWith(t, jwt.SigningMethodEdDSA, suite.service.key, suite.service.kid, c)); !errors.Is(err, ErrServiceKeyMisused) {
		t.Errorf("clinician on the service key: err = %v, want ErrServiceKeyMisused", err)
	}
}

func TestDevUserTokensCannotClaimTheServiceRole(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	if s.user.kid == s.service.kid || s.user.key.Equal(s.service.key) {
		t.Fatal("dev user key and service key are the same key")
	}
	if _, err := s.Mint(serviceSpec(), clk.Now(), time.Hour); err == nil {
		t.Fatal("Mint (what `stafett token` calls) signed a service identity")
	}
	// The same claims signed by hand with the dev user key: what anyone
	// holding a dev token's key could try.
	forged := signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, serviceClaims(clk.Now(), "referral:read"))
	if _, err := s.Verifier(clk.Now).Verify(t.Context(), forged); !errors.Is(err, ErrUntrustedServiceRole) {
		t.Fatalf("Verify: err = %v, want ErrUntrustedServiceRole", err)
	}
	client := testpb.NewTestServiceClient(startServer(t, s.Verifier(clk.Now)))
	_, err := client.UnaryCall(withBearer(t.Context(), forged), &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestVerifierFromElsewhereCannotVouchForAService(t *testing.T) {
	claimed := Principal{Subject: "pathway", Role: RoleService, Service: "pathway", Scopes: []string{"referral:read"}}
	if claimed.IsService() {
		t.Fatal("a principal built outside this package counts as a service")
	}
	v := verifierFunc(func(context.Context, string) (Principal, error) { return claimed, nil })
	client := testpb.NewTestServiceClient(startServer(t, v))
	_, err := client.UnaryCall(withBearer(t.Context(), "x"), &testpb.SimpleRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

// consentEcho answers GrantConsent with the subject it acted for.
type consentEcho struct {
	consentv1.UnimplementedConsentServiceServer
}

func (consentEcho) GrantConsent(ctx context.Context, _ *consentv1.GrantConsentRequest) (*consentv1.GrantConsentResponse, error) {
	p, _ := FromContext(ctx)
	return &consentv1.GrantConsentResponse{ConsentId: p.Subject}, nil
}

// grantUploads is a client-streaming method taking GrantConsentRequests, so
// the stream path is held to the same rule as the unary one.
const grantUploads = "/authn.test.Grants/Upload"

func registerGrantUploads(srv *grpc.Server) {
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "authn.test.Grants",
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{{
			StreamName:    "Upload",
			ClientStreams: true,
			Handler: func(_ any, ss grpc.ServerStream) error {
				var req consentv1.GrantConsentRequest
				if err := ss.RecvMsg(&req); err != nil {
					return err
				}
				return ss.SendMsg(&consentv1.GrantConsentResponse{ConsentId: "uploaded"})
			},
		}},
	}, struct{}{})
}

func uploadGrant(ctx context.Context, conn *grpc.ClientConn, req *consentv1.GrantConsentRequest) error {
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, grantUploads)
	if err != nil {
		return err
	}
	if err := stream.SendMsg(req); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	return stream.RecvMsg(&consentv1.GrantConsentResponse{})
}

func TestOnBehalfOfFromAnyoneButTheSuiteServiceIsUnauthenticated(t *testing.T) {
	clk := newFakeClock()
	suite, issuer := newTestSigner(t), newExternalIssuer(t)
	// Dev keys and an external issuer at once: every way in.
	v := Any(suite.Verifier(clk.Now), issuer.verifier(clk.Now))
	policy := Policy{consentv1.ConsentService_GrantConsent_FullMethodName: "consent:write", grantUploads: "consent:write"}
	conn := startGatedServer(t, v, nil, policy, func(srv *grpc.Server) {
		consentv1.RegisterConsentServiceServer(srv, consentEcho{})
		registerGrantUploads(srv)
	})
	client := consentv1.NewConsentServiceClient(conn)

	writer := validClaims(clk.Now())
	writer[ClaimScope] = "consent:write"
	devClinician := clinicianSpec()
	devClinician.Scopes = []string{"consent:write"}
	devPatient := patientSpec()
	devPatient.Scopes = []string{"consent:write"}
	service := serviceSpec()
	service.Scopes = []string{"consent:write"}
	forPatient := &eventsv1.Actor{PatientId: "pt_someone", Role: string(RolePatient)}

	tests := []struct {
		name       string
		token      string
		onBehalfOf *eventsv1.Actor
		want       codes.Code
	}{
		{"external clinician naming a patient", issuer.token(t, writer), forPatient, codes.Unauthenticated},
		{"external clinician naming nobody in particular", issuer.token(t, writer), &eventsv1.Actor{}, codes.Unauthenticated},
		{"dev clinician naming a patient", mint(t, suite, devClinician, clk.Now()), forPatient, codes.Unauthenticated},
		{"patient naming a patient", mint(t, suite, devPatient, clk.Now()), forPatient, codes.Unauthenticated},
		{"external clinician for themself", issuer.token(t, writer), nil, codes.OK},
		{"the suite's service naming a patient", mint(t, suite, service, clk.Now()), forPatient, codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := withBearer(t.Context(), tt.token)
			req := &consentv1.GrantConsentRequest{RequestId: "g", PatientId: "pt_someone", OnBehalfOf: tt.onBehalfOf}
			_, err := client.GrantConsent(ctx, req)
			if got := status.Code(err); got != tt.want {
				t.Errorf("unary: code = %v (%v), want %v", got, err, tt.want)
			}
			if got := status.Code(uploadGrant(ctx, conn, req)); got != tt.want {
				t.Errorf("stream: code = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnyReportsTheReasonOfTheVerifierThatKnewTheKey(t *testing.T) {
	clk := newFakeClock()
	suite, issuer := newTestSigner(t), newExternalIssuer(t)
	v := serveVerifier(suite, issuer, clk.Now)
	expired := validClaims(clk.Now().Add(-2 * time.Hour))
	if _, err := v.Verify(t.Context(), issuer.token(t, expired)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired issuer token: err = %v, want ErrExpired", err)
	}
	stranger := newTestSigner(t)
	if _, err := v.Verify(t.Context(), mint(t, stranger, clinicianSpec(), clk.Now())); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("token nobody knows: err = %v, want ErrUnknownKey", err)
	}
}

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRefusedTokenIsLoggedWithItsReasonAndNeverItsContents(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	stranger := newTestSigner(t)
	patient := func(mutate func(jwt.MapClaims)) jwt.MapClaims {
		c := validClaims(clk.Now())
		delete(c, ClaimHPRNumber)
		delete(c, ClaimOrgParent)
		c[ClaimRole], c[ClaimPID] = string(RolePatient), testPID
		mutate(c)
		return c
	}
	sign := func(c jwt.MapClaims) string { return signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c) }
	good := sign(patient(func(jwt.MapClaims) {}))
	parts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"expired", sign(patient(func(c jwt.MapClaims) { c["exp"] = clk.Now().Add(-time.Hour).Unix() })), ErrExpired},
		{"unknown key", signWith(t, jwt.SigningMethodEdDSA, stranger.user.key, stranger.user.kid, patient(func(jwt.MapClaims) {})), ErrUnknownKey},
		{"wrong issuer", sign(patient(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), ErrWrongIssuer},
		{"issuer clock ahead", sign(patient(func(c jwt.MapClaims) { c["nbf"] = clk.Now().Add(time.Hour).Unix() })), ErrNotYetValid},
		{"bad signature", parts[0] + "." + parts[1] + "." + b64("not the signature"), ErrBadSignature},
		{"malformed", parts[0] + "." + parts[1], ErrMalformedToken},
		{"missing", "", ErrMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			client := testpb.NewTestServiceClient(startLoggingServer(t, s.Verifier(clk.Now), logger))
			ctx := t.Context()
			if tt.token != "" {
				ctx = withBearer(ctx, tt.token)
			}
			_, err := client.UnaryCall(ctx, &testpb.SimpleRequest{})
			wantCode(t, err, codes.Unauthenticated)

			out := logs.String()
			var line struct{ Msg, Method, Reason string }
			if err := json.Unmarshal([]byte(out), &line); err != nil {
				t.Fatalf("want one JSON log line, got %q: %v", out, err)
			}
			if line.Msg != "token refused" || line.Method != testpb.TestService_UnaryCall_FullMethodName {
				t.Errorf("log line = %+v", line)
			}
			if !strings.Contains(line.Reason, tt.want.Error()) {
				t.Errorf("reason %q, want %q", line.Reason, tt.want)
			}
			for _, secret := range append([]string{testPID}, strings.Split(tt.token, ".")...) {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("log quotes the token or its national id (%q): %s", secret, out)
				}
			}
		})
	}
}
