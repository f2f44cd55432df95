package telemetry

import (
	"context"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/propagation"
)

// NATSCarrier lets a propagator read and write trace context in NATS message
// headers, keeping the W3C names exactly as the propagator spells them
// (`traceparent`, `tracestate`, `baggage`).
//
// propagation.HeaderCarrier is wrong here: it goes through http.Header, whose
// Set and Get canonicalise keys to `Traceparent`. NATS headers are
// case-sensitive (nats.Header's methods compare exact keys and the client
// keeps the case on the wire), so a `Traceparent` written that way would not
// be found by any consumer looking up the W3C name, such as a non-Go service
// or the Stafett header contract in DESIGN.md §4.
type NATSCarrier nats.Header

var _ propagation.TextMapCarrier = NATSCarrier(nil)

// Get returns the first value stored under exactly key.
func (c NATSCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values stored under exactly key. c must be non-nil.
func (c NATSCarrier) Set(key, value string) {
	c[key] = []string{value}
}

// Keys lists the header names present.
func (c NATSCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// InjectNATS writes the W3C trace context of ctx — never baggage, whatever
// propagator the providers were given — into h, typically the Header of a
// message about to be published or appended: stored headers may hold only
// what the suite itself made.
//
// h must be non-nil: a nats.Msg built as a literal has a nil Header, so use
// nats.NewMsg or assign nats.Header{} first. With a nil h nothing is written,
// because losing a trace link is better than panicking on the publish path.
func (p *Providers) InjectNATS(ctx context.Context, h nats.Header) {
	if h == nil {
		return
	}
	propagation.TraceContext{}.Inject(ctx, NATSCarrier(h))
}

// ExtractNATS returns ctx with the remote span context found in h,
// so a span started from it is a child of the span that published the message.
// A nil or trace-less h returns ctx unchanged in effect.
func (p *Providers) ExtractNATS(ctx context.Context, h nats.Header) context.Context {
	return propagation.TraceContext{}.Extract(ctx, NATSCarrier(h))
}
