// Package subscriptions is the subscriptions service (DESIGN §6.6):
// integration engines subscribe, through the FHIR R4 Subscriptions
// Backport IG's topic-based model, to the status of the referrals their
// organisation sent or receives, and are told of each change by rest-hook,
// AMQP or NATS. Delivery runs on watermill routers over durable JetStream
// consumers: at least once, a stable id per notification, in order per
// subscriber, with retries that back off to five minutes and never stop.
//
// Subscriptions are events of their own aggregate
// (stafett.events.subscriptions.subscription.<id>): the fan-out reads them
// in the same ordered stream as the referrals they watch, so where a
// subscription starts is an exact stream position, and who subscribed to
// whose referrals, and when, is kept like every other change. What must be
// deletable (header secrets) or changes with every delivery (status,
// progress) is kept in buckets beside the stream.
package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventrouter"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/idgen"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/adapters"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
	"github.com/stafett/stafett/services/subscriptions/internal/fhirsub"
	"github.com/stafett/stafett/services/subscriptions/internal/ports"
)

// Topic is the referral-status topic's canonical URL.
const Topic = domain.Topic

// Retry is the in-handler retry of one delivery.
type Retry = app.Retry

// Backoff is a consumer's redelivery backoff.
type Backoff = eventrouter.Backoff

// Resolver resolves a rest-hook's host name.
type Resolver = app.Resolver

// Config is what the service needs from its host.
type Config struct {
	Store     *eventstore.Store
	JetStream jetstream.JetStream
	Replicas  int
	// AccessLog records each Task a notification discloses (pkg/access's
	// Guard does).
	AccessLog app.Recorder
	Clock     clock.Clock
	IDs       idgen.Generator
	Logger    *slog.Logger
	// Codec parses and renders FHIR JSON.
	Codec *fhirr4.Codec
	// FHIRPath is where the FHIR router is mounted ("/fhir/R4"); FHIRBase the
	// absolute base notifications refer to (https://host/fhir/R4), empty for
	// relative references.
	FHIRPath string
	FHIRBase string
	// AllowLoopback lets rest-hooks use plain http to a loopback address:
	// `stafett dev`, never production.
	AllowLoopback bool
	// AMQPURL is the RabbitMQ of the AMQP channel; empty turns it off.
	AMQPURL string
	// Retention is how long notifications are kept (how long a subscriber
	// may be away, how far back $events reaches); default 7 days.
	Retention time.Duration
	// Retry and Redelivery pace a failing delivery: Retry in the handler,
	// then Redelivery (default 1 second doubling to 5 minutes) on the consumer.
	Retry      Retry
	Redelivery Backoff
	// Throttle bounds each subscriber's notifications per second (default 50).
	Throttle int64
	// HeartbeatCheck is how often due heartbeats are looked for (default 5 s).
	HeartbeatCheck time.Duration
	// Resolver resolves rest-hook hosts when a subscription is made.
	Resolver   Resolver
	Tracer     trace.Tracer
	Propagator eventstore.Propagator
}

// Service is a running subscriptions service.
type Service struct {
	app      *app.App
	feed     *eventstore.Subscription
	channels *adapters.Channels
	// outbox and deliveries answer the test waits, which the application
	// has no use for.
	outbox     *adapters.Outbox
	deliveries *adapters.Deliveries
	fhir       *ports.FHIR
	heartbt    time.Duration
}

