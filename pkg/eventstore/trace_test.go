package eventstore_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	"github.com/stafett/stafett/pkg/telemetry"
)

func TestTheSpanHandlingACommitIsAChildOfTheSpanThatAppendedIt(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	tel := &telemetry.Providers{TracerProvider: tp, Propagator: propagation.TraceContext{}}
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(t.Context(), js, eventstore.Config{Tracer: tp.Tracer("test"), Propagator: tel})
	if err != nil {
		t.Fatal(err)
	}

	ctx, request := tp.Tracer("test").Start(t.Context(), "ReceiveReferral")
	if _, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: commit(t, "t1", 1, "x")}); err != nil {
		t.Fatal(err)
	}
	request.End()

	handled := make(chan trace.SpanContext, 1)
	sub, err := store.Subscribe(t.Context(), eventstore.SubscribeOptions{Name: "projection"}, func(ctx context.Context, rec eventstore.Record) error {
		if got := rec.Header.Get("traceparent"); got == "" {
			t.Error("commit carries no lowercase traceparent header")
		}
		handled <- trace.SpanContextFromContext(ctx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	var handler trace.SpanContext
	select {
	case handler = <-handled:
	case <-t.Context().Done():
		t.Fatal("commit never handled")
	}
	var appendSpan sdktrace.ReadOnlySpan
	for _, s := range recorder.Ended() {
		if s.Name() == "eventstore.append" {
			appendSpan = s
		}
	}
	if appendSpan == nil {
		t.Fatal("no append span")
	}
	if handler.TraceID() != request.SpanContext().TraceID() {
		t.Fatal("the handler runs in another trace than the request that appended")
	}
	var handleSpan sdktrace.ReadOnlySpan
	sub.Stop()
	for _, s := range recorder.Ended() {
		if s.Name() == "eventstore.handle projection" {
			handleSpan = s
		}
	}
	if handleSpan == nil {
		t.Fatal("no handle span")
	}
	if handleSpan.Parent().SpanID() != appendSpan.SpanContext().SpanID() {
		t.Fatalf("handle span's parent is %v, want the append span %v", handleSpan.Parent().SpanID(), appendSpan.SpanContext().SpanID())
	}
}
