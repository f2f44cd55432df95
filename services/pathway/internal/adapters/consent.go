// Package adapters connects the pathway application to other services.
package adapters

import (
	"context"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// LegalStatusClient asks the consent service for a patient's legal status
// over gRPC, with the suite's service identity.
type LegalStatusClient struct {
	Client consentv1.ConsentServiceClient
}

// LegalStatus turns the consent service's answer into the facts the
// medication-free rule needs. Any failure is UNAVAILABLE, never a default:
// a capacity or compulsory-care status that could not be read must not be
// taken as fine.
func (c LegalStatusClient) LegalStatus(ctx context.Context, patientID string) (domain.LegalFacts, error) {
	resp, err := c.Client.GetLegalStatus(ctx, &consentv1.GetLegalStatusRequest{PatientId: patientID})
	if err != nil {
		return domain.LegalFacts{}, errs.Unavailable("consent legal status", err)
	}
	ls := resp.GetLegalStatus()
	if ls == nil {
		return domain.LegalFacts{}, errs.Unavailable("consent legal status", errEmpty{})
	}
	facts := domain.LegalFacts{
		CompulsoryCare: ls.GetActiveCompulsoryCare() != consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_UNSPECIFIED,
	}
	if d, err := civil.Parse(ls.GetBirthDate()); err == nil {
		facts.BirthDate = d
	}
	for _, e := range ls.GetCompulsoryCare() {
		facts.CompulsoryCare = facts.CompulsoryCare || e.GetActive()
	}
	// Capacity not reported for the medication domain counts as lacking:
	// the patient decides only where the consent service says so.
	for _, cs := range ls.GetCapacity() {
		if cs.GetDomain() == consentv1.CapacityDomain_CAPACITY_DOMAIN_MEDICATION {
			facts.MedicationCapacity = cs.GetPatientDecides()
		}
	}
	return facts, nil
}

type errEmpty struct{}

func (errEmpty) Error() string { return "empty legal status" }
