package suite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/natsembed"
	"github.com/stafett/stafett/pkg/telemetry"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func TestHealthAnswersForEachServiceByName(t *testing.T) {
	env := suitetest.StartWith(t, natsembed.Options{}, "consent", "referral")
	h := healthpb.NewHealthClient(env.Client)
	for name, want := range map[string]codes.Code{
		"": codes.OK,
		referralv1.ReferralService_ServiceDesc.ServiceName:     codes.OK,
		consentv1.ConsentService_ServiceDesc.ServiceName:       codes.OK,
		pathwayv1.PathwayService_ServiceDesc.ServiceName:       codes.NotFound, // not run by this process
		continuityv1.ContinuityService_ServiceDesc.ServiceName: codes.NotFound,
		handoffsv1.HandoffService_ServiceDesc.ServiceName:      codes.NotFound,
	} {
		res, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: name})
		if status.Code(err) != want || (err == nil && res.GetStatus() != healthpb.HealthCheckResponse_SERVING) {
			t.Errorf("health of %q: %v %v, want %v", name, res.GetStatus(), err, want)
		}
	}
	// The same answer through the transcoder, as a load balancer speaking
	// Connect or a browser would get it.
	res, err := unary[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse](t, env, connectJSON, healthpb.Health_Check_FullMethodName,
		authn.TokenSpec{}, &healthpb.HealthCheckRequest{Service: referralv1.ReferralService_ServiceDesc.ServiceName})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health over Connect: %v %v", res, err)
	}
}

func TestEveryServiceTurnsNotServingOnShutdown(t *testing.T) {
	env := suitetest.Start(t)
	names := []string{"", referralv1.ReferralService_ServiceDesc.ServiceName, consentv1.ConsentService_ServiceDesc.ServiceName,
		pathwayv1.PathwayService_ServiceDesc.ServiceName, continuityv1.ContinuityService_ServiceDesc.ServiceName,
		handoffsv1.HandoffService_ServiceDesc.ServiceName}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var watches []healthpb.Health_WatchClient
	for _, name := range names {
		w, err := healthpb.NewHealthClient(env.Client).Watch(ctx, &healthpb.HealthCheckRequest{Service: name})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := w.Recv(); err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("%q before shutdown: %v %v", name, res, err)
		}
		watches = append(watches, w)
	}
	stopped := make(chan struct{})
	go func() {
		// The watches hold the graceful stop until they are cancelled below.
		shutdownCtx, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		env.Suite.Shutdown(shutdownCtx)
		close(stopped)
	}()
	for i, w := range watches {
		if res, err := w.Recv(); err != nil || res.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("%q on shutdown: %v %v", names[i], res, err)
		}
	}
	cancel()
	<-stopped
}

// reflectedFiles asks the suite's reflection service (v1) for the file
// that defines symbol and the files it depends on.
func reflectedFiles(t *testing.T, env *suitetest.Env, symbol string) *protoregistry.Files {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(env.Client).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stream.CloseSend()
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	set := &descriptorpb.FileDescriptorSet{}
	for _, raw := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			t.Fatal(err)
		}
		set.File = append(set.File, fd)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("reflection answered an incomplete file set: %v", err)
	}
	return files
}

// `grpcurl describe` shows what reflection sends; each RPC's comment in the
// .proto files must be in it.
func TestReflectionServesEachRPCsComment(t *testing.T) {
	env := suitetest.Start(t)
	for _, svc := range []protoreflect.FullName{
		"stafett.referral.v1.ReferralService", "stafett.consent.v1.ConsentService", "stafett.pathway.v1.PathwayService",
		"stafett.continuity.v1.ContinuityService", "stafett.handoffs.v1.HandoffService",
	} {
		files := reflectedFiles(t, env, string(svc))
		desc, err := files.FindDescriptorByName(svc)
		if err != nil {
			t.Fatal(err)
		}
		sd := desc.(protoreflect.ServiceDescriptor)
		locations := sd.ParentFile().SourceLocations()
		if c := locations.ByDescriptor(sd).LeadingComments; !strings.Contains(c, string(sd.Name())) {
			t.Errorf("%s: service comment %q", svc, c)
		}
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			// Every RPC's comment begins with its name.
			if c := locations.ByDescriptor(m).LeadingComments; !strings.HasPrefix(strings.TrimSpace(c), string(m.Name())+" ") {
				t.Errorf("%s: comment %q", m.FullName(), c)
			}
		}
	}
	want := " GetReferral returns one referral.\n"
	files := reflectedFiles(t, env, "stafett.referral.v1.ReferralService.GetReferral")
	desc, err := files.FindDescriptorByName("stafett.referral.v1.ReferralService.GetReferral")
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.ParentFile().SourceLocations().ByDescriptor(desc).LeadingComments; got != want {
		t.Fatalf("GetReferral's comment = %q, want %q", got, want)
	}
	// Services outside the descriptor set are still described.
	if _, err := reflectedFiles(t, env, "grpc.health.v1.Health").FindDescriptorByName("grpc.health.v1.Health"); err != nil {
		t.Fatal(err)
	}
}

