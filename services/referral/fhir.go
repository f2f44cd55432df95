package referral

import (
	"context"

	"github.com/stafett/stafett/pkg/fhirr4"
	fhirport "github.com/stafett/stafett/services/referral/internal/ports/fhir"
)

// FHIR is the referral service's part of the FHIR R4 API mounted at base
// ("/fhir/R4"): ServiceRequest (create, read), Task (read, search) and the
// referral transaction.
func (s *Service) FHIR(codec *fhirr4.Codec, base string) fhirr4.Edge {
	e := fhirport.New(s.tasks, codec, s.pseudonyms, base, s.zone)
	tx, scope := e.Transaction()
	return fhirr4.Edge{Resources: e.Resources(), Transaction: tx, TransactionScope: scope}
}

// WaitTaskView blocks until the Tasks hold every referral and pathway commit
// up to stream sequence seq: read views may lag, and a test or a readiness
// probe waits for them instead of sleeping.
func (s *Service) WaitTaskView(ctx context.Context, seq uint64) error {
	return s.view.WaitApplied(ctx, seq)
}
