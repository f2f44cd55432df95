package decider

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Sweep executes decide on every aggregate in the image for which it decides
// something now — deadline events that have fallen due, say — and reports
// how many aggregates got a commit. decide must be pure: it runs once on the
// image to find the aggregates and again inside Execute. meta is asked for
// each aggregate's commit metadata just before it is executed. One failing
// aggregate does not stop the others; the failures are joined.
func (r *Runtime[S]) Sweep(ctx context.Context, meta func(Snapshot[S]) Meta, decide Decide[S]) (int, error) {
	var due []string
	r.image.Range(func(s Snapshot[S]) bool {
		if events, err := decide(s.State); err != nil || len(events) > 0 {
			due = append(due, s.ID)
		}
		return true
	})
	changed := 0
	var failed []error
	for _, id := range due {
		res, err := r.Execute(ctx, id, meta(r.image.Get(id)), decide)
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

// Every runs run at once and then every interval until ctx ends. A failed
// run is logged as failure and retried on the next tick; failures caused by
// ctx ending are not logged.
func Every(ctx context.Context, interval time.Duration, logger *slog.Logger, failure string, run func(context.Context) error) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := run(ctx); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, failure, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
