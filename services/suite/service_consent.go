package suite

import (
	"context"

	"github.com/stafett/stafett/services/consent"
)

func buildConsent(ctx context.Context, s *Suite, d deps) (service, error) {
	svc, err := consent.New(ctx, consent.Config{
		Store: d.store, Audit: d.audit, Clock: d.clock, IDs: d.ids, Pseudonyms: d.pseudonyms, Zone: d.zone,
		Logger: d.logger.With("service", "consent"),
	})
	if err != nil {
		return nil, err
	}
	s.Consent = svc
	return svc, nil
}
