package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Assess is a rights assessment. Exactly one of RightGranted or NoRight holds.
type Assess struct {
	By                access.Actor
	At                time.Time
	RightGranted      bool
	CareStartDeadline civil.Date
	PathwayType       eventsv1.PathwayType
	Priority          referralv1.Priority
	NoRightReason     string
	FollowUp          string
}

// DecideAssess records the outcome. Only the receiving unit assesses, only
// once, and never an emergency or internal referral; a granted right needs a
// binding care-start deadline that has not already passed.
func DecideAssess(r Referral, cmd Assess, p Policy) ([]proto.Message, error) {
	if !r.NeedsRightsAssessment() {
		return nil, errs.Precondition("emergency and internal referrals get no rights assessment")
	}
	if !r.AwaitingAssessment() {
		return nil, wrongState(r, "assess")
	}
	ev := &referralv1.ReferralAssessed{
		ReferralId:       r.ID,
		PatientId:        r.PatientID,
		ReceivingUnit:    r.Unit.Ref(),
		AssessedBy:       cmd.By.ProfessionalID,
		AssessedAt:       timestamppb.New(cmd.At),
		PatientBirthDate: r.PatientBirthDate.String(),
	}
	if cmd.RightGranted {
		if cmd.CareStartDeadline.Before(p.DateOf(cmd.At)) {
			return nil, errs.Invalid("right_granted.care_start_deadline", "must not be in the past")
		}
		ev.Outcome = &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: cmd.CareStartDeadline.String(), PathwayType: cmd.PathwayType, Priority: cmd.Priority,
		}}
	} else {
		ev.Outcome = &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{
			Reason: cmd.NoRightReason, FollowUp: cmd.FollowUp,
		}}
	}
	return []proto.Message{ev}, nil
}
