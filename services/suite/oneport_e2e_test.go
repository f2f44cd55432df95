package suite_test

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// protocol is one way a client reaches the gRPC port.
type protocol struct {
	name string
	// wire is the protocol connect-go speaks; nativeWire means grpc-go's
	// own client.
	wire wire
	json bool
	// h2c sends HTTP/2 without TLS, with prior knowledge; otherwise HTTP/1.1.
	h2c bool
}

type wire int

const (
	nativeWire wire = iota
	connectWire
	grpcWebWire
	grpcWire
)

// options are connect-go's client options for p, with codec (if any)
// instead of p's own.
func (p protocol) options(codec connect.Codec) []connect.ClientOption {
	var opts []connect.ClientOption
	switch p.wire {
	case grpcWebWire:
		opts = append(opts, connect.WithGRPCWeb())
	case grpcWire:
		opts = append(opts, connect.WithGRPC())
	}
	switch {
	case codec != nil:
		opts = append(opts, connect.WithCodec(codec))
	case p.json:
		opts = append(opts, connect.WithProtoJSON())
	}
	return opts
}

var (
	nativeGRPC       = protocol{name: "grpc", wire: nativeWire}
	connectProto     = protocol{name: "connect_proto", wire: connectWire}
	connectJSON      = protocol{name: "connect_json", wire: connectWire, json: true}
	connectProtoH2C  = protocol{name: "connect_proto_h2c", wire: connectWire, h2c: true}
	grpcWeb          = protocol{name: "grpc_web", wire: grpcWebWire}
	grpcWebJSON      = protocol{name: "grpc_web_json", wire: grpcWebWire, json: true}
	grpcWebH2C       = protocol{name: "grpc_web_h2c", wire: grpcWebWire, h2c: true}
	grpcViaConnectGo = protocol{name: "grpc_connect_go_h2c", wire: grpcWire, h2c: true}
)

// protocols are the ways a caller may reach the gRPC port: grpc-go's
// client, and connect-go speaking Connect (binary and JSON, over HTTP/1.1
// as browsers do and over h2c), gRPC-Web, and gRPC from another client.
var protocols = []protocol{nativeGRPC, connectProto, connectJSON, connectProtoH2C, grpcWeb, grpcWebJSON, grpcWebH2C, grpcViaConnectGo}

// browserProtocols are what a browser can speak: HTTP/1.1 (or TLS HTTP/2,
// which the port does not terminate), Connect or gRPC-Web.
var browserProtocols = []protocol{connectProto, connectJSON, grpcWeb, grpcWebJSON}

func (p protocol) httpClient(t testing.TB) *http.Client {
	var protocols http.Protocols
	if p.h2c {
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	transport := &http.Transport{Protocols: &protocols}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport}
}

func (p protocol) url(env *suitetest.Env, procedure string) string {
	return "http://" + env.Suite.Addr() + procedure
}

// token is spec's bearer token; a zero spec has none.
func token(env *suitetest.Env, spec authn.TokenSpec) string {
	if spec.Subject == "" {
		return ""
	}
	return env.Token(spec)
}

// unary calls procedure (e.g. referralv1.ReferralService_GetReferral_FullMethodName)
// over p with spec's token.
func unary[Req, Res any](t testing.TB, env *suitetest.Env, p protocol, procedure string, spec authn.TokenSpec, req *Req) (*Res, error) {
	t.Helper()
	tok := token(env, spec)
	if p.wire == nativeWire {
		ctx := t.Context()
		if tok != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
		}
		res := new(Res)
		return res, env.Client.Invoke(ctx, procedure, req, res)
	}
	c := connect.NewClient[Req, Res](p.httpClient(t), p.url(env, procedure), p.options(nil)...)
	r := connect.NewRequest(req)
	if tok != "" {
		r.Header().Set("Authorization", "Bearer "+tok)
	}
	res, err := c.CallUnary(t.Context(), r)
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// rpcError is an error's code and field violations, from either client.
type rpcError struct {
	code       codes.Code
	message    string
	violations []*errdetails.BadRequest_FieldViolation
}

