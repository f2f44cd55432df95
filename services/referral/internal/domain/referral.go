package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Unit is a unit: HER-id plus organisation number.
type Unit = ids.Unit

// Assessment is a recorded rights assessment.
type Assessment struct {
	RightGranted      bool
	CareStartDeadline civil.Date
	PathwayType       eventsv1.PathwayType
	Priority          referralv1.Priority
	NoRightReason     string
	FollowUp          string
	AssessedBy        string
	AssessedAt        time.Time
}

// InformationRequest is one request for missing information.
type InformationRequest struct {
	RequestedBy string
	What        string
	RequestedAt time.Time
}

// Forwarding is one move to another unit.
type Forwarding struct {
	From, To    Unit
	Reason      string
	ForwardedBy string
	ForwardedAt time.Time
}

// Referral is the referral aggregate's state.
type Referral struct {
	ID                  string
	PatientID           string
	PatientNationalID   string
	PatientBirthDate    civil.Date
	ExternalID          string
	RequestID           string
	SenderOrgNumber     string
	ReferrerHPR         string
	ReferrerOrgNumber   string
	Unit                Unit
	Reason              string
	Urgency             referralv1.Urgency
	Internal            bool
	ReceivedAt          time.Time
	AssessmentDue       civil.Date
	Status              referralv1.ReferralStatus
	Assessment          *Assessment
	InformationRequests []InformationRequest
	Forwardings         []Forwarding
	FirstAppointment    civil.Date
	WithdrawalReason    string

	AssessmentDeadlineBreached bool
	CareStartDeadlineAtRisk    bool
	CareStartDeadlineBreached  bool
}

// Exists reports whether the referral was ever received.
func (r Referral) Exists() bool {
	return r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_UNSPECIFIED
}

// NeedsRightsAssessment is false for emergency and internal referrals.
func (r Referral) NeedsRightsAssessment() bool {
	return !r.Internal && r.Urgency != referralv1.Urgency_URGENCY_EMERGENCY
}

// AwaitingAssessment reports whether the referral is open and not yet assessed.
func (r Referral) AwaitingAssessment() bool {
	switch r.Status {
	case referralv1.ReferralStatus_REFERRAL_STATUS_RECEIVED,
		referralv1.ReferralStatus_REFERRAL_STATUS_INFORMATION_REQUESTED,
		referralv1.ReferralStatus_REFERRAL_STATUS_FORWARDED:
		return true
	}
	return false
}

// Closed reports whether nothing more happens to the referral at its unit.
func (r Referral) Closed() bool {
	switch r.Status {
	case referralv1.ReferralStatus_REFERRAL_STATUS_NO_RIGHT, referralv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN:
		return true
	}
	return false
}

// HeldBy reports whether the organisation holds or held this referral record:
// the receiving unit keeps access to its own record after it is forwarded,
// and the sender to the referral it wrote.
func (r Referral) HeldBy(org string) bool {
	if org == "" {
		return false
	}
	if r.Unit.OrgNumber == org || r.SenderOrgNumber == org {
		return true
	}
	for _, f := range r.Forwardings {
		if f.From.OrgNumber == org {
			return true
		}
	}
	return false
}

// SentBy reports whether the organisation submitted the referral.
func (r Referral) SentBy(org string) bool { return org != "" && r.SenderOrgNumber == org }

// ReceivedBy reports whether the organisation is the current receiving unit's.
func (r Referral) ReceivedBy(org string) bool { return org != "" && r.Unit.OrgNumber == org }

// CareStartCovered reports whether a first appointment is booked on or before
// the care-start deadline, which is what keeps the deadline from being breached.
func (r Referral) CareStartCovered() bool {
	if r.Assessment == nil || !r.Assessment.RightGranted || r.FirstAppointment.IsZero() {
		return false
	}
	return !r.FirstAppointment.After(r.Assessment.CareStartDeadline)
}
