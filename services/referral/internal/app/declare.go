package app

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// declare states every command of the service once: what it expects, who may
// issue it, how it decides, and whether its answer is a read of patient data.
func (a *App) declare() {
	a.receive = command.On[ReceiveReferral](a.referrals, "ReceiveReferral").
		InState(command.New).
		Validate(a.validateReceive).
		IdentifiedBy(func(c ReceiveReferral) []command.Key {
			return []command.Key{{Field: "external_id", Kind: "external_id", Value: c.ExternalID}}
		}).
		Patient(a.patientOf).
		Authorize(authorizeSender).
		Act(func(r domain.Referral, c ReceiveReferral, env command.Env) ([]proto.Message, error) {
			return domain.DecideReceive(r, a.toReceive(c, env), a.policy)
		})

	a.requestInformation = command.On[RequestInformation](a.referrals, "RequestInformation").
		InState(command.Existing).
		ID("referral_id", func(c RequestInformation) string { return c.ReferralID }).
		Validate(func(c RequestInformation, v *errs.Validation) { v.Text("what", c.What, true, errs.LimitNote) }).
		Authorize(unitWork[RequestInformation]).
		Act(func(r domain.Referral, c RequestInformation, env command.Env) ([]proto.Message, error) {
			return domain.DecideRequestInformation(r, domain.RequestInformation{By: env.Actor, What: c.What, At: env.Now})
		}).
		Reveals(read("RequestInformation"))

	a.assess = command.On[AssessReferral](a.referrals, "AssessReferral").
		InState(command.Existing).
		ID("referral_id", func(c AssessReferral) string { return c.ReferralID }).
		Validate(validateAssess).
		Authorize(unitWork[AssessReferral]).
		Act(func(r domain.Referral, c AssessReferral, env command.Env) ([]proto.Message, error) {
			return domain.DecideAssess(r, c.toDomain(env), a.policy)
		}).
		Reveals(read("AssessReferral"))

	a.forward = command.On[ForwardReferral](a.referrals, "ForwardReferral").
		InState(command.Existing).
		ID("referral_id", func(c ForwardReferral) string { return c.ReferralID }).
		Validate(func(c ForwardReferral, v *errs.Validation) {
			v.Unit("to_unit", c.To)
			v.Text("reason", c.Reason, true, errs.LimitNote)
		}).
		Authorize(unitWork[ForwardReferral]).
		Act(func(r domain.Referral, c ForwardReferral, env command.Env) ([]proto.Message, error) {
			return domain.DecideForward(r, domain.Forward{By: env.Actor, To: c.To, Reason: c.Reason, At: env.Now})
		}).
		Reveals(read("ForwardReferral"))

	a.withdraw = command.On[WithdrawReferral](a.referrals, "WithdrawReferral").
		InState(command.Existing).
		ID("referral_id", func(c WithdrawReferral) string { return c.ReferralID }).
		Validate(func(c WithdrawReferral, v *errs.Validation) { v.Text("reason", c.Reason, true, errs.LimitNote) }).
		Authorize(func(r domain.Referral, actor access.Actor, _ WithdrawReferral) error {
			return domain.AuthorizeWithdraw(r, actor)
		}).
		Act(func(r domain.Referral, c WithdrawReferral, env command.Env) ([]proto.Message, error) {
			return domain.DecideWithdraw(r, domain.Withdraw{By: env.Actor, Reason: c.Reason, At: env.Now})
		}).
		Reveals(read("WithdrawReferral"))

	a.schedule = command.On[ScheduleFirstAppointment](a.referrals, "ScheduleFirstAppointment").
		InState(command.Existing).
		ID("referral_id", func(c ScheduleFirstAppointment) string { return c.ReferralID }).
		Validate(func(c ScheduleFirstAppointment, v *errs.Validation) {
			if _, err := civil.Parse(c.AppointmentDate); err != nil {
				v.Add("appointment_date", "must be a real date as YYYY-MM-DD")
			}
		}).
		Authorize(unitWork[ScheduleFirstAppointment]).
		Act(func(r domain.Referral, c ScheduleFirstAppointment, env command.Env) ([]proto.Message, error) {
			date, _ := civil.Parse(c.AppointmentDate)
			return domain.DecideSchedule(r, domain.Schedule{By: env.Actor, Date: date, At: env.Now}, a.policy)
		}).
		Reveals(read("ScheduleFirstAppointment"))
}

// unitWork lets only health personnel of the receiving unit assess, forward,
// schedule or ask for information (domain.AuthorizeUnitWork).
func unitWork[C any](r domain.Referral, actor access.Actor, _ C) error {
	return domain.AuthorizeUnitWork(r, actor)
}

// authorizeSender needs the sender's organisation: referrals are the
// sender's, and their keys are scoped to it.
func authorizeSender(_ domain.Referral, actor access.Actor, _ ReceiveReferral) error {
	return domain.AuthorizeReceive(actor)
}
