// Package referral is the referral service (DESIGN §6.1): it receives
// referrals from integration engines and lets the receiving unit assess,
// forward and schedule them within the legal deadlines. The composition root
// builds it with New, registers it on a gRPC server and runs its watcher.
package referral

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/workdays"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/app"
	"github.com/stafett/stafett/services/referral/internal/domain"
	"github.com/stafett/stafett/services/referral/internal/ports"
)

// Config is what the service needs from its host.
type Config struct {
	Store      *eventstore.Store
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	// Guard asks the consent service before a referral leaves, and logs it.
	Guard app.Guard
	// Zone is Europe/Oslo.
	Zone   *time.Location
	Logger *slog.Logger
	// AtRiskWorkdays before the care-start deadline an unbooked referral is
	// reported at risk; default 5.
	AtRiskWorkdays int
	// DeadlineInterval is how often the deadline watcher looks; default 1 minute.
	DeadlineInterval time.Duration
}

// Service is a running referral service.
type Service struct {
	app        *app.App
	tasks      *app.Tasks
	view       *app.TaskView
	zone       *time.Location
	pseudonyms *ids.Pseudonymizer
	feed       *eventstore.Subscription
	logger     *slog.Logger
	interval   time.Duration
}

// New builds the service and replays the stream into its write model; it
// returns once the model holds every referral commit that existed at the start.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.AtRiskWorkdays == 0 {
		cfg.AtRiskWorkdays = 5
	}
	if cfg.DeadlineInterval == 0 {
		cfg.DeadlineInterval = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	image := decider.NewImage(app.Model(), cfg.Logger)
	a := app.New(app.Deps{
		Store:      cfg.Store,
		Image:      image,
		Clock:      cfg.Clock,
		IDs:        cfg.IDs,
		Pseudonyms: cfg.Pseudonyms,
		Policy: domain.Policy{
			Calendar:           workdays.Norway(),
			Zone:               cfg.Zone,
			AssessmentWorkdays: 10,
			AtRiskWorkdays:     cfg.AtRiskWorkdays,
		},
		Guard: cfg.Guard,
	})
	feed, err := image.Run(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	view, err := app.StartTaskView(ctx, cfg.Store, cfg.Logger)
	if err != nil {
		feed.Stop()
		return nil, err
	}
	return &Service{
		app: a, tasks: app.NewTasks(a, view), view: view, zone: cfg.Zone, pseudonyms: cfg.Pseudonyms,
		feed: feed, logger: cfg.Logger, interval: cfg.DeadlineInterval,
	}, nil
}

// Register adds the gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	referralv1.RegisterReferralServiceServer(r, ports.NewServer(s.app, s.pseudonyms))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.Scopes() }

// Run watches deadlines until ctx ends, then stops the feed.
func (s *Service) Run(ctx context.Context) error {
	defer s.feed.Stop()
	defer s.view.Stop()
	s.app.WatchDeadlines(ctx, s.interval, s.logger)
	return nil
}

// CheckDeadlines appends every deadline event due by the service clock now;
// tests move a fake clock and call it instead of waiting for the watcher.
func (s *Service) CheckDeadlines(ctx context.Context) (int, error) { return s.app.CheckDeadlines(ctx) }
