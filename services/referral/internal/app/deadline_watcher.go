package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// watcherActor is who appends deadline events: the service itself.
var watcherActor = domain.Actor{Service: "referral-deadline-watcher", Role: "service"}

// CheckDeadlines appends every deadline event that has fallen due by the
// clock's now, and reports how many referrals got one. Running it again is
// harmless: each event is appended once.
func (a *App) CheckDeadlines(ctx context.Context) (int, error) {
	now := a.clock.Now()
	var due []string
	a.image.Range(func(s decider.Snapshot[domain.Referral]) bool {
		if len(domain.DecideDeadlines(s.State, now, a.policy)) > 0 {
			due = append(due, s.ID)
		}
		return true
	})
	changed := 0
	var errs []error
	for _, id := range due {
		res, err := a.runtime.Execute(ctx, id, a.meta(watcherActor, "", a.image.Get(id).State.PatientID),
			func(r domain.Referral) ([]proto.Message, error) { return domain.DecideDeadlines(r, now, a.policy), nil })
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if res.Appended {
			changed++
		}
	}
	return changed, errors.Join(errs...)
}

// WatchDeadlines checks deadlines every interval until ctx ends.
func (a *App) WatchDeadlines(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := a.CheckDeadlines(ctx); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "deadline check incomplete", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
