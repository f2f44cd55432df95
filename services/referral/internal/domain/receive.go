package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Receive is a validated incoming referral.
type Receive struct {
	ReferralID        string
	RequestID         string
	SenderOrgNumber   string
	PatientID         string
	PatientNationalID string
	PatientBirthDate  civil.Date
	ExternalID        string
	ReferrerHPR       string
	ReferrerOrgNumber string
	Unit              Unit
	Reason            string
	Urgency           referralv1.Urgency
	Internal          bool
	ReceivedAt        time.Time
}

// DecideReceive registers a referral and fixes its assessment due date: ten
// working days, counted from the day after receipt in Oslo, skipping weekends
// and public holidays (Patient and User Rights Act §2-2). Emergency and
// internal referrals get no rights assessment and so no due date.
func DecideReceive(r Referral, cmd Receive, p Policy) ([]proto.Message, error) {
	if r.Exists() {
		return nil, errs.Precondition("referral %s already exists", cmd.ReferralID)
	}
	var due string
	if cmd.Urgency != referralv1.Urgency_URGENCY_EMERGENCY && !cmd.Internal {
		due = p.Calendar.Add(p.DateOf(cmd.ReceivedAt), p.AssessmentWorkdays).String()
	}
	return []proto.Message{&referralv1.ReferralReceived{
		ReferralId:        cmd.ReferralID,
		PatientId:         cmd.PatientID,
		PatientNationalId: cmd.PatientNationalID,
		PatientBirthDate:  cmd.PatientBirthDate.String(),
		ExternalId:        cmd.ExternalID,
		ReferrerHpr:       cmd.ReferrerHPR,
		ReferrerOrgNumber: cmd.ReferrerOrgNumber,
		ReceivingUnit:     cmd.Unit.Ref(),
		Reason:            cmd.Reason,
		Urgency:           cmd.Urgency,
		Internal:          cmd.Internal,
		ReceivedAt:        timestamppb.New(cmd.ReceivedAt),
		AssessmentDue:     due,
		SenderOrgNumber:   cmd.SenderOrgNumber,
		RequestId:         cmd.RequestID,
	}}, nil
}
