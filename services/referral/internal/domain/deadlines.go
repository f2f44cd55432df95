package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// DecideDeadlines reports each deadline event that is due at instant now and
// has not been reported yet. It is safe to run as often as one likes.
//
//   - The assessment is breached when its due date has passed unassessed.
//   - Care start is at risk from AtRiskWorkdays working days before the
//     deadline when no first appointment is booked by then: HELFO must be told
//     as soon as a breach is foreseeable.
//   - Care start is breached when the deadline has passed with no first
//     appointment booked on or before it.
func DecideDeadlines(r Referral, now time.Time, p Policy) []proto.Message {
	today := p.DateOf(now)
	at := timestamppb.New(now)
	var events []proto.Message
	if r.AwaitingAssessment() && !r.AssessmentDue.IsZero() && today.After(r.AssessmentDue) && !r.AssessmentDeadlineBreached {
		events = append(events, &referralv1.AssessmentDeadlineBreached{
			ReferralId: r.ID, ReceivingUnit: r.Unit.Ref(), AssessmentDue: r.AssessmentDue.String(), DetectedAt: at,
		})
	}
	if r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED || r.CareStartCovered() {
		return events
	}
	deadline := r.Assessment.CareStartDeadline
	switch {
	case today.After(deadline):
		if !r.CareStartDeadlineBreached {
			events = append(events, &referralv1.CareStartDeadlineBreached{
				ReferralId: r.ID, ReceivingUnit: r.Unit.Ref(), CareStartDeadline: deadline.String(), DetectedAt: at,
			})
		}
	case !today.Before(p.Calendar.Subtract(deadline, p.AtRiskWorkdays)):
		if !r.CareStartDeadlineAtRisk {
			events = append(events, &referralv1.CareStartDeadlineAtRisk{
				ReferralId: r.ID, ReceivingUnit: r.Unit.Ref(), CareStartDeadline: deadline.String(),
				WorkingDaysLeft: int32(p.Calendar.Between(today, deadline)), DetectedAt: at,
			})
		}
	}
	return events
}
