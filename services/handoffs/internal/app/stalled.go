package app

import (
	"context"
	"time"

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
	s.Unit = unit
	a.fresh(ctx)
	today := domain.Day(a.clock.Now().In(a.zone).Format(time.DateOnly))
	var stalled []*handoffsv1.StalledPathway
	a.proj.Read(func(v *domain.View) { stalled = v.StalledPathways(s, today) })
	if c.ops() {
		return &handoffsv1.ListStalledPathwaysResponse{Counts: domain.CountStalled(stalled)}, nil
	}
	resp := &handoffsv1.ListStalledPathwaysResponse{}
	allow := a.allower(c, "ListStalledPathways")
	for _, sp := range stalled {
		ok, err := allow(ctx, sp.GetPatientId(), consentv1.Category_CATEGORY_PATHWAY)
		if err != nil {
			return nil, err
		}
		if ok {
			resp.Pathways = append(resp.Pathways, sp)
		}
	}
	return resp, nil
}