// serverSpans hands on each server span named name as it ends: the server
// ends a span after the client already has its answer.
type serverSpans struct {
	name  string
	ended chan sdktrace.ReadOnlySpan
}

func (p serverSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (p serverSpans) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanKind() == trace.SpanKindServer && s.Name() == p.name {
		p.ended <- s
	}
}
func (p serverSpans) Shutdown(context.Context) error   { return nil }
func (p serverSpans) ForceFlush(context.Context) error { return nil }

// Calls through the transcoder get the same server span as native calls: at
// this public edge a new root, linked to the caller's traceparent.
func TestTranscodedCallsAreTracedLikeNativeOnes(t *testing.T) {
	spans := serverSpans{name: "stafett.referral.v1.ReferralService/GetReferral", ended: make(chan sdktrace.ReadOnlySpan, 8)}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	env := suitetest.StartConfigured(t, func(o *suite.Options) {
		o.Telemetry = &telemetry.Providers{TracerProvider: tp, Propagator: propagation.TraceContext{}}
	})
	req := &referralv1.GetReferralRequest{ReferralId: "01JUNKNOWNUNKNOWNUNKNOWNUN"}
	_, nativeErr := client(env).GetReferral(env.As(t.Context(), assessor(dpsOrg)), req)
	if status.Code(nativeErr) != codes.NotFound {
		t.Fatalf("native: %v", nativeErr)
	}
	native := nextSpan(t, spans.ended)

	caller, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	c := connect.NewClient[referralv1.GetReferralRequest, referralv1.GetReferralResponse](connectProto.httpClient(t),
		connectProto.url(env, referralv1.ReferralService_GetReferral_FullMethodName))
	r := connect.NewRequest(req)
	r.Header().Set("Authorization", "Bearer "+env.Token(assessor(dpsOrg)))
	r.Header().Set("Traceparent", "00-"+caller.String()+"-00f067aa0ba902b7-01")
	if _, err := c.CallUnary(t.Context(), r); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("Connect: %v", err)
	}
	transcoded := nextSpan(t, spans.ended)

	linked := false
	for _, l := range transcoded.Links() {
		linked = linked || l.SpanContext.TraceID() == caller
	}
	if native.SpanContext().TraceID() == caller || transcoded.SpanContext().TraceID() == caller || transcoded.Parent().IsValid() || !linked {
		t.Fatalf("the Connect call's span is not a new root linked to the caller's trace: native %v, Connect %v, links %v",
			native.SpanContext().TraceID(), transcoded.SpanContext().TraceID(), transcoded.Links())
	}
	for _, s := range []sdktrace.ReadOnlySpan{native, transcoded} {
		if !hasAttribute(s, "rpc.grpc.status_code", int64(codes.NotFound)) && !hasAttribute(s, "rpc.response.status_code", "NOT_FOUND") {
			t.Fatalf("span %s lacks the NOT_FOUND status: %v", s.Name(), s.Attributes())
		}
	}
}

func nextSpan(t *testing.T, ended <-chan sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	t.Helper()
	select {
	case s := <-ended:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no server span ended")
		return nil
	}
}

func hasAttribute(s sdktrace.ReadOnlySpan, key string, want any) bool {
	for _, a := range s.Attributes() {
		if string(a.Key) == key && a.Value.AsInterface() == want {
			return true
		}
	}
	return false
}
