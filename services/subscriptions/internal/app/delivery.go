package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	wmhttp "github.com/ThreeDotsLabs/watermill-http/v2/pkg/http"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventrouter"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// deliveryDurable is one subscription's consumer of its outbox: one
// notification in flight, so they arrive in order, and a failed one comes
// back first, after a backoff that grows to 5 minutes and never gives up.
// AckWait outlasts the handler's own retries, and no more: it is also how
// long a notification that was in flight when a process died waits before
// it is handed out again.
func deliveryDurable(id string, r Retry, timeout time.Duration, redelivery eventrouter.Backoff) eventrouter.Durable {
	attempts := time.Duration(max(r.Attempts, 1))
	return eventrouter.Durable{
		Name:        "subscriptions-deliver-" + id,
		Description: "Subscriptions: delivery of one subscription's notifications",
		Stream:      OutboxStream,
		Filters:     []string{OutboxSubject(id)},
		AckWait:     attempts*(timeout+r.Max) + time.Second,
		Redelivery:  redelivery,
	}
}

// Running is the running fan-out, deliveries and heartbeats.
type Running struct {
	app    *App
	router *eventrouter.Running
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	handlers map[string]*message.Handler
}

// Stop ends everything and waits for what is in hand.
func (r *Running) Stop() {
	r.cancel()
	r.wg.Wait()
	r.router.Stop()
}

// RunOptions configure Start.
type RunOptions struct {
	// HeartbeatCheck is how often due heartbeats are looked for; default 5 seconds.
	HeartbeatCheck time.Duration
}

// Start runs the fan-out from its checkpoint, a delivery per live
// subscription, and the heartbeats, until ctx ends or Stop is called.
func (a *App) Start(ctx context.Context, opts RunOptions) (*Running, error) {
	if opts.HeartbeatCheck == 0 {
		opts.HeartbeatCheck = 5 * time.Second
	}
	fan := fanoutDurable()
	cons, err := fan.Ensure(ctx, a.JetStream)
	if err != nil {
		return nil, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: fan-out checkpoint: %w", err)
	}
	if err := a.replayTasks(ctx, info.AckFloor.Stream); err != nil {
		return nil, err
	}
	wlog := eventrouter.Logger(a.Logger)
	natsPub, err := eventrouter.NewPublisher(a.JetStream, wlog)
	if err != nil {
		return nil, err
	}
	a.outbox = a.Messages.OutboxPublisher(natsPub)
	router, err := eventrouter.NewRouter(wlog, 0)
	if err != nil {
		return nil, err
	}
	sub, err := eventrouter.NewSubscriber(a.JetStream, fan, wlog)
	if err != nil {
		return nil, err
	}
	poison, err := middleware.PoisonQueueWithFilter(a.Messages.PoisonPublisher(natsPub), PoisonTopic, isUnbuildable)
	if err != nil {
		return nil, err
	}
	h := router.AddHandler("subscriptions.fanout", fan.Name, sub, OutboxStream, a.outbox, a.fanout)
	h.AddMiddleware(a.standard(poison, middleware.Retry{
		MaxRetries: 3, InitialInterval: 50 * time.Millisecond, MaxInterval: time.Second, Multiplier: 2,
		ShouldRetry: func(p middleware.RetryParams) bool { return !isUnbuildable(p.Err) },
	}.Middleware, "subscriptions.fanout")...)
	routerRun, err := eventrouter.Start(ctx, router)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	r := &Running{app: a, router: routerRun, ctx: runCtx, cancel: cancel, handlers: map[string]*message.Handler{}}
	if err := r.reconcile(true); err != nil {
		r.Stop()
		return nil, err
	}
	r.wg.Go(func() { r.watch() })
	r.wg.Go(func() { r.heartbeats(opts.HeartbeatCheck) })
	return r, nil
}

// standard is the middleware of every handler, outermost first: the poison
// queue (fan-out only), tracing, the correlation id, retries with backoff,
// and a recoverer that turns a panic into an error the retries (and the
// poison queue) see.
func (a *App) standard(outer message.HandlerMiddleware, retry message.HandlerMiddleware, name string) []message.HandlerMiddleware {
	var ms []message.HandlerMiddleware
	if outer != nil {
		ms = append(ms, outer)
	}
	if a.Tracer != nil {
		ms = append(ms, eventrouter.Trace(a.Tracer, a.Propagator, name))
	}
	return append(ms, middleware.CorrelationID, retry, middleware.Recoverer, panicIsUnbuildable)
}

// panicIsUnbuildable: a handler that panics on a commit will panic on it
// again; it is poison, reported without its stack.
func panicIsUnbuildable(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		var p middleware.RecoveredPanicError
		if errors.As(err, &p) {
			return nil, fmt.Errorf("%w: the handler panicked", ErrUnbuildable)
		}
		return out, err
	}
}

// watch keeps one delivery per live subscription as subscriptions come and go.
func (r *Running) watch() {
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-r.app.changed:
			if err := r.reconcile(false); err != nil && r.ctx.Err() == nil {
				r.app.Logger.Error("subscription deliveries not reconciled", "error", err)
			}
		}
	}
}

