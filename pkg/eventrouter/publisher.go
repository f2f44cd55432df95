package eventrouter

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wmjs "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/jetstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/eventstore"
)

// NewPublisher returns a watermill-nats JetStream publisher on the
// connection js holds; a topic is the subject published to, and a message's
// metadata become its headers (so Nats-Msg-Id deduplicates and
// Nats-Expected-Last-Subject-Sequence guards an append). Closing it leaves
// the shared connection open.
func NewPublisher(js jetstream.JetStream, logger watermill.LoggerAdapter) (message.Publisher, error) {
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	pub, err := wmjs.NewPublisher(wmjs.PublisherConfig{
		Conn:   js.Conn(),
		Logger: logger,
		// The publisher sends to the configured stream's name; naming the
		// "stream" after the topic makes the topic the subject.
		ConfigureStream: func(topic string) jetstream.StreamConfig { return jetstream.StreamConfig{Name: topic} },
	})
	if err != nil {
		return nil, fmt.Errorf("eventrouter: publisher: %w", err)
	}
	return sharedConnPublisher{pub}, nil
}

// sharedConnPublisher: watermill-nats' Close closes the connection it was
// given, which others share.
type sharedConnPublisher struct{ message.Publisher }

func (sharedConnPublisher) Close() error { return nil }

// Trace starts a consumer span for each message as a child of the trace its
// traceparent header carries, so a delivery joins the story of the command
// that caused it.
func Trace(tracer trace.Tracer, propagator eventstore.Propagator, name string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx := msg.Context()
			if propagator != nil {
				ctx = propagator.ExtractNATS(ctx, Header(msg))
			}
			ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(
					attribute.String("messaging.system", "nats"),
					attribute.String("messaging.destination.name", msg.Metadata.Get(MetaSubject)),
					attribute.Int64("messaging.message.sequence", int64(Seq(msg))),
				))
			defer span.End()
			msg.SetContext(ctx)
			out, err := h(msg)
			if err != nil {
				span.RecordError(err)
			}
			return out, err
		}
	}
}
