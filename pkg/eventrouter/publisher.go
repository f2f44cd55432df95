package eventrouter

import (
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmjs "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/jetstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/telemetry"
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

// Trace starts a "process <subject template>" consumer span for each
// message, after the messaging conventions (telemetry.ProcessSpan), with the
// consumer's name as messaging.consumer.group.name. A message stored after
// the router started is processed as a child of the span that appended it,
// so a delivery joins the story of the command that caused it. A message
// from before — the backlog a durable consumer resumes after a restart —
// gets a span of its own trace that links to that span instead: catching up
// never adds spans to old traces.
func Trace(tracer trace.Tracer, propagator eventstore.Propagator, name string) message.HandlerMiddleware {
	started := time.Now()
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx := msg.Context()
			header := Header(msg)
			subject := msg.Metadata.Get(MetaSubject)
			m := telemetry.Message{
				Subject: subject, Template: eventstore.SubjectTemplate(subject), ID: header.Get(jetstream.MsgIDHeader),
				Sequence: Seq(msg), BodySize: len(msg.Payload), ConsumerGroup: name,
			}
			spanName, opts := telemetry.ProcessSpan(m)
			if propagator != nil {
				parent := propagator.ExtractNATS(ctx, header)
				if published, err := time.Parse(time.RFC3339Nano, msg.Metadata.Get(MetaPublished)); err == nil && published.Before(started) {
					opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: trace.SpanContextFromContext(parent)}),
						trace.WithAttributes(attribute.Bool("stafett.replay", true)))
				} else {
					ctx = parent
				}
			}
			if origin := telemetry.ParseTraceparent(header.Get(eventstore.HeaderOrigin)); origin.IsValid() {
				opts = append(opts, trace.WithLinks(trace.Link{SpanContext: origin}))
			}
			ctx, span := tracer.Start(ctx, spanName, opts...)
			defer span.End()
			msg.SetContext(ctx)
			out, err := h(msg)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, "handler failed")
			}
			return out, err
		}
	}
}
