package eventrouter_test

import (
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/telemetry"
)

func TestARoutersBacklogIsTracedInTracesOfItsOwnAndLiveMessagesAsChildrenOfTheirAppend(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tel := &telemetry.Providers{TracerProvider: tp}
	_, appendSpan := tp.Tracer("test").Start(t.Context(), "send")
	appendSpan.End()
	traceparent := telemetry.FormatTraceparent(appendSpan.SpanContext())

	handled := map[string]trace.SpanContext{}
	handler := eventrouter.Trace(tp.Tracer("test"), tel, "subscriptions.delivery")(func(msg *message.Message) ([]*message.Message, error) {
		handled[msg.UUID] = trace.SpanContextFromContext(msg.Context())
		return nil, nil
	})
	deliver := func(id string, published time.Time) {
		msg := message.NewMessage(id, []byte("commit"))
		msg.Metadata.Set("traceparent", traceparent)
		msg.Metadata.Set(eventrouter.MetaSubject, "stafett.events.referral.referral.01R")
		msg.Metadata.Set(eventrouter.MetaSeq, "7")
		msg.Metadata.Set(eventrouter.MetaPublished, published.UTC().Format(time.RFC3339Nano))
		if _, err := handler(msg); err != nil {
			t.Fatal(err)
		}
	}
	deliver("backlog", time.Now().Add(-time.Hour))
	deliver("live", time.Now().Add(time.Minute))

	if got := handled["live"]; got.TraceID() != appendSpan.SpanContext().TraceID() {
		t.Error("a live message is not handled in the trace that appended it")
	}
	if got := handled["backlog"]; got.TraceID() == appendSpan.SpanContext().TraceID() {
		t.Error("a backlog message is handled inside the months-old trace that appended it")
	}
	for _, s := range rec.Ended() {
		if s.SpanContext().SpanID() == appendSpan.SpanContext().SpanID() {
			continue
		}
		if s.Name() != "process stafett.events.referral.referral.{id}" || s.SpanKind() != trace.SpanKindConsumer {
			t.Errorf("span %q (%s), want a process span", s.Name(), s.SpanKind())
		}
		if s.SpanContext().SpanID() == handled["backlog"].SpanID() {
			if s.Parent().IsValid() || len(s.Links()) != 1 || s.Links()[0].SpanContext.SpanID() != appendSpan.SpanContext().SpanID() {
				t.Errorf("backlog span parent %v links %v, want a root linked to the append", s.Parent(), s.Links())
			}
		}
	}
}
