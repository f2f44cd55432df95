// Package pathway is the care pathway service (DESIGN §6.2): a process
// manager starts one pathway per referral assessed with a right granted, and
// the pathway's unit records its milestones and the decisions made with the
// patient. The composition root builds it with New, registers it on a gRPC
// server and runs its process manager and milestone watcher.
package pathway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/workdays"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/adapters"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
	"github.com/stafett/stafett/services/pathway/internal/ports"
)

// Target is how long after the milestone before it a milestone should be
// reached; see Targets.
type Target = domain.Target

// Targets is one pathway type's target table. DefaultTargets documents the
// defaults and their source (Helsedirektoratet's pakkeforløp for psykisk
// helse og rus).
type Targets = domain.Targets

// DefaultTargets is the built-in table for a pathway type.
func DefaultTargets(t eventsv1.PathwayType) Targets { return domain.DefaultTargets(t) }

// Config is what the service needs from its host.
type Config struct {
	Store *eventstore.Store
	// JetStream holds the process manager's durable consumer.
	JetStream jetstream.JetStream
	// Guard checks and logs every read of patient data.
	Guard *access.Guard
	// Consent reaches the consent service (GetLegalStatus) with the
	// suite's service identity.
	Consent    consentv1.ConsentServiceClient
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	// Zone is Europe/Oslo.
	Zone   *time.Location
	Logger *slog.Logger
	// Targets override DefaultTargets per pathway type.
	Targets map[eventsv1.PathwayType]Targets
	// DeadlineInterval is how often the milestone watcher looks; default 1 minute.
	DeadlineInterval time.Duration
	// Tracer and Propagator, if set, join the process manager's handling of
	// a referral commit to the commit's trace.
	Tracer     trace.Tracer
	Propagator eventstore.Propagator
}

// Service is a running pathway service.
type Service struct {
	app        *app.App
	feed       *eventstore.Subscription
	pm         app.ProcessManagerOptions
	pseudonyms *ids.Pseudonymizer
	logger     *slog.Logger
	interval   time.Duration
}

// New builds the service and replays the stream into its write model; it
// returns once the model holds every pathway commit that existed at the
// start. The process manager starts with Run.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.JetStream == nil || cfg.Guard == nil || cfg.Consent == nil || cfg.Zone == nil {
		return nil, errors.New("pathway: a store, JetStream, an access guard, a consent client and a zone are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.IDs == nil {
		cfg.IDs = idgen.NewULIDs()
	}
	if cfg.DeadlineInterval == 0 {
		cfg.DeadlineInterval = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	image := decider.NewImage(app.Model(), cfg.Logger)
	a := app.New(app.Deps{
		Store: cfg.Store,
		Image: image,
		Clock: cfg.Clock,
		IDs:   cfg.IDs,
		Policy: domain.Policy{
			Calendar:                 workdays.Norway(),
			Zone:                     cfg.Zone,
			Targets:                  cfg.Targets,
			PostponementFlagWorkdays: 7,
		},
		Guard: cfg.Guard,
		Legal: adapters.LegalStatusClient{Client: cfg.Consent},
	})
	feed, err := image.Run(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	pm := app.ProcessManagerOptions{JetStream: cfg.JetStream, Logger: cfg.Logger, Tracer: cfg.Tracer, Propagator: cfg.Propagator}
	return &Service{app: a, feed: feed, pm: pm, pseudonyms: cfg.Pseudonyms, logger: cfg.Logger, interval: cfg.DeadlineInterval}, nil
}

// Register adds the gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	pathwayv1.RegisterPathwayServiceServer(r, ports.NewServer(s.app, s.pseudonyms))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.Scopes() }

// Run runs the process manager and the milestone watcher until ctx ends,
// then stops the feeds.
func (s *Service) Run(ctx context.Context) error {
	defer s.feed.Stop()
	pm, err := s.app.RunProcessManager(ctx, s.pm)
	if err != nil {
		return err
	}
	defer pm.Stop()
	s.app.WatchDeadlines(ctx, s.interval, s.logger)
	return nil
}

// CheckDeadlines appends every MilestoneOverdue due by the service clock
// now; tests move a fake clock and call it instead of waiting for the watcher.
func (s *Service) CheckDeadlines(ctx context.Context) (int, error) { return s.app.CheckDeadlines(ctx) }

// WaitReferralsProcessed blocks until the process manager has handled the
// referral commit at stream sequence seq, so a caller can observe the
// pathway an assessment started without polling.
func (s *Service) WaitReferralsProcessed(ctx context.Context, seq uint64) error {
	return s.app.WaitReferralsProcessed(ctx, seq)
}
