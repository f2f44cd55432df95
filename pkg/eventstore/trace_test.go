package eventstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	"github.com/stafett/stafett/pkg/telemetry"
)

// tracedStore opens a store whose spans land in the returned recorder.
func tracedStore(t *testing.T) (*eventstore.Store, *sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	tel := &telemetry.Providers{TracerProvider: tp}
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(t.Context(), js, eventstore.Config{Tracer: tp.Tracer("test"), Propagator: tel})
	if err != nil {
		t.Fatal(err)
	}
	return store, tp, recorder
}

// handledContexts subscribes and sends each handled record's span context.
func handledContexts(t *testing.T, store *eventstore.Store, name string) (*eventstore.Subscription, chan trace.SpanContext) {
	t.Helper()
	handled := make(chan trace.SpanContext, 16)
	sub, err := store.Subscribe(t.Context(), eventstore.SubscribeOptions{Name: name}, func(ctx context.Context, rec eventstore.Record) error {
		handled <- trace.SpanContextFromContext(ctx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Stop)
	return sub, handled
}

func next(t *testing.T, ch chan trace.SpanContext) trace.SpanContext {
	t.Helper()
	select {
	case sc := <-ch:
		return sc
	case <-t.Context().Done():
		t.Fatal("record never handled")
		return trace.SpanContext{}
	}
}

func spansNamed(rec *tracetest.SpanRecorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

func TestTheSpanProcessingALiveCommitIsAChildOfTheSpanThatAppendedIt(t *testing.T) {
	store, tp, recorder := tracedStore(t)
	sub, handled := handledContexts(t, store, "projection")

	ctx, request := tp.Tracer("test").Start(t.Context(), "ReceiveReferral")
	if _, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: commit(t, "t1", 1, "x")}); err != nil {
		t.Fatal(err)
	}
	request.End()
	handler := next(t, handled)
	sub.Stop()

	sends := spansNamed(recorder, "send stafett.events.test.thing.{id}")
	processes := spansNamed(recorder, "process stafett.events.test.thing.{id}")
	if len(sends) != 1 || len(processes) != 1 {
		t.Fatalf("%d send and %d process spans, want one each", len(sends), len(processes))
	}
	if handler.TraceID() != request.SpanContext().TraceID() {
		t.Fatal("the handler runs in another trace than the request that appended")
	}
	if processes[0].Parent().SpanID() != sends[0].SpanContext().SpanID() {
		t.Fatalf("process span's parent is %v, want the send span %v", processes[0].Parent().SpanID(), sends[0].SpanContext().SpanID())
	}
}

func TestNATSSpansFollowTheMessagingConventions(t *testing.T) {
	store, _, recorder := tracedStore(t)
	sub, handled := handledContexts(t, store, "pathway.process-manager")
	c := commit(t, "t1", 1, "x")
	c.CorrelationId = "01REFERRAL"
	if _, err := store.Append(t.Context(), eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: c, MsgID: "msg-1"}); err != nil {
		t.Fatal(err)
	}
	next(t, handled)
	sub.Stop()

	common := map[attribute.Key]string{
		"messaging.system":               "nats",
		"messaging.destination.name":     "stafett.events.test.thing.t1",
		"messaging.destination.template": "stafett.events.test.thing.{id}",
		"messaging.message.id":           "msg-1",
		"server.address":                 "127.0.0.1",
		"stafett.correlation_id":         "01REFERRAL",
	}
	for _, tc := range []struct {
		name string
		kind trace.SpanKind
		want map[attribute.Key]string
	}{
		{"send stafett.events.test.thing.{id}", trace.SpanKindProducer, map[attribute.Key]string{"messaging.operation.type": "send", "messaging.operation.name": "send"}},
		{"process stafett.events.test.thing.{id}", trace.SpanKindConsumer, map[attribute.Key]string{"messaging.operation.type": "process", "messaging.operation.name": "process", "messaging.consumer.group.name": "pathway.process-manager"}},
	} {
		spans := spansNamed(recorder, tc.name)
		if len(spans) != 1 {
			t.Errorf("%d spans named %q", len(spans), tc.name)
			continue
		}
		s := spans[0]
		if s.SpanKind() != tc.kind {
			t.Errorf("%s: kind %s, want %s", tc.name, s.SpanKind(), tc.kind)
		}
		got := attrs(s)
		for k, v := range common {
			tc.want[k] = v
		}
		for k, v := range tc.want {
			if got[k].Emit() != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k].Emit(), v)
			}
		}
		if _, ok := got["server.port"]; !ok {
			t.Errorf("%s: no server.port", tc.name)
		}
	}
}

