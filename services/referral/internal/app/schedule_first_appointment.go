package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ScheduleFirstAppointment books the first appointment.
type ScheduleFirstAppointment struct {
	Actor           domain.Actor
	RequestID       string
	ReferralID      string
	AppointmentDate string
}

// ScheduleFirstAppointment records the booked date.
func (a *App) ScheduleFirstAppointment(ctx context.Context, in ScheduleFirstAppointment) (domain.Referral, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	v.Require(in.ReferralID, "referral_id")
	date, err := civil.Parse(in.AppointmentDate)
	if err != nil {
		v.Add("appointment_date", "must be a real date as YYYY-MM-DD")
	}
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.execute(ctx, in.Actor, "ScheduleFirstAppointment", in.ReferralID, in.RequestID, func(r domain.Referral) ([]proto.Message, error) {
		return domain.DecideSchedule(r, domain.Schedule{By: in.Actor, Date: date, At: a.clock.Now()}, a.policy)
	})
}
