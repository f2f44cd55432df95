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
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/telemetry"
)

// Handler applies one record. It must be idempotent by record sequence: after
// a restart or a consumer reset the same record may arrive again.
type Handler func(ctx context.Context, rec Record) error

// SubscribeOptions choose what to read and how hard to try.
type SubscribeOptions struct {
	// Name labels the subscription in logs, spans and metrics
	// (messaging.consumer.group.name).
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
	// OnParked is called after a record was parked.
	OnParked func(rec Record, err error)
}

// Subscription is a running ordered consumer feeding a handler in stream order.
type Subscription struct {
	cancel context.CancelFunc
	done   chan struct{}
	parked atomic.Int64
	err    error
	errMu  sync.Mutex

	lag        lag
	unregister func()
	stopOnce   sync.Once
}

// lag is where a subscription stands, for its lag gauges.
type lag struct {
	mu sync.Mutex
	// pending is NumPending of the last record received: records matching
	// the filter that the server still held for this consumer.
	pending uint64
	// handledAt is when the last finished record was published.
	handledAt time.Time
	// inFlightAt is when the record being handled was published; zero
	// while no handler runs.
	inFlightAt time.Time
	stopped    bool
}

// Subscribe delivers records in stream order to h until ctx ends or Stop is
// called. A record that keeps failing is parked — logged, counted and skipped —
// so one poison event never blocks the stream.
//
// The records already in the stream when Subscribe is called are history:
// they are handled under one "replay" span that starts a trace of its own,
// never under the spans that appended them, so a restart does not add spans
// to months-old traces. Records appended later are each handled under a
// "process" span, the child of the span that appended them.
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
	head, err := s.LastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("eventstore: subscribe %s: %w", opts.Name, err)
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
	if sub.unregister, err = s.observeLag(opts.Name, &sub.lag); err != nil {
		cancel()
		it.Stop()
		return nil, err
	}
	c := &consumer{store: s, sub: sub, opts: opts, h: h, groupAttr: semconv.MessagingConsumerGroupName(opts.Name)}
	if head >= max(opts.FromSeq, 1) {
		c.startReplay(ctx, head)
	}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	go func() {
		defer close(sub.done)
		defer c.endReplay()
		for {
			m, err := it.Next()
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					sub.stopOnce.Do(sub.unregister)
					return
				}
				sub.setErr(err)
				opts.Logger.Error("subscription stopped", "subscription", opts.Name, "error", err)
				// Stopped on its own, the consumer keeps reporting until
				// Stop: its lag time grows, which is what a stalled-consumer
				// alert sees.
				sub.lag.stop()
				cancel()
				return
			}
			c.receive(ctx, m)
		}
	}()
	return sub, nil
}

// consumer is one subscription's delivery loop state.
type consumer struct {
	store     *Store
	sub       *Subscription
	opts      SubscribeOptions
	h         Handler
	groupAttr attribute.KeyValue

	// replay is the context history is handled in, until the consumer has
	// caught up with head; replaySpan is its span.
	replay     context.Context
	replaySpan trace.Span
	head       uint64
	replayed   int64
}

func (c *consumer) startReplay(ctx context.Context, head uint64) {
	c.head = head
	c.replay, c.replaySpan = c.store.tel.tracer.Start(ctx, "replay "+c.opts.Name,
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String(telemetry.MessagingSystem),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingOperationName("replay"),
			c.groupAttr,
			attribute.Int64("stafett.replay.head", int64(head)),
		))
}

func (c *consumer) endReplay() {
	if c.replaySpan == nil {
		return
	}
	c.replaySpan.SetAttributes(semconv.MessagingBatchMessageCount(int(c.replayed)))
	c.replaySpan.End()
	c.replaySpan = nil
}

func (c *consumer) receive(ctx context.Context, m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		// Without metadata there is no sequence to be idempotent by.
		c.store.tel.parked.Add(ctx, 1, metric.WithAttributes(c.groupAttr, semconv.ErrorTypeKey.String("undecodable")))
		c.sub.park(ctx, c.opts, Record{Subject: m.Subject(), Header: m.Headers()}, fmt.Errorf("eventstore: metadata: %w", err))
		return
	}
	rec, err := decode(md.Sequence.Stream, m.Subject(), m.Headers(), m.Data(), md.Timestamp)
	c.sub.lag.received(md.NumPending, md.Timestamp)
	defer c.sub.lag.finished(md.Timestamp)

	var hctx context.Context
	var span trace.Span
	if c.replaySpan != nil && rec.Seq <= c.head {
		c.replayed++
		hctx = c.replay
	} else {
		c.endReplay()
		hctx, span = c.startProcess(ctx, rec, m, len(m.Data()))
		defer span.End()
	}
	if err != nil {
		c.store.tel.parked.Add(ctx, 1, metric.WithAttributes(c.groupAttr, semconv.ErrorTypeKey.String("undecodable")))
		if span != nil {
			span.SetStatus(codes.Error, "undecodable")
		}
		c.sub.park(hctx, c.opts, rec, err)
	} else if err := c.deliver(ctx, hctx, rec); err != nil {
		c.store.tel.parked.Add(ctx, 1, metric.WithAttributes(c.groupAttr, semconv.ErrorTypeKey.String("handler")))
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "parked")
		}
		c.sub.park(hctx, c.opts, rec, err)
	}
	// Caught up: the server holds nothing more for this consumer's filters.
	if c.replaySpan != nil && (rec.Seq >= c.head || md.NumPending == 0) {
		c.endReplay()
	}
}

