package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// RequestInformation asks the referrer for what is missing.
type RequestInformation struct {
	Actor      domain.Actor
	RequestID  string
	ReferralID string
	What       string
}

// RequestInformation records a request for more information.
func (a *App) RequestInformation(ctx context.Context, in RequestInformation) (domain.Referral, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Require(in.ReferralID, "referral_id")
	v.Text("what", in.What, true, 5000)
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.execute(ctx, in.Actor, "RequestInformation", in.ReferralID, in.RequestID, func(r domain.Referral) ([]proto.Message, error) {
		return domain.DecideRequestInformation(r, domain.RequestInformation{By: in.Actor, What: in.What, At: a.clock.Now()})
	})
}