// New builds the service and replays the subscriptions into memory; the
// fan-out and deliveries start with Run.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.JetStream == nil || cfg.AccessLog == nil || cfg.Codec == nil {
		return nil, errors.New("subscriptions: a store, JetStream, an access log and a FHIR codec are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.IDs == nil {
		cfg.IDs = idgen.NewULIDs()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retention == 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.FHIRPath == "" {
		cfg.FHIRPath = "/fhir/R4"
	}
	policy := domain.EndpointPolicy{AllowLoopback: cfg.AllowLoopback}
	outbox, err := adapters.OpenOutbox(ctx, cfg.JetStream, cfg.Replicas, cfg.Retention)
	if err != nil {
		return nil, err
	}
	deliveries, err := adapters.OpenDeliveries(ctx, cfg.JetStream, cfg.Replicas)
	if err != nil {
		return nil, err
	}
	secrets, err := adapters.OpenSecrets(ctx, cfg.JetStream, cfg.Replicas)
	if err != nil {
		return nil, err
	}
	poison, err := adapters.OpenPoisonQueue(ctx, cfg.JetStream, cfg.Replicas)
	if err != nil {
		return nil, err
	}
	channels, err := adapters.OpenChannels(ctx, adapters.ChannelsConfig{
		JetStream: cfg.JetStream, Replicas: cfg.Replicas, Retention: cfg.Retention, AMQPURL: cfg.AMQPURL,
		Policy: policy, Secrets: secrets, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	image := decider.NewImage(app.Model(), cfg.Logger)
	a := app.New(app.Deps{
		Store: cfg.Store, JetStream: cfg.JetStream, Image: image, Outbox: outbox, Deliveries: deliveries,
		Secrets: secrets, Poison: poison, Messages: adapters.Messages{}, Sender: channels,
		Renderer: fhirsub.Renderer{Codec: cfg.Codec, Base: cfg.FHIRBase},
		Resolver: cfg.Resolver, AccessLog: cfg.AccessLog, Clock: cfg.Clock, IDs: cfg.IDs, Policy: policy,
		Logger: cfg.Logger, Retry: cfg.Retry, Redelivery: cfg.Redelivery, Throttle: cfg.Throttle,
		Tracer: cfg.Tracer, Propagator: cfg.Propagator,
	})
	feed, err := image.Run(ctx, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: replay: %w", err)
	}
	return &Service{
		app: a, feed: feed, channels: channels, outbox: outbox, deliveries: deliveries, fhir: ports.NewFHIR(a, cfg.Codec, cfg.FHIRPath),
		heartbt: cfg.HeartbeatCheck,
	}, nil
}

// Register adds the operators' gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	subscriptionsv1.RegisterSubscriptionAdminServiceServer(r, ports.NewAdmin(s.app))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.AdminScopes() }

// FHIRResources are the resource types this service adds to the FHIR router.
func (s *Service) FHIRResources() []fhirr4.Resource { return []fhirr4.Resource{s.fhir.Resource()} }

// FHIR is the service's part of the FHIR R4 API mounted at base
// ("/fhir/R4"): the Subscription resource with $status and $events.
func (s *Service) FHIR(codec *fhirr4.Codec, base string) fhirr4.Edge {
	return fhirr4.Edge{Resources: []fhirr4.Resource{ports.NewFHIR(s.app, codec, base).Resource()}}
}

// Run runs the fan-out, the deliveries and the heartbeats until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer s.feed.Stop()
	defer s.channels.Close()
	running, err := s.app.Start(ctx, app.RunOptions{HeartbeatCheck: s.heartbt})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	<-ctx.Done()
	running.Stop()
	return nil
}

// SendHeartbeats queues the heartbeats due by the service clock now; tests
// move a fake clock and call it instead of waiting for the ticker.
func (s *Service) SendHeartbeats(ctx context.Context) (int, error) { return s.app.SendHeartbeats(ctx) }

// WaitStatus blocks until the subscription's $status shows status, so a
// test sees a change of status without polling.
func (s *Service) WaitStatus(ctx context.Context, id string, status string) error {
	updates, err := s.deliveries.Watch(ctx, id)
	if err != nil {
		return err
	}
	for d := range updates {
		if string(d.Status) == status {
			return nil
		}
	}
	return fmt.Errorf("subscriptions: %s never showed %s: %w", id, status, ctx.Err())
}

// WaitDelivered blocks until every notification queued for the
// subscription so far has been taken by its receiver.
func (s *Service) WaitDelivered(ctx context.Context, id string) error {
	last, err := s.outbox.Last(ctx, id)
	if err != nil {
		return err
	}
	updates, err := s.deliveries.Watch(ctx, id)
	if err != nil {
		return err
	}
	for d := range updates {
		if d.DeliveredThrough >= last.Seq {
			return nil
		}
	}
	return fmt.Errorf("subscriptions: %s not delivered through %d: %w", id, last.Seq, ctx.Err())
}
