package telemetry

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

// recordingProviders is a Providers whose spans land in the returned recorder.
func recordingProviders(t *testing.T) (*Providers, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	p := &Providers{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)),
		MeterProvider:  sdkmetric.NewMeterProvider(),
		Propagator:     newPropagator(),
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		if err := p.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return p, rec
}

func TestTheSpanThatHandlesAnEventIsAChildOfTheSpanThatAppendedIt(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	_, nc := natstest.Conn(t)
	tracer := p.Tracer("test")

	sub, err := nc.SubscribeSync("stafett.events.referral.referral.01TEST")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	member, err := baggage.NewMember("stafett.correlation", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(member)
	if err != nil {
		t.Fatal(err)
	}
	ctxA, spanA := tracer.Start(baggage.ContextWithBaggage(t.Context(), bag), "append")
	msg := nats.NewMsg(sub.Subject)
	msg.Data = []byte("commit")
	p.InjectNATS(ctxA, msg.Header)
	if err := nc.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	spanA.End()

	got, err := sub.NextMsgWithContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The header contract (DESIGN.md §4) names the key `traceparent`; check
	// the received map itself so a canonicalising hop anywhere would show.
	if _, ok := got.Header["traceparent"]; !ok {
		t.Fatalf("received header keys %v, want literal %q", NATSCarrier(got.Header).Keys(), "traceparent")
	}
	if _, ok := got.Header["Traceparent"]; ok {
		t.Errorf("received a canonicalised Traceparent key: %v", got.Header)
	}

	ctxB := p.ExtractNATS(t.Context(), got.Header)
	_, spanB := tracer.Start(ctxB, "handle")
	spanB.End()

	roB, ok := spanB.(sdktrace.ReadOnlySpan)
	if !ok {
		t.Fatalf("span B is %T, want an SDK span", spanB)
	}
	if roB.Parent().SpanID() != spanA.SpanContext().SpanID() {
		t.Errorf("B's parent span = %s, want A = %s", roB.Parent().SpanID(), spanA.SpanContext().SpanID())
	}
	if !roB.Parent().IsRemote() {
		t.Error("B's parent is not marked remote")
	}
	if roB.SpanContext().TraceID() != spanA.SpanContext().TraceID() {
		t.Errorf("B trace = %s, want A's %s", roB.SpanContext().TraceID(), spanA.SpanContext().TraceID())
	}
	// Baggage does not travel (TestACallersBaggageIsNeverWrittenIntoMessageHeaders).
	if v := baggage.FromContext(ctxB).Member("stafett.correlation").Value(); v != "" {
		t.Errorf("baggage travelled through the headers: %q", v)
	}
}

func TestNATSCarrierKeepsW3CNamesLowercaseWhereHeaderCarrierWouldNot(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	ctx, span := p.Tracer("test").Start(t.Context(), "s")
	defer span.End()

	h := nats.Header{}
	p.InjectNATS(ctx, h)
	if h.Get("traceparent") == "" {
		t.Errorf("NATSCarrier wrote %v, want a traceparent key", h)
	}

	// The reason NATSCarrier exists: the stock carrier renames the key.
	hh := http.Header{}
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(hh))
	if _, ok := hh["traceparent"]; ok {
		t.Skip("http.Header no longer canonicalises; the comment on NATSCarrier is out of date")
	}
	if _, ok := hh["Traceparent"]; !ok {
		t.Errorf("HeaderCarrier wrote %v", hh)
	}
}

func TestNATSCarrierReadsOnlyTheExactKey(t *testing.T) {
	t.Parallel()
	c := NATSCarrier{"Traceparent": {"x"}, "traceparent": {"y"}}
	if got := c.Get("traceparent"); got != "y" {
		t.Errorf("Get(traceparent) = %q, want y", got)
	}
	if got := c.Get("tracestate"); got != "" {
		t.Errorf("Get(missing) = %q, want empty", got)
	}
}

func TestInjectNATSIntoANilHeaderDoesNotPanic(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	ctx, span := p.Tracer("test").Start(t.Context(), "s")
	defer span.End()
	p.InjectNATS(ctx, nil)
	if got := p.ExtractNATS(t.Context(), nil); got == nil {
		t.Fatal("ExtractNATS(nil) returned a nil context")
	}
}

func TestACallersBaggageIsNeverWrittenIntoMessageHeaders(t *testing.T) {
	p, _ := recordingProviders(t)
	member, err := baggage.NewMember("patient", "12345678901")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(member)
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := p.Tracer("test").Start(baggage.ContextWithBaggage(t.Context(), bag), "append")
	defer span.End()
	h := nats.Header{}
	p.InjectNATS(ctx, h)
	if h.Get("traceparent") == "" {
		t.Fatal("the suite's own trace context was not written")
	}
	for k := range h {
		if strings.EqualFold(k, "baggage") {
			t.Fatalf("baggage stored in the message headers: %v", h)
		}
	}
}
