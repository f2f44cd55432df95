package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// operation names the RPC in the access log.
func operation(method string) string {
	return pathwayv1.PathwayService_ServiceDesc.ServiceName + "/" + method
}

func pathwayRead(patientID, method, resource string) access.Read {
	return access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_PATHWAY,
		Service: "pathway", Operation: operation(method), Resource: resource,
	}
}

// GetPathway returns one pathway if the consent service lets the caller
// read the patient's pathway data; the read is logged before it is
// returned. Absent and not allowed give the same NotFound.
func (a *App) GetPathway(ctx context.Context, c Caller, pathwayID string) (domain.Pathway, error) {
	if pathwayID == "" {
		return domain.Pathway{}, errs.Invalid("pathway_id", "is required")
	}
	snap := a.image.Get(pathwayID)
	if !snap.Exists() {
		return domain.Pathway{}, errs.NotFound("pathway")
	}
	if _, err := a.guard.Allow(ctx, c.Access, pathwayRead(snap.State.PatientID, "GetPathway", "pathways/"+pathwayID), "pathway"); err != nil {
		return domain.Pathway{}, err
	}
	return snap.State, nil
}
