package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Handler applies one record. It must be idempotent by record sequence: after
// a restart or a consumer reset the same record may arrive again.
type Handler func(ctx context.Context, rec Record) error

// SubscribeOptions choose what to read and how hard to try.
type SubscribeOptions struct {
	// Name labels the subscription in logs and spans.
	Name string
	// Filters are subject filters; empty means every event subject.
	Filters []string
	// FromSeq is the first stream sequence to deliver (1 or 0 for all).
	FromSeq uint64
	// MaxAttempts is how often a failing record is tried before it is parked;
	// default 5.
	MaxAttempts int
	// Backoff between attempts on one record; default 50ms, doubled each time.
	Backoff time.Duration
	// Logger receives parked records (sequence and subject only).
	Logger *slog.Logger
	// OnParked is called after a record was parked, for metrics.
	OnParked func(rec Record, err error)
}

// Subscription is a running ordered consumer feeding a handler in stream order.
type Subscription struct {
	cancel context.CancelFunc
	done   chan struct{}
	parked atomic.Int64
	err    error
	errMu  sync.Mutex
}

// Subscribe delivers records in stream order to h until ctx ends or Stop is
// called. A record that keeps failing is parked — logged, counted and skipped —
// so one poison event never blocks the stream.
func (s *Store) Subscribe(ctx context.Context, opts SubscribeOptions, h Handler) (*Subscription, error) {
	if len(opts.Filters) == 0 {
		opts.Filters = []string{AllFilter}
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Backoff == 0 {
		opts.Backoff = 50 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: opts.Filters, InactiveThreshold: time.Minute}
	if opts.FromSeq > 1 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = opts.FromSeq
	}
	cons, err := s.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("eventstore: subscribe %s: %w", opts.Name, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		return nil, fmt.Errorf("eventstore: subscribe %s: %w", opts.Name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	sub := &Subscription{cancel: cancel, done: make(chan struct{})}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	go func() {
		defer close(sub.done)
		defer cancel()
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					sub.setErr(err)
					opts.Logger.Error("subscription stopped", "subscription", opts.Name, "error", err)
				}
				return
			}
			rec, err := fromJetStream(m)
			if err != nil {
				sub.park(ctx, opts, rec, err)
				continue
			}
			s.deliver(ctx, sub, opts, rec, h)
		}
	}()
	return sub, nil
}

func (s *Store) deliver(ctx context.Context, sub *Subscription, opts SubscribeOptions, rec Record, h Handler) {
	hctx := ctx
	if s.propagator != nil {
		hctx = s.propagator.ExtractNATS(ctx, rec.Header)
	}
	hctx, span := s.tracer.Start(hctx, "eventstore.handle "+opts.Name, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", rec.Subject),
			attribute.Int64("messaging.message.sequence", int64(rec.Seq)),
		))
	defer span.End()
	backoff := opts.Backoff
	var err error
	for attempt := 1; attempt <= opts.MaxAttempts; attempt++ {
		if err = h(hctx, rec); err == nil {
			return
		}
		if attempt == opts.MaxAttempts || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff *= 2
	}
	if ctx.Err() != nil {
		return
	}
	span.RecordError(err)
	sub.park(ctx, opts, rec, err)
}

func (sub *Subscription) park(ctx context.Context, opts SubscribeOptions, rec Record, err error) {
	sub.parked.Add(1)
	opts.Logger.ErrorContext(ctx, "event parked after repeated failures",
		"subscription", opts.Name, "seq", rec.Seq, "subject", rec.Subject, "error", err)
	if opts.OnParked != nil {
		opts.OnParked(rec, err)
	}
}

func (sub *Subscription) setErr(err error) {
	sub.errMu.Lock()
	defer sub.errMu.Unlock()
	sub.err = err
}

// Err is why the subscription stopped on its own, if it did.
func (sub *Subscription) Err() error {
	sub.errMu.Lock()
	defer sub.errMu.Unlock()
	return sub.err
}

// Parked counts records skipped after repeated failures.
func (sub *Subscription) Parked() int64 { return sub.parked.Load() }

// Stop ends the subscription and waits for the handler to return.
func (sub *Subscription) Stop() {
	sub.cancel()
	<-sub.done
}

// Done is closed once the subscription has stopped.
func (sub *Subscription) Done() <-chan struct{} { return sub.done }
