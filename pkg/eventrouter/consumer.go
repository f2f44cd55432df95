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
// a second process with the same name shares the work. It hands out one
// message at a time.
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
		MaxDeliver: -1,
		// One message in flight: strict order (nothing after a message is
		// delivered until it is acknowledged, and a nacked one, even with a
		// delay, comes back first), and a graceful stop can tell when the
		// consumer is quiet.
		MaxAckPending: 1,
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
// connection js holds and leaves it open when the router closes, and it
// stops gracefully (see graceful).
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
	return &graceful{inner: sub, js: js, durable: d}, nil
}

// graceful stands between watermill-nats' subscriber and the router so
// that stopping loses no acknowledgement. Left alone, the subscriber's
// context ends with the router's, and a message whose handler is finishing
// is then dropped unacknowledged about half the time (the acknowledgement
// races the cancellation), to be handed out again only after AckWait; and
// a message the subscriber is handing over as its output closes is a send
// racing a close. Here the subscriber's context outlives the router's: the
// handler in hand finishes and is settled, and the subscription ends only
// once the consumer is quiet (it has the last acknowledgement and nothing
// more to push), or once a message that arrives meanwhile has been nacked
// unhandled: with one message in flight at most, the consumer then pushes
// nothing until that one comes back. It also never closes the subscriber, whose
// Close drains the connection it was given, which others share.
type graceful struct {
	inner   message.Subscriber
	js      jetstream.JetStream
	durable Durable
}

// settleWait bounds how long stopping waits for the consumer to be quiet.
const settleWait = 2 * time.Second

func (g *graceful) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	innerCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	in, err := g.inner.Subscribe(innerCtx, topic)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan *message.Message)
	go g.relay(ctx, cancel, in, out)
	return out, nil
}

func (g *graceful) relay(ctx context.Context, cancel context.CancelFunc, in <-chan *message.Message, out chan<- *message.Message) {
	defer close(out)
	var acked uint64
	for {
		select {
		case <-ctx.Done():
			g.stop(acked, in, cancel)
			return
		case m, ok := <-in:
			if !ok {
				cancel()
				return
			}
			select {
			case out <- m:
			case <-ctx.Done():
				// Never handled: it comes back at once, or after AckWait.
				m.Nack()
				g.stop(acked, nil, cancel)
				drain(in)
				return
			}
			// Settled even if the router is stopping: the handler in hand
			// runs to its end.
			select {
			case <-m.Acked():
				acked = max(acked, Seq(m))
			case <-m.Nacked():
			}
		}
	}
}

// stop ends the subscription once the consumer is quiet (or settleWait has
// passed), nacking anything that arrives first.
func (g *graceful) stop(acked uint64, in <-chan *message.Message, cancel context.CancelFunc) {
	defer drain(in)
	defer cancel()
	ctx, done := context.WithTimeout(context.Background(), settleWait)
	defer done()
	cons, err := g.js.Consumer(ctx, g.durable.Stream, g.durable.Name)
	if err != nil {
		return
	}
	for pause := time.Millisecond; ; pause = min(2*pause, 20*time.Millisecond) {
		if info, err := cons.Info(ctx); err == nil && quiet(info, acked) {
			return
		}
		t := time.NewTimer(pause)
		select {
		case m, ok := <-in:
			t.Stop()
			if ok {
				m.Nack() // it holds the consumer's slot now, handed to no one
			}
			return
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// quiet reports that the consumer has the last acknowledgement and has
// nothing to push. A message delivered but unacknowledged may be on its way
// to this very subscriber, so that is not quiet: stop waits for it to
// arrive and nacks it (or, when another process holds it, for settleWait).
func quiet(info *jetstream.ConsumerInfo, acked uint64) bool {
	return info.AckFloor.Stream >= acked && info.NumPending == 0 && info.NumAckPending == 0
}

// drain nacks whatever the subscriber still hands over until its output closes.
func drain(in <-chan *message.Message) {
	if in == nil {
		return
	}
	for m := range in {
		m.Nack()
	}
}

// Close leaves the subscriber open: the subscription ends with the
// router's context, gracefully.
func (g *graceful) Close() error { return nil }

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
