package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Forward sends the referral to the unit that should have it.
type Forward struct {
	By     access.Actor
	To     Unit
	Reason string
	At     time.Time
}

// DecideForward moves an unassessed referral to another unit. The receipt date
// and so the assessment due date stay as they were: the patient does not lose
// time because the referral went to the wrong place.
func DecideForward(r Referral, cmd Forward) ([]proto.Message, error) {
	if !r.AwaitingAssessment() {
		return nil, wrongState(r, "forward")
	}
	if cmd.To == r.Unit {
		return nil, errs.Invalid("to_unit", "is already the receiving unit")
	}
	return []proto.Message{&referralv1.ReferralForwarded{
		ReferralId: r.ID, FromUnit: r.Unit.Ref(), ToUnit: cmd.To.Ref(), Reason: cmd.Reason,
		ForwardedBy: cmd.By.ProfessionalID, ForwardedAt: timestamppb.New(cmd.At),
	}}, nil
}
