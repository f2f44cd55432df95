// Package app holds the subscriptions service's commands and queries
// (create, read, delete, $status, $events), the fan-out that turns referral
// and pathway commits into notifications, the per-subscriber delivery, the
// heartbeats and the poison queue's replay.
//
// The pipeline, all on watermill routers over durable JetStream consumers:
//
//	STAFETT_EVENTS ──fan-out (one consumer, stream order)──▶ outbox per subscription
//	outbox of S ──delivery of S (its own consumer, one in flight)──▶ S's channel
//
// The fan-out never waits for a subscriber; each subscriber's delivery
// retries on its own consumer with a backoff, so one that is down for a day
// holds back only its own notifications, and gets them in order when it
// comes back.
package app

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

// Sender delivers one rendered notification over a subscription's channel.
type Sender interface {
	Send(ctx context.Context, s domain.Subscription, out Outgoing) error
}

// Renderer turns a notification into the bytes a channel carries (a FHIR
// subscription-notification Bundle).
type Renderer interface {
	Render(n Notification) ([]byte, error)
}

// Resolver finds the addresses a rest-hook's host name has.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Recorder writes the access log.
type Recorder interface {
	Record(ctx context.Context, actor access.Actor, read access.Read, d access.Decision) error
}

// Retry is how often, and how fast, a delivery is tried again in the
// handler before it goes back to its consumer to wait out a longer backoff.
type Retry struct {
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// Deps are what the application needs from outside.
type Deps struct {
	Store      *eventstore.Store
	JetStream  jetstream.JetStream
	Image      *decider.Image[domain.Subscription]
	Outbox     Outbox
	Deliveries Deliveries
	Secrets    Secrets
	Poison     PoisonQueue
	Messages   Messages
	Sender     Sender
	Renderer   Renderer
	Resolver   Resolver
	AccessLog  Recorder
	Clock      clock.Clock
	IDs        idgen.Generator
	Policy     domain.EndpointPolicy
	Logger     *slog.Logger
	// Retry is the in-handler retry of a delivery; Redelivery the backoff
	// of its consumer after that, up to 5 minutes apart and unending.
	Retry      Retry
	Redelivery eventrouter.Backoff
	// Throttle bounds each subscriber's notifications per second (0: 50).
	Throttle int64
	// Tracer and Propagator, if set, trace the routers' handling.
	Tracer     trace.Tracer
	Propagator eventstore.Propagator
}

// App is the subscriptions service's application layer.
type App struct {
	Deps
	runtime *decider.Runtime[domain.Subscription]
	tasks   *taskFold
	// outbox appends entries (heartbeats, replays) outside the fan-out.
	outbox message.Publisher
	// changed is signalled when a subscription is created or deleted.
	changed chan struct{}

	startsMu sync.Mutex
	starts   map[string]uint64
}

// Model is the subscription aggregate's fold.
func Model() decider.Model[domain.Subscription] {
	return decider.Model[domain.Subscription]{
		Context: "subscriptions", Type: "subscription", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

// New wires the application. The image must not have been fed yet: New
// registers the index of where each subscription starts.
func New(d Deps) *App {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Throttle == 0 {
		d.Throttle = 50
	}
	if d.Retry.Attempts == 0 {
		d.Retry = Retry{Attempts: 2, Initial: 200 * time.Millisecond, Max: time.Second}
	}
	a := &App{Deps: d, tasks: newTaskFold(), starts: map[string]uint64{}, changed: make(chan struct{}, 1)}
	a.runtime = decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0)
	d.Image.AddIndex(a.indexStart)
	return a
}

// indexStart remembers the stream position of each subscription's
// creation: it is told about commits after it.
func (a *App) indexStart(snap decider.Snapshot[domain.Subscription], rec eventstore.Record) {
	for _, e := range rec.Commit.GetEvents() {
		if eventstore.TypeName(e.GetTypeUrl()) == createdType {
			a.startsMu.Lock()
			a.starts[snap.ID] = rec.Seq
			a.startsMu.Unlock()
		}
	}
	select {
	case a.changed <- struct{}{}:
	default: // a reconcile is already due
	}
}

var createdType = string((&subscriptionsv1.SubscriptionCreated{}).ProtoReflect().Descriptor().FullName())

// live is every subscription not deleted, with where it starts.
func (a *App) live() []domain.Live {
	var out []domain.Live
	a.Image.Range(func(s decider.Snapshot[domain.Subscription]) bool {
		if s.State.Live() {
			out = append(out, domain.Live{Subscription: s.State, StartSeq: a.startOf(s.ID)})
		}
		return true
	})
	return out
}

func (a *App) startOf(id string) uint64 {
	a.startsMu.Lock()
	defer a.startsMu.Unlock()
	return a.starts[id]
}

// subscriptionActor is who acts for the service itself.
func subscriptionActor() *eventsv1.Actor {
	return &eventsv1.Actor{Service: "subscriptions", Role: "service"}
}