func rpcErrorOf(t testing.TB, err error) rpcError {
	t.Helper()
	var out rpcError
	var details []any
	var ce *connect.Error
	if errors.As(err, &ce) {
		out.code, out.message = codes.Code(ce.Code()), ce.Message()
		for _, d := range ce.Details() {
			v, err := d.Value()
			if err != nil {
				t.Fatal(err)
			}
			details = append(details, v)
		}
	} else {
		st := status.Convert(err)
		out.code, out.message, details = st.Code(), st.Message(), st.Details()
	}
	for _, d := range details {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out.violations = append(out.violations, br.GetFieldViolations()...)
		}
	}
	return out
}

func TestEveryProtocolOnTheGRPCPortReachesTheSameServices(t *testing.T) {
	env := suitetest.Start(t)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			received, err := unary[referralv1.ReceiveReferralRequest, referralv1.ReceiveReferralResponse](t, env, p,
				referralv1.ReferralService_ReceiveReferral_FullMethodName, integration(senderOrg), receiveRequest("proto-"+p.name))
			if err != nil {
				t.Fatal(err)
			}
			id := received.GetReferral().GetReferralId()
			got, err := unary[referralv1.GetReferralRequest, referralv1.GetReferralResponse](t, env, p,
				referralv1.ReferralService_GetReferral_FullMethodName, assessor(dpsOrg), &referralv1.GetReferralRequest{ReferralId: id})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetReferral().GetReferralId() != id || got.GetReferral().GetExternalId() != "ext-proto-"+p.name {
				t.Fatalf("got %v", got.GetReferral())
			}
		})
	}
}

// The error interceptor and the authentication interceptor run for calls
// through the transcoder exactly as for native gRPC: every protocol gets
// the same code, message and field violations.
func TestErrorsKeepTheirCodeAndDetailsOnEveryProtocol(t *testing.T) {
	env := suitetest.Start(t)
	invalid := receiveRequest("invalid")
	invalid.PatientNationalId = "12345"
	invalid.ReceivingUnit = nil
	before := env.LastSeq(t.Context())

	call := func(p protocol) (notFound, badRequest, unauthenticated rpcError) {
		t.Helper()
		_, err := unary[referralv1.GetReferralRequest, referralv1.GetReferralResponse](t, env, p,
			referralv1.ReferralService_GetReferral_FullMethodName, assessor(dpsOrg), &referralv1.GetReferralRequest{ReferralId: "01JUNKNOWNUNKNOWNUNKNOWNUN"})
		notFound = rpcErrorOf(t, err)
		_, err = unary[referralv1.ReceiveReferralRequest, referralv1.ReceiveReferralResponse](t, env, p,
			referralv1.ReferralService_ReceiveReferral_FullMethodName, integration(senderOrg), invalid)
		badRequest = rpcErrorOf(t, err)
		_, err = unary[referralv1.ReceiveReferralRequest, referralv1.ReceiveReferralResponse](t, env, p,
			referralv1.ReferralService_ReceiveReferral_FullMethodName, authn.TokenSpec{}, receiveRequest("no-token"))
		unauthenticated = rpcErrorOf(t, err)
		return notFound, badRequest, unauthenticated
	}
	wantNotFound, wantBadRequest, wantUnauthenticated := call(nativeGRPC)
	if wantNotFound.code != codes.NotFound || wantBadRequest.code != codes.InvalidArgument || wantUnauthenticated.code != codes.Unauthenticated {
		t.Fatalf("native gRPC: %v, %v, %v", wantNotFound.code, wantBadRequest.code, wantUnauthenticated.code)
	}
	fields := func(e rpcError) []string {
		var out []string
		for _, v := range e.violations {
			out = append(out, v.GetField()+": "+v.GetDescription())
		}
		return out
	}
	if !slices.Contains(fields(wantBadRequest), "patient_national_id: must be 11 digits") {
		t.Fatalf("native gRPC violations = %v", fields(wantBadRequest))
	}
	for _, p := range protocols[1:] {
		t.Run(p.name, func(t *testing.T) {
			notFound, badRequest, unauthenticated := call(p)
			for _, c := range []struct {
				name      string
				got, want rpcError
			}{{"not found", notFound, wantNotFound}, {"bad request", badRequest, wantBadRequest}, {"unauthenticated", unauthenticated, wantUnauthenticated}} {
				if c.got.code != c.want.code || c.got.message != c.want.message || !slices.Equal(fields(c.got), fields(c.want)) {
					t.Errorf("%s: got %v %q %v, want %v %q %v", c.name, c.got.code, c.got.message, fields(c.got), c.want.code, c.want.message, fields(c.want))
				}
			}
		})
	}
	if after := env.LastSeq(t.Context()); after != before {
		t.Fatalf("refused calls appended: stream went from %d to %d", before, after)
	}
}

