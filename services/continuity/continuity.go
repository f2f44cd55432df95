// Package continuity is the relationship continuity service (DESIGN §6.4):
// the people a patient depends on, how each hands the patient to the next,
// the individual plan with the coordinator and planning group the patient
// chose, and what the patient wants kept. The composition root builds it
// with New and registers it on a gRPC server.
package continuity

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/app"
	"github.com/stafett/stafett/services/continuity/internal/ports"
)

// Consent records, in the consent service, what the patient decides here:
// a withdrawn plan consent and a contact-after-end permission.
type Consent = app.Consent

// Config is what the service needs from its host.
type Config struct {
	Store      *eventstore.Store
	Guard      *access.Guard
	Consent    Consent
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	// Zone is Europe/Oslo.
	Zone   *time.Location
	Logger *slog.Logger
}

// Service is a running continuity service.
type Service struct {
	app        *app.App
	feed       *eventstore.Subscription
	pseudonyms *ids.Pseudonymizer
}

// New builds the service and replays the stream into its write model; it
// returns once the model holds every continuity commit that existed at the start.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	image := decider.NewImage(app.Model(), cfg.Logger)
	a := app.New(app.Deps{
		Store: cfg.Store, Image: image, Clock: cfg.Clock, IDs: cfg.IDs, Guard: cfg.Guard, Consent: cfg.Consent,
		Zone: cfg.Zone, Logger: cfg.Logger,
	})
	feed, err := image.Run(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	return &Service{app: a, feed: feed, pseudonyms: cfg.Pseudonyms}, nil
}

// Register adds the gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	continuityv1.RegisterContinuityServiceServer(r, ports.NewServer(s.app, s.pseudonyms))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.Scopes() }

// Run keeps the feed until ctx ends, then stops it.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	s.feed.Stop()
	return nil
}
