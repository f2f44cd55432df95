package app

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// watcherActor is who appends MilestoneOverdue: the service itself.
func watcherActor() access.Actor {
	return access.Actor{Service: "pathway-milestone-watcher", Role: access.RoleService}
}

// CheckDeadlines appends MilestoneOverdue for every target that has passed
// unreached by the clock's now, and reports how many pathways got one.
// Running it again is harmless: each target is reported once.
func (a *App) CheckDeadlines(ctx context.Context) (int, error) {
	now := a.clock.Now()
	return a.runtime.Sweep(ctx,
		func(s decider.Snapshot[domain.Pathway]) decider.Meta {
			return decider.Meta{Actor: watcherActor().Proto(), PatientID: s.State.PatientID}
		},
		func(p domain.Pathway) ([]proto.Message, error) { return domain.DecideDeadlines(p, now, a.policy), nil })
}

// WatchDeadlines checks targets every interval until ctx ends.
func (a *App) WatchDeadlines(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	decider.Every(ctx, interval, logger, "milestone check incomplete", func(ctx context.Context) error {
		_, err := a.CheckDeadlines(ctx)
		return err
	})
}
