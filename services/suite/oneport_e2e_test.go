package suite_test

import (
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/authn"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// protocol is one way a client reaches the gRPC port.
type protocol struct {
	name string
	// connect is nil for grpc-go's own client.
	connect []connect.ClientOption
	// h2c sends HTTP/2 without TLS, with prior knowledge; otherwise HTTP/1.1.
	h2c bool
}

// protocols are the ways a caller may reach the gRPC port: grpc-go's
// client, and connect-go speaking Connect (binary and JSON, over HTTP/1.1
// as browsers do and over h2c), gRPC-Web, and gRPC with the JSON codec.
var protocols = []protocol{
	{name: "grpc"},
	{name: "connect_proto", connect: []connect.ClientOption{}},
	{name: "connect_json", connect: []connect.ClientOption{connect.WithProtoJSON()}},
	{name: "connect_proto_h2c", connect: []connect.ClientOption{}, h2c: true},
	{name: "grpc_web", connect: []connect.ClientOption{connect.WithGRPCWeb()}},
	{name: "grpc_web_json", connect: []connect.ClientOption{connect.WithGRPCWeb(), connect.WithProtoJSON()}},
	{name: "grpc_web_h2c", connect: []connect.ClientOption{connect.WithGRPCWeb()}, h2c: true},
	{name: "grpc_json_h2c", connect: []connect.ClientOption{connect.WithGRPC(), connect.WithProtoJSON()}, h2c: true},
}

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

// unary calls procedure (e.g. referralv1.ReferralService_GetReferral_FullMethodName)
// over p with spec's token; a zero spec sends no token.
func unary[Req, Res any](t testing.TB, env *suitetest.Env, p protocol, procedure string, spec authn.TokenSpec, req *Req) (*Res, error) {
	t.Helper()
	token := ""
	if spec.Subject != "" {
		token = env.Token(spec)
	}
	if p.connect == nil {
		ctx := t.Context()
		if token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		res := new(Res)
		return res, env.Client.Invoke(ctx, procedure, req, res)
	}
	c := connect.NewClient[Req, Res](p.httpClient(t), "http://"+env.Suite.Addr()+procedure, p.connect...)
	r := connect.NewRequest(req)
	if token != "" {
		r.Header().Set("Authorization", "Bearer "+token)
	}
	res, err := c.CallUnary(t.Context(), r)
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
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
