package suite

import (
	"context"

	"github.com/stafett/stafett/services/referral"
)

func buildReferral(ctx context.Context, s *Suite, d deps) (service, error) {
	svc, err := referral.New(ctx, referral.Config{
		Store: d.store, Guard: d.guard, Clock: d.clock, IDs: d.ids, Pseudonyms: d.pseudonyms, Zone: d.zone,
		Logger: d.logger.With("service", "referral"), DeadlineInterval: d.deadlineInterval,
	})
	if err != nil {
		return nil, err
	}
	s.Referral = svc
	return svc, nil
}
