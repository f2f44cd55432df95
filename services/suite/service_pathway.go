package suite

import (
	"context"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/pathway"
)

func buildPathway(ctx context.Context, s *Suite, d deps) (service, error) {
	svc, err := pathway.New(ctx, pathway.Config{
		Store: d.store, Guard: d.guard, Consent: consentv1.NewConsentServiceClient(d.peers),
		Clock: d.clock, IDs: d.ids, Pseudonyms: d.pseudonyms, Zone: d.zone,
		Logger: d.logger.With("service", "pathway"), DeadlineInterval: d.deadlineInterval, Targets: d.pathwayTargets,
	})
	if err != nil {
		return nil, err
	}
	s.Pathway = svc
	return svc, nil
}
