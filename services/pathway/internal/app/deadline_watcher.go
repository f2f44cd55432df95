package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// watcherActor is who appends MilestoneOverdue: the service itself.
func watcherActor() domain.Actor {
	return domain.Actor{Service: "pathway-milestone-watcher", Role: "service"}
}

// CheckDeadlines appends MilestoneOverdue for every target that has passed
// unreached by the clock's now, and reports how many pathways got one.
// Running it again is harmless: each target is reported once.
func (a *App) CheckDeadlines(ctx context.Context) (int, error) {
	now := a.clock.Now()
	var due []string
	a.image.Range(func(s decider.Snapshot[domain.Pathway]) bool {
		if len(domain.DecideDeadlines(s.State, now, a.policy)) > 0 {
			due = append(due, s.ID)
		}
		return true
	})
	changed := 0
	var failed []error
	for _, id := range due {
		res, err := a.runtime.Execute(ctx, id, a.meta(watcherActor(), "", a.image.Get(id).State.PatientID),
			func(p domain.Pathway) ([]proto.Message, error) { return domain.DecideDeadlines(p, now, a.policy), nil })
		if err != nil {
			failed = append(failed, err)
			continue
		}
		if res.Appended {
			changed++
		}
	}
	return changed, errors.Join(failed...)
}

// WatchDeadlines checks targets every interval until ctx ends.
func (a *App) WatchDeadlines(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := a.CheckDeadlines(ctx); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "milestone check incomplete", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
