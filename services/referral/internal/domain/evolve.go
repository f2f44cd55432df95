package domain

import (
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/fold"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Initial is the state of a referral with no events.
func Initial(id string) Referral { return Referral{ID: id} }

// Evolve applies one event. It copies what it changes so earlier states held
// by readers never move under them.
func Evolve(r Referral, event proto.Message, _ *eventsv1.Commit) Referral {
	switch e := event.(type) {
	case *referralv1.ReferralReceived:
		r = Referral{
			ID:                e.GetReferralId(),
			PatientID:         e.GetPatientId(),
			PatientNationalID: e.GetPatientNationalId(),
			PatientBirthDate:  fold.Date(e.GetPatientBirthDate()),
			ExternalID:        e.GetExternalId(),
			RequestID:         e.GetRequestId(),
			SenderOrgNumber:   e.GetSenderOrgNumber(),
			ReferrerHPR:       e.GetReferrerHpr(),
			ReferrerOrgNumber: e.GetReferrerOrgNumber(),
			Unit:              ids.UnitFromRef(e.GetReceivingUnit()),
			Reason:            e.GetReason(),
			Urgency:           e.GetUrgency(),
			Internal:          e.GetInternal(),
			ReceivedAt:        e.GetReceivedAt().AsTime(),
			AssessmentDue:     fold.Date(e.GetAssessmentDue()),
			Status:            referralv1.ReferralStatus_REFERRAL_STATUS_RECEIVED,
		}
	case *referralv1.InformationRequested:
		r.Status = referralv1.ReferralStatus_REFERRAL_STATUS_INFORMATION_REQUESTED
		r.InformationRequests = append(slices.Clip(r.InformationRequests), InformationRequest{
			RequestedBy: e.GetRequestedBy(), What: e.GetWhat(), RequestedAt: e.GetRequestedAt().AsTime(),
		})
	case *referralv1.ReferralAssessed:
		a := &Assessment{AssessedBy: e.GetAssessedBy(), AssessedAt: e.GetAssessedAt().AsTime()}
		if g := e.GetRightGranted(); g != nil {
			a.RightGranted = true
			a.CareStartDeadline = fold.Date(g.GetCareStartDeadline())
			a.PathwayType = g.GetPathwayType()
			a.Priority = g.GetPriority()
			r.Status = referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED
		} else {
			a.NoRightReason = e.GetNoRight().GetReason()
			a.FollowUp = e.GetNoRight().GetFollowUp()
			r.Status = referralv1.ReferralStatus_REFERRAL_STATUS_NO_RIGHT
		}
		r.Assessment = a
	case *referralv1.ReferralForwarded:
		r.Forwardings = append(slices.Clip(r.Forwardings), Forwarding{
			From: ids.UnitFromRef(e.GetFromUnit()), To: ids.UnitFromRef(e.GetToUnit()), Reason: e.GetReason(),
			ForwardedBy: e.GetForwardedBy(), ForwardedAt: e.GetForwardedAt().AsTime(),
		})
		r.Unit = ids.UnitFromRef(e.GetToUnit())
		r.Status = referralv1.ReferralStatus_REFERRAL_STATUS_FORWARDED
	case *referralv1.ReferralWithdrawn:
		r.Status = referralv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN
		r.WithdrawalReason = e.GetReason()
	case *referralv1.FirstAppointmentScheduled:
		r.FirstAppointment = fold.Date(e.GetAppointmentDate())
	case *referralv1.AssessmentDeadlineBreached:
		r.AssessmentDeadlineBreached = true
	case *referralv1.CareStartDeadlineAtRisk:
		r.CareStartDeadlineAtRisk = true
	case *referralv1.CareStartDeadlineBreached:
		r.CareStartDeadlineBreached = true
	}
	return r
}
