package app

import (
	"context"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// GetReferral returns one referral the actor may read. Absent and not
// allowed give the same NotFound.
func (a *App) GetReferral(ctx context.Context, actor domain.Actor, referralID string) (domain.Referral, error) {
	if referralID == "" {
		return domain.Referral{}, errs.Invalid("referral_id", "is required")
	}
	snap := a.image.Get(referralID)
	if !snap.Exists() {
		return domain.Referral{}, errs.NotFound("referral")
	}
	if err := a.reveal(ctx, actor, snap.State, "GetReferral"); err != nil {
		return domain.Referral{}, err
	}
	return snap.State, nil
}
