package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// AssessReferral is a rights assessment as the assessor submits it.
type AssessReferral struct {
	Actor      domain.Actor
	RequestID  string
	ReferralID string
	// Exactly one of RightGranted and NoRight is set.
	RightGranted *RightGranted
	NoRight      *NoRight
}

// RightGranted is the "right to necessary health care" outcome.
type RightGranted struct {
	CareStartDeadline string
	PathwayType       eventsv1.PathwayType
	Priority          referralv1.Priority
}

// NoRight is the "no right" outcome.
type NoRight struct {
	Reason   string
	FollowUp string
}

// AssessReferral records the outcome of the rights assessment.
func (a *App) AssessReferral(ctx context.Context, in AssessReferral) (domain.Referral, error) {
	cmd := domain.Assess{By: in.Actor}
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Require(in.ReferralID, "referral_id")
	switch {
	case in.RightGranted != nil:
		cmd.RightGranted = true
		d, err := civil.Parse(in.RightGranted.CareStartDeadline)
		if err != nil {
			v.Add("right_granted.care_start_deadline", "must be a real date as YYYY-MM-DD")
		}
		cmd.CareStartDeadline = d
		switch in.RightGranted.PathwayType {
		case eventsv1.PathwayType_PATHWAY_TYPE_D11, eventsv1.PathwayType_PATHWAY_TYPE_D12, eventsv1.PathwayType_PATHWAY_TYPE_D01:
			cmd.PathwayType = in.RightGranted.PathwayType
		default:
			v.Add("right_granted.pathway_type", "must be PATHWAY_TYPE_D11, PATHWAY_TYPE_D12 or PATHWAY_TYPE_D01")
		}
		if _, ok := referralv1.Priority_name[int32(in.RightGranted.Priority)]; !ok {
			v.Add("right_granted.priority", "is not a known priority")
		}
		cmd.Priority = in.RightGranted.Priority
	case in.NoRight != nil:
		v.Text("no_right.reason", in.NoRight.Reason, true, 5000)
		v.Text("no_right.follow_up", in.NoRight.FollowUp, true, 5000)
		cmd.NoRightReason, cmd.FollowUp = in.NoRight.Reason, in.NoRight.FollowUp
	default:
		v.Add("outcome", "one of right_granted or no_right is required")
	}
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.execute(ctx, in.Actor, "AssessReferral", in.ReferralID, in.RequestID, func(r domain.Referral) ([]proto.Message, error) {
		cmd.At = a.clock.Now()
		return domain.DecideAssess(r, cmd, a.policy)
	})
}
