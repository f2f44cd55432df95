package app

import (
	"context"

	"github.com/stafett/stafett/services/referral/internal/domain"
)

// UnitAccess is the interim read rule until the consent service decides:
// personnel of the organisation that holds or held the referral may read it.
type UnitAccess struct{}

// CanRead reports whether the actor's organisation holds or held the referral.
func (UnitAccess) CanRead(_ context.Context, actor domain.Actor, r domain.Referral) (bool, error) {
	return r.HeldBy(actor.OrgNumber), nil
}