// reconcile starts a delivery for each live subscription that has none
// and stops (and cleans up after) each deleted one. At the start it also
// cleans up after subscriptions deleted while no process ran.
func (r *Running) reconcile(first bool) error {
	var live, gone []domain.Subscription
	r.app.Image.Range(func(s decider.Snapshot[domain.Subscription]) bool {
		switch {
		case s.State.Live():
			live = append(live, s.State)
		case s.State.Exists():
			gone = append(gone, s.State)
		}
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, s := range live {
		if _, ok := r.handlers[s.ID]; !ok {
			errs = append(errs, r.addDelivery(s))
		}
	}
	for _, s := range gone {
		h, ok := r.handlers[s.ID]
		if ok {
			h.Stop()
			<-h.Stopped()
			delete(r.handlers, s.ID)
		}
		if ok || first {
			errs = append(errs, r.app.cleanUp(r.ctx, s.ID))
		}
	}
	return errors.Join(errs...)
}

func (r *Running) addDelivery(s domain.Subscription) error {
	a := r.app
	d := deliveryDurable(s.ID, a.Retry, s.Channel.Timeout, a.Redelivery)
	sub, err := eventrouter.NewSubscriber(a.JetStream, d, eventrouter.Logger(a.Logger))
	if err != nil {
		return err
	}
	name := "subscriptions.deliver." + s.ID
	router := r.router.Router()
	h := router.AddNoPublisherHandler(name, d.Name, sub, a.deliver(s.ID))
	// The throttle is per subscriber: each delivery has its own.
	h.AddMiddleware(middleware.NewThrottle(a.Throttle, time.Second).Middleware)
	h.AddMiddleware(a.standard(nil, middleware.Retry{
		MaxRetries: a.Retry.Attempts - 1, InitialInterval: a.Retry.Initial, MaxInterval: a.Retry.Max, Multiplier: 2,
		ShouldRetry: func(middleware.RetryParams) bool { return a.Image.Get(s.ID).State.Live() },
	}.Middleware, "subscriptions.deliver")...)
	if err := router.RunHandlers(r.ctx); err != nil {
		return fmt.Errorf("subscriptions: delivery of %s: %w", s.ID, err)
	}
	r.handlers[s.ID] = h
	return nil
}

// deliver sends one subscription's next notification. A notification the
// receiver already took (its acknowledgement was lost in a restart) is not
// sent again. Each attempt moves the delivery state: the first success
// makes the subscription active, ten minutes of failures make it error.
func (a *App) deliver(id string) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		ctx := msg.Context()
		s := a.Image.Get(id).State
		if !s.Live() {
			return nil
		}
		entry, err := a.Messages.DecodeEntry(msg)
		if err != nil {
			a.Logger.Error("outbox entry that does not decode dropped", "subscription", id, "seq", eventrouter.Seq(msg))
			return nil
		}
		seq := eventrouter.Seq(msg)
		st, err := a.Deliveries.Get(ctx, id)
		if err != nil {
			return err
		}
		if seq <= st.DeliveredThrough {
			return nil
		}
		out, err := a.render(ctx, s, entry, seq, st, middleware.MessageCorrelationID(msg))
		if err != nil {
			return err
		}
		if err := a.Sender.Send(ctx, s, out); err != nil {
			if _, uerr := a.Deliveries.Update(ctx, id, func(d domain.Delivery) domain.Delivery {
				return d.Failed(a.Clock.Now(), failureCode(err))
			}); uerr != nil {
				err = errors.Join(err, uerr)
			}
			return fmt.Errorf("subscriptions: deliver to %s: %w", id, err)
		}
		_, err = a.Deliveries.Update(ctx, id, func(d domain.Delivery) domain.Delivery {
			return d.Succeeded(a.Clock.Now(), seq)
		})
		return err
	}
}

// render builds the notification an outbox entry stands for. The Task of a
// full-resource event is folded as it was right after its commit, and the
// disclosure is access-logged once, before it is first sent.
func (a *App) render(ctx context.Context, s domain.Subscription, e *subscriptionsv1.OutboxEntry, seq uint64, st domain.Delivery, correlation string) (Outgoing, error) {
	n := Notification{
		ID: e.GetNotificationId(), Subscription: s, Status: domain.StatusActive, Kind: kindOf(e.GetType()),
		EventsSinceStart: e.GetEventNumber(), At: a.Clock.Now(),
	}
	if n.Kind == KindHandshake {
		n.Status = domain.StatusRequested
	}
	if n.Kind == KindEvent {
		ev := Event{Number: e.GetEventNumber(), At: e.GetOccurredAt().AsTime(), ReferralID: e.GetReferralId()}
		if s.Channel.Content == subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_FULL_RESOURCE {
			task, err := taskAt(ctx, a.Store, e.GetReferralId(), e.GetPathwayIds(), e.GetCommitSeq())
			if err != nil {
				return Outgoing{}, err
			}
			if seq > st.LoggedThrough {
				if err := a.logDisclosure(ctx, s, task, "notify "+channelName(s)); err != nil {
					return Outgoing{}, err
				}
				if _, err := a.Deliveries.Update(ctx, s.ID, func(d domain.Delivery) domain.Delivery {
					d.LoggedThrough = max(d.LoggedThrough, seq)
					return d
				}); err != nil {
					return Outgoing{}, err
				}
			}
			ev.Task = &task
		}
		n.Events = []Event{ev}
	}
	body, err := a.Renderer.Render(n)
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{ID: n.ID, CorrelationID: correlation, Body: body}, nil
}

func channelName(s domain.Subscription) string {
	switch s.Channel.Type {
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP:
		return "amqp"
	case subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS:
		return "nats"
	}
	return "rest-hook"
}

// failureCode is the subscription-error code a failed attempt shows in
// $status: it says what went wrong without the receiver's words.
func failureCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, wmhttp.ErrErrorResponse):
		return "error-response"
	case errors.Is(err, domain.ErrEndpointRefused):
		return "endpoint-refused"
	case errors.Is(err, ErrRedirect):
		return "redirected"
	case errors.Is(err, ErrChannelOff):
		return "channel-unavailable"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return "no-response"
	}
	return "delivery-failed"
}
