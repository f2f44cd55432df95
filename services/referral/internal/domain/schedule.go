package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Schedule books the first appointment.
type Schedule struct {
	By   access.Actor
	Date civil.Date
	At   time.Time
}

// DecideSchedule books the first appointment for a referral with a granted
// right, or for an emergency or internal one, which needs no assessment.
func DecideSchedule(r Referral, cmd Schedule, p Policy) ([]proto.Message, error) {
	granted := r.Status == referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED
	// An emergency or internal referral is never assessed, so it stays
	// schedulable while open: after an information request and at the unit
	// it was forwarded to, not only in RECEIVED.
	unassessedEmergency := !r.NeedsRightsAssessment() && r.AwaitingAssessment()
	if !granted && !unassessedEmergency {
		return nil, wrongState(r, "schedule a first appointment for")
	}
	if cmd.Date.Before(p.DateOf(cmd.At)) {
		return nil, errs.Invalid("appointment_date", "must not be in the past")
	}
	if cmd.Date == r.FirstAppointment {
		return nil, nil
	}
	return []proto.Message{&referralv1.FirstAppointmentScheduled{
		ReferralId: r.ID, AppointmentDate: cmd.Date.String(), ScheduledBy: cmd.By.ProfessionalID, ScheduledAt: timestamppb.New(cmd.At),
	}}, nil
}
