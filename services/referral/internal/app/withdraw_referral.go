package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// WithdrawReferral takes a referral back.
type WithdrawReferral struct {
	Actor      domain.Actor
	RequestID  string
	ReferralID string
	Reason     string
}

// WithdrawReferral withdraws an open referral.
func (a *App) WithdrawReferral(ctx context.Context, in WithdrawReferral) (domain.Referral, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Require(in.ReferralID, "referral_id")
	v.Text("reason", in.Reason, true, 5000)
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.execute(ctx, in.Actor, "WithdrawReferral", in.ReferralID, in.RequestID, func(r domain.Referral) ([]proto.Message, error) {
		return domain.DecideWithdraw(r, domain.Withdraw{By: in.Actor, Reason: in.Reason, At: a.clock.Now()})
	})
}
