package suite

import (
	"context"

	"github.com/stafett/stafett/services/handoffs"
)

func buildHandoffs(ctx context.Context, s *Suite, d deps) (service, error) {
	svc, err := handoffs.New(ctx, handoffs.Config{
		Store: d.store, JetStream: d.js, Replicas: d.replicas, Guard: d.guard, Clock: d.clock, Pseudonyms: d.pseudonyms,
		Zone: d.zone, Logger: d.logger.With("service", "handoffs"), WatchRecheck: d.watchRecheck,
	})
	if err != nil {
		return nil, err
	}
	s.Handoffs = svc
	return svc, nil
}