func TestCatchUpAtStartNeverAddsSpansToTheTracesItReplays(t *testing.T) {
	store, tp, recorder := tracedStore(t)
	old, request := tp.Tracer("test").Start(t.Context(), "months ago")
	for i, id := range []string{"a", "b", "c"} {
		if _, err := store.Append(old, eventstore.Append{Subject: eventstore.Subject("test", "thing", id), Commit: commit(t, id, uint64(i+1), "x")}); err != nil {
			t.Fatal(err)
		}
	}
	request.End()
	oldTrace := request.SpanContext().TraceID()

	// A restart: the consumer replays the three commits already stored.
	sub, handled := handledContexts(t, store, "projection")
	var replay trace.SpanContext
	for range 3 {
		sc := next(t, handled)
		if sc.TraceID() == oldTrace {
			t.Fatal("a replayed commit is handled inside the trace that appended it")
		}
		replay = sc
	}
	// Then a live commit, which does join its request's trace.
	live, liveRequest := tp.Tracer("test").Start(t.Context(), "now")
	if _, err := store.Append(live, eventstore.Append{Subject: eventstore.Subject("test", "thing", "d"), Commit: commit(t, "d", 1, "x")}); err != nil {
		t.Fatal(err)
	}
	liveRequest.End()
	if got := next(t, handled); got.TraceID() != liveRequest.SpanContext().TraceID() {
		t.Error("the live commit is not handled in its request's trace")
	}
	sub.Stop()

	for _, s := range recorder.Ended() {
		if s.SpanContext().TraceID() == oldTrace && s.Name() != "months ago" && !strings.HasPrefix(s.Name(), "send ") {
			t.Errorf("span %q added to the replayed trace", s.Name())
		}
	}
	replays := spansNamed(recorder, "replay projection")
	if len(replays) != 1 {
		t.Fatalf("%d replay spans, want 1", len(replays))
	}
	r := replays[0]
	if r.Parent().IsValid() || r.SpanContext().TraceID() != replay.TraceID() {
		t.Errorf("replay span parent %v trace %s, want a root whose trace the replayed handlers ran in (%s)", r.Parent(), r.SpanContext().TraceID(), replay.TraceID())
	}
	if got := attrs(r)["messaging.batch.message_count"].AsInt64(); got != 3 {
		t.Errorf("replay span counts %d records, want 3", got)
	}
}

func TestCallersBaggageIsNeverStoredOnTheCommit(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	// A propagator that would write baggage, as the suite's once did: the
	// store itself must keep it off the commit.
	leaky := &telemetry.Providers{TracerProvider: tp, Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
	_, nc := natstest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(t.Context(), js, eventstore.Config{Tracer: tp.Tracer("test"), Propagator: leaky})
	if err != nil {
		t.Fatal(err)
	}
	member, err := baggage.NewMember("fnr", "01010112345")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(member)
	if err != nil {
		t.Fatal(err)
	}
	ctx, request := tp.Tracer("test").Start(baggage.ContextWithBaggage(t.Context(), bag), "ReceiveReferral")
	res, err := store.Append(ctx, eventstore.Append{Subject: eventstore.Subject("test", "thing", "t1"), Commit: commit(t, "t1", 1, "x")})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Get(t.Context(), res.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.Get("traceparent") == "" {
		t.Fatalf("commit carries no traceparent: %v", rec.Header)
	}
	for k, v := range rec.Header {
		if strings.EqualFold(k, "baggage") || strings.Contains(strings.Join(v, ","), "01010112345") {
			t.Errorf("commit stores header %s=%v", k, v)
		}
	}
}

func TestAnAggregatesFirstCommitNamesItsOriginAndLaterCommitsKeepTheOneTheyAreGiven(t *testing.T) {
	store, tp, recorder := tracedStore(t)
	subject := eventstore.Subject("test", "thing", "t1")
	ctx, receipt := tp.Tracer("test").Start(t.Context(), "ReceiveReferral")
	first, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "t1", 1, "x")})
	receipt.End()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Get(t.Context(), first.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Origin().Equal(receipt.SpanContext().WithRemote(true)) {
		t.Fatalf("first commit's origin %v, want the receipt span %v", rec.Origin(), receipt.SpanContext())
	}

	ctx, assess := tp.Tracer("test").Start(t.Context(), "AssessReferral")
	second, err := store.Append(ctx, eventstore.Append{Subject: subject, Commit: commit(t, "t1", 2, "y"), ExpectedSeq: first.Seq, Origin: rec.Origin()})
	assess.End()
	if err != nil {
		t.Fatal(err)
	}
	later, err := store.Get(t.Context(), second.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if later.Origin().SpanID() != receipt.SpanContext().SpanID() {
		t.Errorf("later commit's origin %v, want the receipt's", later.Origin())
	}
	var linked bool
	for _, s := range recorder.Ended() {
		if s.Parent().SpanID() == assess.SpanContext().SpanID() && strings.HasPrefix(s.Name(), "send ") {
			for _, l := range s.Links() {
				linked = linked || l.SpanContext.SpanID() == receipt.SpanContext().SpanID()
			}
		}
	}
	if !linked {
		t.Error("the later append's span does not link to the receipt")
	}
}