// journeyStream is a journey watch from either client.
type journeyStream interface {
	recv() (*handoffsv1.WatchPatientJourneyResponse, error)
}

type grpcJourney struct {
	grpc.ServerStreamingClient[handoffsv1.WatchPatientJourneyResponse]
}

func (s grpcJourney) recv() (*handoffsv1.WatchPatientJourneyResponse, error) { return s.Recv() }

type connectJourney struct {
	*connect.ServerStreamForClient[handoffsv1.WatchPatientJourneyResponse]
}

func (s connectJourney) recv() (*handoffsv1.WatchPatientJourneyResponse, error) {
	if s.Receive() {
		return s.Msg(), nil
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

func watchJourney(t *testing.T, env *suitetest.Env, p protocol, spec authn.TokenSpec, pid string) journeyStream {
	t.Helper()
	req := &handoffsv1.WatchPatientJourneyRequest{PatientId: pid}
	if p.wire == nativeWire {
		s, err := handoffsClient(env).WatchPatientJourney(env.As(t.Context(), spec), req)
		if err != nil {
			t.Fatal(err)
		}
		return grpcJourney{s}
	}
	c := connect.NewClient[handoffsv1.WatchPatientJourneyRequest, handoffsv1.WatchPatientJourneyResponse](
		p.httpClient(t), p.url(env, handoffsv1.HandoffService_WatchPatientJourney_FullMethodName), p.options(nil)...)
	r := connect.NewRequest(req)
	r.Header().Set("Authorization", "Bearer "+env.Token(spec))
	s, err := c.CallServerStream(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return connectJourney{s}
}

// A browser watches a journey over Connect or gRPC-Web: it gets the journey
// so far, each new entry as it happens, and NOT_FOUND when access ends.
func TestAJourneyWatchStreamsOverConnectAndGRPCWeb(t *testing.T) {
	for _, p := range append([]protocol{nativeGRPC, connectProtoH2C}, browserProtocols...) {
		t.Run(p.name, func(t *testing.T) {
			env := suitetest.Start(t)
			pid := receive(t, env, "watch").GetPatientId()
			asPatient := env.As(t.Context(), continuityPatient())
			grant, err := consentClient(env).GrantConsent(asPatient, &consentv1.GrantConsentRequest{
				RequestId: "nav", PatientId: pid,
				Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: navCaseWorker}},
				Categories: []consentv1.Category{consentv1.Category_CATEGORY_RELATIONSHIPS}, Purpose: consentv1.Purpose_PURPOSE_COORDINATION,
			})
			if err != nil {
				t.Fatal(err)
			}
			nav := authn.TokenSpec{Subject: "case-17", ChildOrgNumber: navOrg, Role: authn.RoleCoordinator, Scopes: []string{"handoffs:read"}}
			stream := watchJourney(t, env, p, nav, pid)
			first, err := stream.recv()
			if err != nil {
				t.Fatal(err)
			}
			if len(first.GetEntries()) != 0 {
				t.Fatalf("first = %v", journeyKinds(first.GetEntries()))
			}
			startTherapist(t, env, pid, "start", continuityTherapistHPR)
			next, err := stream.recv()
			if err != nil {
				t.Fatal(err)
			}
			if k := journeyKinds(next.GetEntries()); len(k) != 1 || k[0] != handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED {
				t.Fatalf("next = %v", k)
			}
			if _, err := consentClient(env).WithdrawConsent(asPatient, &consentv1.WithdrawConsentRequest{RequestId: "stop", PatientId: pid, ConsentId: grant.GetConsentId()}); err != nil {
				t.Fatal(err)
			}
			for {
				_, err := stream.recv()
				if err == nil {
					continue
				}
				if errors.Is(err, io.EOF) {
					t.Fatal("the watch ended without NOT_FOUND")
				}
				if got := rpcErrorOf(t, err); got.code != codes.NotFound {
					t.Fatalf("the watch ended with %v %q", got.code, got.message)
				}
				return
			}
		})
	}
}

// rawBody is a request or an answer as the bytes on the wire.
type rawBody struct{ b []byte }

// rawCodec sends rawBody's bytes as they are, labelled as name.
type rawCodec struct{ name string }

func (c rawCodec) Name() string { return c.name }

func (c rawCodec) Marshal(v any) ([]byte, error) { return v.(*rawBody).b, nil }

func (c rawCodec) Unmarshal(b []byte, v any) error {
	v.(*rawBody).b = b
	return nil
}

// A request whose bytes do not decode is INVALID_ARGUMENT with a generic
// message on every protocol, whichever side decodes it: never INTERNAL or
// UNKNOWN, and never the decoder's text.
func TestARequestThatDoesNotDecodeIsInvalidArgumentOnEveryProtocol(t *testing.T) {
	env := suitetest.Start(t)
	before := env.LastSeq(t.Context())
	bodies := map[string][][]byte{
		"proto": {[]byte("\xff\xff\xff"), []byte("\x0a\x01\xff")}, // a bad tag; invalid UTF-8 in request_id
		"json":  {[]byte(`{bad`), []byte("{\"requestId\":\"\xff\"}"), []byte(`{"requestId": 7}`)},
	}
	for _, p := range protocols {
		codec := "proto"
		if p.json {
			codec = "json"
		}
		for _, body := range bodies[codec] {
			t.Run(p.name, func(t *testing.T) {
				var err error
				raw := rawCodec{name: codec}
				if p.wire == nativeWire {
					ctx := env.As(t.Context(), integration(senderOrg))
					err = env.Client.Invoke(ctx, referralv1.ReferralService_ReceiveReferral_FullMethodName, &rawBody{body}, &rawBody{}, grpc.ForceCodec(raw))
				} else {
					c := connect.NewClient[rawBody, rawBody](p.httpClient(t), p.url(env, referralv1.ReferralService_ReceiveReferral_FullMethodName), p.options(raw)...)
					r := connect.NewRequest(&rawBody{body})
					r.Header().Set("Authorization", "Bearer "+env.Token(integration(senderOrg)))
					_, err = c.CallUnary(t.Context(), r)
				}
				got := rpcErrorOf(t, err)
				if got.code != codes.InvalidArgument || strings.Contains(got.message, "proto:") || strings.Contains(got.message, "syntax") {
					t.Fatalf("%q: %v %q", body, got.code, got.message)
				}
			})
		}
	}
	if after := env.LastSeq(t.Context()); after != before {
		t.Fatalf("malformed requests appended: stream went from %d to %d", before, after)
	}
}

// gRPC is served with protobuf only; asked for JSON it refuses cleanly,
// pointing at Connect, and appends nothing.
func TestGRPCWithTheJSONCodecIsRefusedAsUnimplemented(t *testing.T) {
	env := suitetest.Start(t)
	before := env.LastSeq(t.Context())
	grpcJSON := protocol{name: "grpc_json_h2c", wire: grpcWire, json: true, h2c: true}
	_, err := unary[referralv1.ReceiveReferralRequest, referralv1.ReceiveReferralResponse](t, env, grpcJSON,
		referralv1.ReferralService_ReceiveReferral_FullMethodName, integration(senderOrg), receiveRequest("grpc-json"))
	if got := rpcErrorOf(t, err); got.code != codes.Unimplemented || !strings.Contains(got.message, "Connect") {
		t.Fatalf("gRPC with JSON: %v %q", got.code, got.message)
	}
	if after := env.LastSeq(t.Context()); after != before {
		t.Fatalf("the refused call appended: stream went from %d to %d", before, after)
	}
}
