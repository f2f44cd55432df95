package app

import (
	"context"
	"time"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
)

// ListStalledPathways lists pathways whose milestone targets have passed:
// de-identified counts and ages per unit and milestone for ops, the
// pathways of patients the caller may see for everyone else.
func (a *App) ListStalledPathways(ctx context.Context, c Caller, unit domain.Unit) (*handoffsv1.ListStalledPathwaysResponse, error) {
	s, err := a.scope(c)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	validUnitFilter(&v, "unit", unit)
	if err := v.Err(); err != nil {
		return nil, err
	}
	s.Unit = unit
	a.fresh(ctx)
	today := domain.Day(a.clock.Now().In(a.zone).Format(time.DateOnly))
	var stalled []*handoffsv1.StalledPathway
	a.proj.Read(func(v *domain.View) { stalled = v.StalledPathways(s, today) })
	if c.ops() {
		return &handoffsv1.ListStalledPathwaysResponse{Counts: domain.CountStalled(stalled)}, nil
	}
	shown, err := permittedItems(ctx, a, c, "ListStalledPathways", stalled, func(p *handoffsv1.StalledPathway) (string, consentv1.Category) {
		return p.GetPatientId(), consentv1.Category_CATEGORY_PATHWAY
	})
	if err != nil {
		return nil, err
	}
	return &handoffsv1.ListStalledPathwaysResponse{Pathways: shown}, nil
}
