// Package consent is the consent and confidentiality service (DESIGN §6.3):
// consents, objections, capacity, representatives, compulsory care,
// emergency access, and CheckAccess — the policy decision point every other
// service asks before patient data leaves it.
//
// Its rules, each with the file that decides it and the test that proves it,
// are indexed in internal/domain/doc.go.
package consent

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
	"github.com/stafett/stafett/services/consent/internal/ports"
)

// Config is what the service needs from its host.
type Config struct {
	Store      *eventstore.Store
	Audit      *audit.Log
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	Zone       *time.Location
	Logger     *slog.Logger
	// EmergencyAccessDuration is how long emergency access stays open; default 4 hours.
	EmergencyAccessDuration time.Duration
	// BarrierWait bounds how long an access check waits to catch up with the
	// stream before answering UNAVAILABLE; default 2 seconds.
	BarrierWait time.Duration
}

// Service is a running consent service.
type Service struct {
	app        *app.App
	pseudonyms *ids.Pseudonymizer
	feed       *eventstore.Subscription
}

// New builds the service and replays the whole stream into its write model.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.EmergencyAccessDuration == 0 {
		cfg.EmergencyAccessDuration = 4 * time.Hour
	}
	image := decider.NewImage(app.Model(), cfg.Logger)
	a := app.New(app.Deps{
		Store: cfg.Store, Image: image, Audit: cfg.Audit, Clock: cfg.Clock, IDs: cfg.IDs, Pseudonyms: cfg.Pseudonyms,
		Policy:      domain.Policy{EmergencyAccessDuration: cfg.EmergencyAccessDuration, Zone: cfg.Zone},
		BarrierWait: cfg.BarrierWait,
	})
	// Every subject: the care team is folded from referrals, pathways and
	// relationships, and the read barrier needs every sequence.
	feed, err := image.Run(ctx, cfg.Store, eventstore.AllFilter)
	if err != nil {
		return nil, err
	}
	return &Service{app: a, pseudonyms: cfg.Pseudonyms, feed: feed}, nil
}

// Register adds the gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	consentv1.RegisterConsentServiceServer(r, ports.NewServer(s.app, s.pseudonyms))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.Scopes() }

// Run keeps the feed going until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	s.feed.Stop()
	return nil
}
