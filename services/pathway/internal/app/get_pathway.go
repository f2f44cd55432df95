package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// GetPathway returns one pathway if the consent service lets the actor read
// the patient's pathway data; the read is logged before it is returned.
// Pathway ids are derived from referral ids, so an absent one is as easy to
// name as one the actor may not see: both do the same work (one image read,
// one access check, no log) and give the same NotFound.
func (a *App) GetPathway(ctx context.Context, actor access.Actor, pathwayID string) (domain.Pathway, error) {
	var v errs.Validation
	v.ID("pathway_id", pathwayID)
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.pathways.Get(ctx, actor, pathwayID, read("GetPathway"))
}
