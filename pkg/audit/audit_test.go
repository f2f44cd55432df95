package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

func TestAccessLogAppendsAreSendSpansNamedByTheSubjectTemplateNotThePatient(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	base, err := audit.Open(t.Context(), js, 1)
	if err != nil {
		t.Fatal(err)
	}
	log := base.Instrumented(tp.Tracer("test"))
	ctx, read := tp.Tracer("test").Start(t.Context(), "GetReferral")
	if err := log.Record(ctx, &consentv1.AccessLogEntry{PatientId: "pt_abc", Service: "referral"}); err != nil {
		t.Fatal(err)
	}
	read.End()

	var send trace.SpanKind
	for _, s := range rec.Ended() {
		if strings.Contains(s.Name(), "pt_abc") {
			t.Errorf("span name %q names the patient", s.Name())
		}
		if s.Name() == "send stafett.audit.{patient_id}" {
			send = s.SpanKind()
			if s.Parent().SpanID() != read.SpanContext().SpanID() {
				t.Error("the access-log append is not a child of the read it logs")
			}
			got := map[string]string{}
			for _, kv := range s.Attributes() {
				got[string(kv.Key)] = kv.Value.Emit()
			}
			if got["messaging.destination.template"] != audit.SubjectTemplate || got["messaging.operation.type"] != "send" || got["server.address"] == "" {
				t.Errorf("access-log span attributes %v", got)
			}
		}
	}
	if send != trace.SpanKindProducer {
		t.Errorf("no producer span for the access-log append among %d spans", len(rec.Ended()))
	}
}

func TestTheAccessLogKeepsTheRetentionTheDataControllerSet(t *testing.T) {
	t.Parallel()
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	tenYears := 10 * 365 * 24 * time.Hour
	if _, err := js.CreateStream(t.Context(), jetstream.StreamConfig{
		Name: audit.StreamName, Subjects: []string{audit.SubjectRoot + ".>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardNew, MaxAge: tenYears, DenyDelete: true, DenyPurge: true, AllowDirect: true,
	}); err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(t.Context(), js, 1)
	if err != nil {
		t.Fatalf("Open refused the access log's retention: %v", err)
	}
	stream, err := js.Stream(t.Context(), audit.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if got := stream.CachedInfo().Config.MaxAge; got != tenYears {
		t.Errorf("max_age = %v, want the operator's %v kept", got, tenYears)
	}
	if d := log.StreamDrift(); len(d) != 1 || d[0].Setting != "max_age" || d[0].Breaks {
		t.Errorf("drift %v, want the retention reported and accepted", d)
	}
}
