package telemetry

import (
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// MessagingSystem is messaging.system on every NATS span. NATS has no
// well-known value in the conventions, which allow a custom one.
const MessagingSystem = "nats"

// Message describes one NATS message for its span and metrics, after the
// OpenTelemetry messaging conventions.
type Message struct {
	// Subject is messaging.destination.name: high cardinality, so it is an
	// attribute only, never part of a span name or a metric.
	Subject string
	// Template is messaging.destination.template, the subject with its ids
	// replaced (stafett.events.referral.referral.{id}); it names the span.
	Template string
	// ID is messaging.message.id: the Nats-Msg-Id.
	ID string
	// Sequence is the stream sequence, once known (0: not yet).
	Sequence uint64
	// BodySize is messaging.message.body.size in bytes.
	BodySize int
	// ConsumerGroup is messaging.consumer.group.name: the subscription that
	// processes the message (process spans only).
	ConsumerGroup string
	// Server is the host:port of the NATS server the client is connected to.
	Server string
}

// SendSpan is the name and start options of a producer span publishing m:
// "send <template>".
func SendSpan(m Message, extra ...attribute.KeyValue) (string, []trace.SpanStartOption) {
	return "send " + m.Template, []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(append(m.Attributes(semconv.MessagingOperationTypeSend, "send"), extra...)...),
	}
}

// ProcessSpan is the name and start options of a consumer span processing
// m: "process <template>".
func ProcessSpan(m Message, extra ...attribute.KeyValue) (string, []trace.SpanStartOption) {
	return "process " + m.Template, []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(append(m.Attributes(semconv.MessagingOperationTypeProcess, "process"), extra...)...),
	}
}

// Attributes are m's span attributes for an operation of type op named name.
func (m Message) Attributes(op attribute.KeyValue, name string) []attribute.KeyValue {
	attrs := append(m.MetricAttributes(op, name), semconv.MessagingDestinationName(m.Subject))
	if m.ID != "" {
		attrs = append(attrs, semconv.MessagingMessageID(m.ID))
	}
	if m.BodySize > 0 {
		attrs = append(attrs, semconv.MessagingMessageBodySize(m.BodySize))
	}
	if m.Sequence > 0 {
		attrs = append(attrs, attribute.Int64("messaging.nats.stream.sequence", int64(m.Sequence)))
	}
	if host, port, err := net.SplitHostPort(m.Server); err == nil {
		attrs = append(attrs, semconv.ServerAddress(host))
		if n, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, semconv.ServerPort(n))
		}
	}
	return attrs
}

// MetricAttributes are the low-cardinality subset of Attributes, fit for
// metrics: no subject, no message id.
func (m Message) MetricAttributes(op attribute.KeyValue, name string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		semconv.MessagingSystemKey.String(MessagingSystem),
		op,
		semconv.MessagingOperationName(name),
		semconv.MessagingDestinationTemplate(m.Template),
	}
	if m.ConsumerGroup != "" {
		attrs = append(attrs, semconv.MessagingConsumerGroupName(m.ConsumerGroup))
	}
	return attrs
}
