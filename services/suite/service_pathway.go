package suite

import (
	"context"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/pathway"
)

func buildPathway(ctx context.Context, s *Suite, d deps) (service, error) {
	cfg := pathway.Config{
		Store: d.store, JetStream: d.js, Guard: d.guard, Consent: consentv1.NewConsentServiceClient(d.peers),
		Clock: d.clock, IDs: d.ids, Pseudonyms: d.pseudonyms, Zone: d.zone,
		Logger: d.logger.With("service", "pathway"), DeadlineInterval: d.deadlineInterval, Targets: d.pathwayTargets,
	}
	if d.telemetry != nil {
		cfg.Tracer, cfg.Propagator = d.telemetry.Tracer("stafett/pathway"), d.telemetry
	}
	svc, err := pathway.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.Pathway = svc
	return svc, nil
}
