package eventrouter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmjs "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/jetstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
)

// Durable is a durable pull consumer: the server remembers what it has
// acknowledged, so a restart resumes after the last acknowledged message and
// a second process with the same name shares the work.
type Durable struct {
	// Name of the consumer.
	Name        string
	Description string
	// Stream defaults to the event stream.
	Stream string
	// Filters are subject filters; empty means the whole stream.
	Filters []string
	// AckWait is how long a delivered message may stay unacknowledged before
	// it is handed out again; default 30 seconds. It must exceed the longest
	// a handler takes, retries included.
	AckWait time.Duration
	// MaxAckPending bounds the messages in flight; default 1, which keeps
	// strict order: nothing after a message is delivered until that message
	// is acknowledged or terminated, and a nacked one comes back first.
	MaxAckPending int
	// Redelivery is the pause before a nacked message comes back.
	Redelivery Backoff
}

func (d Durable) withDefaults() Durable {
	if d.Stream == "" {
		d.Stream = eventstore.StreamName
	}
	if d.AckWait == 0 {
		d.AckWait = 30 * time.Second
	}
	if d.MaxAckPending == 0 {
		d.MaxAckPending = 1
	}
	return d
}

// Ensure creates the consumer, or updates it to this configuration, and
// returns it. A new consumer starts at the beginning of the stream.
func (d Durable) Ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	if d.Name == "" {
		return nil, errors.New("eventrouter: a durable consumer needs a name")
	}
	d = d.withDefaults()
	cons, err := js.CreateOrUpdateConsumer(ctx, d.Stream, jetstream.ConsumerConfig{
		Durable:        d.Name,
		Description:    d.Description,
		FilterSubjects: d.Filters,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        d.AckWait,
		// Never give up on a message by count: handlers decide what is
		// poison, and a subscriber may be down for a day.
		MaxDeliver:    -1,
		MaxAckPending: d.MaxAckPending,
	})
	if err != nil {
		return nil, fmt.Errorf("eventrouter: consumer %s on %s: %w", d.Name, d.Stream, err)
	}
	return cons, nil
}

// Delete removes the consumer; a missing one is not an error.
func (d Durable) Delete(ctx context.Context, js jetstream.JetStream) error {
	d = d.withDefaults()
	err := js.DeleteConsumer(ctx, d.Stream, d.Name)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("eventrouter: delete consumer %s: %w", d.Name, err)
	}
	return nil
}

// NewSubscriber returns a watermill subscriber (watermill-nats' JetStream
// support) reading the durable consumer; the topic a router subscribes to is
// ignored, the consumer says what is read. The subscriber shares the
// connection js holds and leaves it open when the router closes.
func NewSubscriber(js jetstream.JetStream, d Durable, logger watermill.LoggerAdapter) (message.Subscriber, error) {
	d = d.withDefaults()
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	sub, err := wmjs.NewSubscriber(wmjs.SubscriberConfig{
		Conn:           js.Conn(),
		Logger:         logger,
		AckWaitTimeout: d.AckWait,
		ResourceInitializer: func(ctx context.Context, js jetstream.JetStream, _ string) (jetstream.Consumer, func(context.Context, watermill.LoggerAdapter), error) {
			cons, err := d.Ensure(ctx, js)
			return cons, nil, err
		},
		NakDelay:    d.Redelivery,
		Unmarshaler: Unmarshaler{},
	})
	if err != nil {
		return nil, fmt.Errorf("eventrouter: subscriber %s: %w", d.Name, err)
	}
	return sharedConnSubscriber{sub}, nil
}

// sharedConnSubscriber keeps the router from draining the shared
// connection: watermill-nats' Close drains the connection it was given,
// which would take every other user of it down. The subscription itself
// ends when the router cancels the handler's context.
type sharedConnSubscriber struct{ message.Subscriber }

func (sharedConnSubscriber) Close() error { return nil }

// Backoff is the pause before a nacked message is redelivered: Initial after
// the first failure, doubling up to Max. It is the subscriber's NakDelay, so
// the wait happens in JetStream, not in a blocked handler.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// WaitTime implements watermill-nats' Delay; deliveries counts the
// deliveries so far (1 after the first failure).
func (b Backoff) WaitTime(deliveries uint64) time.Duration {
	initial, limit := b.Initial, b.Max
	if initial <= 0 {
		initial = time.Second
	}
	if limit <= 0 {
		limit = 5 * time.Minute
	}
	limit = max(limit, initial)
	d := initial
	for n := uint64(1); n < deliveries && d < limit; n++ {
		d *= 2
	}
	return min(d, limit)
}

// Logger adapts slog for watermill. Watermill reports every message at info
// level; that goes to debug, errors stay errors.
func Logger(l *slog.Logger) watermill.LoggerAdapter {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return watermill.NewSlogLoggerWithLevelMapping(l, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
}

// NewRouter returns a router that waits up to closeTimeout for running
// handlers when it stops (default 10 seconds).
func NewRouter(logger watermill.LoggerAdapter, closeTimeout time.Duration) (*message.Router, error) {
	if closeTimeout == 0 {
		closeTimeout = 10 * time.Second
	}
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: closeTimeout}, logger)
	if err != nil {
		return nil, fmt.Errorf("eventrouter: router: %w", err)
	}
	return r, nil
}
