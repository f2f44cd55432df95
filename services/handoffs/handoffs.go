// Package handoffs is the handoff views service (DESIGN §6.5): read-only, it
// folds every context's events from the shared stream into a patient's
// journey, continuity measures, the handoff graph between units and lists of
// patients left without contact or close to their deadlines. Views
// checkpoint to a JetStream KV bucket so a restart replays only the tail.
package handoffs

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs/internal/app"
	"github.com/stafett/stafett/services/handoffs/internal/ports"
)

// Config is what the service needs from its host.
type Config struct {
	Store *eventstore.Store
	// JetStream holds the checkpoint bucket; nil runs without checkpoints
	// (every start replays the whole stream).
	JetStream jetstream.JetStream
	// Bucket names the checkpoint bucket; default STAFETT_HANDOFFS_VIEWS.
	Bucket   string
	Replicas int
	// Guard asks the consent service before patient data leaves, and logs it.
	Guard      app.Guard
	Clock      clock.Clock
	Pseudonyms *ids.Pseudonymizer
	Zone       *time.Location
	Logger     *slog.Logger
	// CheckpointInterval is how often changed views are written; default 5 seconds.
	CheckpointInterval time.Duration
	// WatchRecheck is how often a journey watch asks for access again when
	// nothing new happened; default 30 seconds.
	WatchRecheck time.Duration
}

// Service is a running handoff views service.
type Service struct {
	app        *app.App
	proj       *app.Projection
	pseudonyms *ids.Pseudonymizer
	feed       *eventstore.Subscription
	interval   time.Duration
}

// New restores the views from the checkpoint, replays the stream's tail and
// returns once the views hold everything the stream held at the start.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = 5 * time.Second
	}
	if cfg.Bucket == "" {
		cfg.Bucket = app.BucketName
	}
	var kv jetstream.KeyValue
	if cfg.JetStream != nil {
		var err error
		if kv, err = app.OpenBucket(ctx, cfg.JetStream, cfg.Bucket, cfg.Replicas); err != nil {
			return nil, err
		}
	}
	proj := app.NewProjection(kv, cfg.Logger)
	if err := proj.Restore(ctx); err != nil {
		return nil, err
	}
	feed, err := proj.Feed(ctx, cfg.Store, cfg.Logger)
	if err != nil {
		return nil, err
	}
	a := app.New(app.Deps{Projection: proj, Store: cfg.Store, Guard: cfg.Guard, Clock: cfg.Clock, Zone: cfg.Zone, WatchRecheck: cfg.WatchRecheck})
	return &Service{app: a, proj: proj, pseudonyms: cfg.Pseudonyms, feed: feed, interval: cfg.CheckpointInterval}, nil
}

// Register adds the gRPC service.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	handoffsv1.RegisterHandoffServiceServer(r, ports.NewServer(s.app, s.pseudonyms))
}

// Scopes is the scope each RPC requires.
func (s *Service) Scopes() authn.Policy { return ports.Scopes() }

// Run checkpoints the views until ctx ends, then stops the feed and writes
// a last checkpoint.
func (s *Service) Run(ctx context.Context) error {
	defer s.feed.Stop()
	s.proj.RunCheckpoints(ctx, s.interval)
	return nil
}

// Applied is the last stream sequence the views hold.
func (s *Service) Applied() uint64 { return s.proj.Applied() }

// Restored is the sequence the checkpoint covered when the service started:
// what a restart did not have to replay.
func (s *Service) Restored() uint64 { return s.proj.Restored() }

// WaitApplied blocks until the views hold seq.
func (s *Service) WaitApplied(ctx context.Context, seq uint64) error {
	return s.proj.WaitApplied(ctx, seq)
}

// Checkpoint writes the changed views now and returns the sequence covered.
func (s *Service) Checkpoint(ctx context.Context) (uint64, error) { return s.proj.Checkpoint(ctx) }

// Stop ends the feed without a checkpoint, as a killed process would.
func (s *Service) Stop() { s.feed.Stop() }

// Views is every view at once; Diff names the first that differs.
type Views = app.Views

// Views renders every view as of now, for comparing a live service with a
// rebuild (Views.Diff); never served.
func (s *Service) Views(now time.Time) app.Views { return s.proj.Views(now) }
