package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ForwardReferral sends a referral on to the right unit.
type ForwardReferral struct {
	Actor      domain.Actor
	RequestID  string
	ReferralID string
	To         domain.Unit
	Reason     string
}

// ForwardReferral moves the referral to another unit, keeping its receipt date.
func (a *App) ForwardReferral(ctx context.Context, in ForwardReferral) (domain.Referral, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Require(in.ReferralID, "referral_id")
	v.Unit("to_unit", in.To)
	v.Text("reason", in.Reason, true, 5000)
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.execute(ctx, in.Actor, "ForwardReferral", in.ReferralID, in.RequestID, func(r domain.Referral) ([]proto.Message, error) {
		return domain.DecideForward(r, domain.Forward{By: in.Actor, To: in.To, Reason: in.Reason, At: a.clock.Now()})
	})
}
