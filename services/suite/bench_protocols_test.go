package suite_test

import (
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// BenchmarkNativeGRPCAgainstTranscodedProtocols measures calls on the one
// port through grpc-go's own transport against the same calls through the
// HTTP server and the transcoder, in the same run, on the same suite, with
// the same concurrency. The ratio (transcoded ops/s ÷ native ops/s) is
// what counts.
//
// Calls:
//   - receive: ReceiveReferral, an append to the stream per call;
//   - get: GetReferral, an access check and an access-log record per call;
//   - health: a health check, which touches no store: the protocols' own
//     cost alone.
//
// Transcoded protocols: Connect binary over h2c (one connection, like
// gRPC), Connect binary and Connect JSON over HTTP/1.1 with a pool of
// keep-alive connections, as a browser or curl speaks them.
func BenchmarkNativeGRPCAgainstTranscodedProtocols(b *testing.B) {
	for _, p := range []protocol{connectProtoH2C, connectProto, connectJSON} {
		b.Run("receive/"+p.name, func(b *testing.B) { benchAgainstNative(b, p, receiveCall) })
		b.Run("get/"+p.name, func(b *testing.B) { benchAgainstNative(b, p, getCall) })
		b.Run("health/"+p.name, func(b *testing.B) { benchAgainstNative(b, p, healthCall) })
	}
}

// benchCall builds one call per protocol; op(i) makes the i-th call.
type benchCall func(b *testing.B, env *suitetest.Env, p protocol) (op func(i int) error)

func benchAgainstNative(b *testing.B, p protocol, call benchCall) {
	// A fresh suite for each b.N, so request ids never repeat.
	env := suitetest.Start(b)
	nativeOp := call(b, env, nativeGRPC)
	otherOp := call(b, env, p)
	native := measure(b.N, nativeOp)
	other := measure(b.N, otherOp)
	if native.err != nil || other.err != nil {
		b.Fatal(native.err, other.err)
	}
	b.ReportMetric(native.opsPerSec(), "grpc_ops/s")
	b.ReportMetric(other.opsPerSec(), p.name+"_ops/s")
	b.ReportMetric(other.opsPerSec()/native.opsPerSec(), "ratio")
	b.ReportMetric(float64(native.percentile(50).Microseconds()), "grpc_p50_µs")
	b.ReportMetric(float64(other.percentile(50).Microseconds()), p.name+"_p50_µs")
}

// benchClient is a connect-go client for procedure that keeps a connection
// per concurrent caller alive.
func benchClient[Req, Res any](env *suitetest.Env, p protocol, procedure string) *connect.Client[Req, Res] {
	var protocols http.Protocols
	protocols.SetHTTP1(!p.h2c)
	protocols.SetUnencryptedHTTP2(p.h2c)
	transport := &http.Transport{Protocols: &protocols, MaxIdleConnsPerHost: benchConcurrency}
	env.T.Cleanup(transport.CloseIdleConnections)
	return connect.NewClient[Req, Res](&http.Client{Transport: transport}, p.url(env, procedure), p.options(nil)...)
}

func receiveCall(b *testing.B, env *suitetest.Env, p protocol) func(int) error {
	patients := syntheticNationalIDs(b.N)
	request := func(i int) *referralv1.ReceiveReferralRequest {
		req := receiveRequest(fmt.Sprintf("bench-%s-%d", p.name, i))
		req.PatientNationalId = patients[i]
		return req
	}
	tok := env.Token(integration(senderOrg))
	if p.wire == nativeWire {
		c := client(env)
		ctx := metadata.AppendToOutgoingContext(b.Context(), "authorization", "Bearer "+tok)
		return func(i int) error {
			_, err := c.ReceiveReferral(ctx, request(i))
			return err
		}
	}
	c := benchClient[referralv1.ReceiveReferralRequest, referralv1.ReceiveReferralResponse](env, p, referralv1.ReferralService_ReceiveReferral_FullMethodName)
	return func(i int) error {
		r := connect.NewRequest(request(i))
		r.Header().Set("Authorization", "Bearer "+tok)
		_, err := c.CallUnary(b.Context(), r)
		return err
	}
}

func getCall(b *testing.B, env *suitetest.Env, p protocol) func(int) error {
	received, err := client(env).ReceiveReferral(env.As(b.Context(), integration(senderOrg)), receiveRequest("bench-get-"+p.name))
	if err != nil {
		b.Fatal(err)
	}
	req := &referralv1.GetReferralRequest{ReferralId: received.GetReferral().GetReferralId()}
	tok := env.Token(assessor(dpsOrg))
	if p.wire == nativeWire {
		c := client(env)
		ctx := metadata.AppendToOutgoingContext(b.Context(), "authorization", "Bearer "+tok)
		return func(int) error {
			_, err := c.GetReferral(ctx, req)
			return err
		}
	}
	c := benchClient[referralv1.GetReferralRequest, referralv1.GetReferralResponse](env, p, referralv1.ReferralService_GetReferral_FullMethodName)
	return func(int) error {
		r := connect.NewRequest(req)
		r.Header().Set("Authorization", "Bearer "+tok)
		_, err := c.CallUnary(b.Context(), r)
		return err
	}
}

func healthCall(b *testing.B, env *suitetest.Env, p protocol) func(int) error {
	req := &healthpb.HealthCheckRequest{Service: referralv1.ReferralService_ServiceDesc.ServiceName}
	if p.wire == nativeWire {
		c := healthpb.NewHealthClient(env.Client)
		return func(int) error {
			_, err := c.Check(b.Context(), req)
			return err
		}
	}
	c := benchClient[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse](env, p, healthpb.Health_Check_FullMethodName)
	return func(int) error {
		_, err := c.CallUnary(b.Context(), connect.NewRequest(req))
		return err
	}
}
