package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// One story per referral (DESIGN §2.5): every span of a referral's life
// carries its id, and later commands link to the span of its receipt.
const (
	// CorrelationIDKey is the referral id a span belongs to.
	CorrelationIDKey = attribute.Key("stafett.correlation_id")
	// CorrelationIDsKey lists the referral ids a command on another
	// aggregate (a relationship, a consent, a plan) belongs to: the
	// patient's open referrals.
	CorrelationIDsKey = attribute.Key("stafett.correlation_ids")
)

// CorrelationID is the attribute naming the story a span belongs to.
func CorrelationID(id string) attribute.KeyValue { return CorrelationIDKey.String(id) }

// CorrelationIDs is the attribute naming the stories a span belongs to.
func CorrelationIDs(ids []string) attribute.KeyValue { return CorrelationIDsKey.StringSlice(ids) }

// Correlate marks the current span of ctx as part of the story id; an empty
// id marks nothing.
func Correlate(ctx context.Context, id string) {
	if id != "" {
		trace.SpanFromContext(ctx).SetAttributes(CorrelationID(id))
	}
}

// CorrelateAll marks the current span of ctx as part of every story in ids.
func CorrelateAll(ctx context.Context, ids []string) {
	if len(ids) > 0 {
		trace.SpanFromContext(ctx).SetAttributes(CorrelationIDs(ids))
	}
}

// LinkTo links the current span of ctx to each valid span context in
// origins, typically the receipt span kept in the state of the aggregate a
// command acts on. Links added after a span started are honoured by the SDK
// and exported like those given at start.
func LinkTo(ctx context.Context, origins ...trace.SpanContext) {
	span := trace.SpanFromContext(ctx)
	for _, sc := range origins {
		if sc.IsValid() && sc.SpanID() != span.SpanContext().SpanID() {
			span.AddLink(trace.Link{SpanContext: sc})
		}
	}
}

// FormatTraceparent renders sc as a W3C traceparent, "" when sc is invalid:
// the form in which the suite stores a span context (in headers and state).
func FormatTraceparent(sc trace.SpanContext) string {
	if !sc.IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), c)
	return c["traceparent"]
}

// ParseTraceparent reads a W3C traceparent written by FormatTraceparent; a
// malformed or empty one gives an invalid span context.
func ParseTraceparent(s string) trace.SpanContext {
	if s == "" {
		return trace.SpanContext{}
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": s})
	return trace.SpanContextFromContext(ctx)
}