// startProcess starts the span of one live record: a child of the span that
// appended it, linked to the story's origin.
func (c *consumer) startProcess(ctx context.Context, rec Record, m jetstream.Msg, size int) (context.Context, trace.Span) {
	if c.store.tel.propagator != nil {
		ctx = c.store.tel.propagator.ExtractNATS(ctx, rec.Header)
	}
	msg := telemetry.Message{
		Subject: rec.Subject, Template: SubjectTemplate(rec.Subject), ID: m.Headers().Get(jetstream.MsgIDHeader),
		Sequence: rec.Seq, BodySize: size, ConsumerGroup: c.opts.Name, Server: c.store.server(),
	}
	var extra []attribute.KeyValue
	if rec.Commit != nil {
		extra = commitAttributes(rec.Commit)
	}
	name, opts := telemetry.ProcessSpan(msg, extra...)
	if origin := rec.Origin(); origin.IsValid() && origin.SpanID() != trace.SpanContextFromContext(ctx).SpanID() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: origin}))
	}
	return c.store.tel.tracer.Start(ctx, name, opts...)
}

// maxBackoff caps the wait between attempts while the stream is unavailable.
const maxBackoff = 5 * time.Second

// deliver runs the handler until it succeeds or its attempts run out; the
// error is the last attempt's, nil when ctx ended first.
//
// An attempt that failed because something the handler needs is unavailable
// (errs.ErrUnavailable: the stream has no leader, the consent service cannot
// be reached) does not count: the record is not poison, and parking it would
// skip it for good — a process manager would never start the pathway of a
// referral assessed while a node was down. Such attempts go on, backing off,
// until the handler succeeds or fails for a reason of its own.
func (c *consumer) deliver(ctx, hctx context.Context, rec Record) error {
	backoff := c.opts.Backoff
	var err error
	for attempt := 1; attempt <= c.opts.MaxAttempts; attempt++ {
		if err = c.h(hctx, rec); err == nil {
			return nil
		}
		if errors.Is(err, errs.ErrUnavailable) {
			attempt--
		}
		if attempt == c.opts.MaxAttempts || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (l *lag) received(pending uint64, publishedAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending, l.inFlightAt = pending, publishedAt
}

func (l *lag) finished(publishedAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handledAt, l.inFlightAt = publishedAt, time.Time{}
}

func (l *lag) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

// observe is the lag as of now: records still pending at the server, and
// the age of the oldest record not yet finished.
func (l *lag) observe(now time.Time) (messages int64, age time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.inFlightAt.IsZero():
		age = now.Sub(l.inFlightAt)
	case (l.pending > 0 || l.stopped) && !l.handledAt.IsZero():
		age = now.Sub(l.handledAt)
	}
	return int64(l.pending), max(age, 0)
}

// observeLag reports sub's lag on every collection until unregistered.
func (s *Store) observeLag(name string, l *lag) (func(), error) {
	attrs := metric.WithAttributes(semconv.MessagingSystemKey.String(telemetry.MessagingSystem), semconv.MessagingConsumerGroupName(name))
	reg, err := s.tel.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		messages, age := l.observe(time.Now())
		o.ObserveInt64(s.tel.lagMessages, messages, attrs)
		o.ObserveFloat64(s.tel.lagTime, age.Seconds(), attrs)
		return nil
	}, s.tel.lagMessages, s.tel.lagTime)
	if err != nil {
		return nil, fmt.Errorf("eventstore: observe lag of %s: %w", name, err)
	}
	return func() { _ = reg.Unregister() }, nil
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

// Stop ends the subscription, waits for the handler to return and stops
// reporting its lag.
func (sub *Subscription) Stop() {
	sub.cancel()
	<-sub.done
	sub.stopOnce.Do(sub.unregister)
}

// Done is closed once the subscription has stopped.
func (sub *Subscription) Done() <-chan struct{} { return sub.done }
