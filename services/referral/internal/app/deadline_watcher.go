package app

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// watcher is who appends deadline events: the service itself.
func watcher() access.Actor {
	return access.Actor{Service: "referral-deadline-watcher", Role: access.RoleService}
}

// CheckDeadlines appends every deadline event that has fallen due by the
// clock's now, and reports how many referrals got one. Running it again is
// harmless: each event is appended once.
func (a *App) CheckDeadlines(ctx context.Context) (int, error) {
	now := a.clock.Now()
	return a.referrals.Runtime().Sweep(ctx,
		func(s decider.Snapshot[domain.Referral]) decider.Meta {
			return decider.Meta{Actor: watcher().Proto(), PatientID: s.State.PatientID}
		},
		func(r domain.Referral) ([]proto.Message, error) { return domain.DecideDeadlines(r, now, a.policy), nil })
}

// WatchDeadlines checks deadlines every interval until ctx ends.
func (a *App) WatchDeadlines(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	decider.Every(ctx, interval, logger, "deadline check incomplete", func(ctx context.Context) error {
		_, err := a.CheckDeadlines(ctx)
		return err
	})
}
