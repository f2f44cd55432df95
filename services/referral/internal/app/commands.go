package app

import (
	"context"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Result is a command's answer: the referral as the command left it.
type Result = command.Result[domain.Referral]

// ReceiveReferral is a referral as an integration engine submits it.
type ReceiveReferral struct {
	ExternalID        string
	PatientNationalID string
	ReferrerHPR       string
	ReferrerOrgNumber string
	Unit              domain.Unit
	Reason            string
	Urgency           referralv1.Urgency
	Internal          bool
	// ReceivedAt is nil when the caller left it out: then it is now.
	ReceivedAt *time.Time
}

// ReceiveReferral registers a referral, or answers the one the same sender
// already registered under the same request id or external id — as it was
// received, never as it is now.
func (a *App) ReceiveReferral(ctx context.Context, actor access.Actor, requestID string, in ReceiveReferral) (Result, error) {
	return a.receive.Handle(ctx, actor, requestID, in)
}

func (a *App) validateReceive(in ReceiveReferral, v *errs.Validation) {
	v.Text("external_id", in.ExternalID, false, errs.LimitID)
	if _, err := ids.ParseNationalID(in.PatientNationalID); err != nil {
		v.Add("patient_national_id", ids.Reason(err))
	}
	if _, err := ids.ParseHPRNumber(in.ReferrerHPR); err != nil {
		v.Add("referrer_hpr", ids.Reason(err))
	}
	if err := ids.ValidateOrgNumber(in.ReferrerOrgNumber); err != nil {
		v.Add("referrer_org_number", ids.Reason(err))
	}
	v.Unit("receiving_unit", in.Unit)
	v.Text("reason", in.Reason, true, errs.LimitNarrative)
	v.EnumSet("urgency", in.Urgency)
	if in.ReceivedAt != nil {
		v.Instant("received_at", *in.ReceivedAt)
		if in.ReceivedAt.After(a.clock.Now()) {
			v.Add("received_at", "must not be in the future")
		}
	}
}

// patientOf is the pseudonym of the referral's patient; the national id
// goes no further than the referral itself.
func (a *App) patientOf(in ReceiveReferral) string {
	nid, _ := ids.ParseNationalID(in.PatientNationalID)
	return a.pseudonyms.PatientID(nid)
}

func (a *App) toReceive(in ReceiveReferral, env command.Env) domain.Receive {
	nid, _ := ids.ParseNationalID(in.PatientNationalID)
	receivedAt := env.Now
	if in.ReceivedAt != nil {
		receivedAt = *in.ReceivedAt
	}
	return domain.Receive{
		ReferralID:        env.ID,
		SenderOrgNumber:   env.Actor.OrgNumber,
		PatientID:         a.pseudonyms.PatientID(nid),
		PatientNationalID: nid.String(),
		PatientBirthDate:  nid.BirthDate(),
		ExternalID:        in.ExternalID,
		ReferrerHPR:       in.ReferrerHPR,
		ReferrerOrgNumber: in.ReferrerOrgNumber,
		Unit:              in.Unit,
		Reason:            in.Reason,
		Urgency:           in.Urgency,
		Internal:          in.Internal,
		ReceivedAt:        receivedAt,
	}
}

// RequestInformation asks the referrer for what is missing.
type RequestInformation struct {
	ReferralID string
	What       string
}

// RequestInformation records a request for more information.
func (a *App) RequestInformation(ctx context.Context, actor access.Actor, requestID string, in RequestInformation) (Result, error) {
	return a.requestInformation.Handle(ctx, actor, requestID, in)
}

// AssessReferral is a rights assessment as the assessor submits it.
type AssessReferral struct {
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
func (a *App) AssessReferral(ctx context.Context, actor access.Actor, requestID string, in AssessReferral) (Result, error) {
	return a.assess.Handle(ctx, actor, requestID, in)
}

func validateAssess(in AssessReferral, v *errs.Validation) {
	switch {
	case in.RightGranted != nil && in.NoRight != nil:
		v.Add("outcome", "only one of right_granted or no_right may be set")
	case in.RightGranted != nil:
		if _, err := civil.Parse(in.RightGranted.CareStartDeadline); err != nil {
			v.Add("right_granted.care_start_deadline", "must be a real date as YYYY-MM-DD")
		}
		switch in.RightGranted.PathwayType {
		case eventsv1.PathwayType_PATHWAY_TYPE_D11, eventsv1.PathwayType_PATHWAY_TYPE_D12, eventsv1.PathwayType_PATHWAY_TYPE_D01:
		default:
			v.Add("right_granted.pathway_type", "must be PATHWAY_TYPE_D11, PATHWAY_TYPE_D12 or PATHWAY_TYPE_D01")
		}
		v.Enum("right_granted.priority", in.RightGranted.Priority)
	case in.NoRight != nil:
		v.Text("no_right.reason", in.NoRight.Reason, true, errs.LimitNote)
		v.Text("no_right.follow_up", in.NoRight.FollowUp, true, errs.LimitNote)
	default:
		v.Add("outcome", "one of right_granted or no_right is required")
	}
}

func (in AssessReferral) toDomain(env command.Env) domain.Assess {
	cmd := domain.Assess{By: env.Actor, At: env.Now}
	if g := in.RightGranted; g != nil {
		cmd.RightGranted = true
		cmd.CareStartDeadline, _ = civil.Parse(g.CareStartDeadline)
		cmd.PathwayType, cmd.Priority = g.PathwayType, g.Priority
	}
	if n := in.NoRight; n != nil {
		cmd.NoRightReason, cmd.FollowUp = n.Reason, n.FollowUp
	}
	return cmd
}

// ForwardReferral sends a referral on to the right unit.
type ForwardReferral struct {
	ReferralID string
	To         domain.Unit
	Reason     string
}

// ForwardReferral moves the referral to another unit, keeping its receipt date.
func (a *App) ForwardReferral(ctx context.Context, actor access.Actor, requestID string, in ForwardReferral) (Result, error) {
	return a.forward.Handle(ctx, actor, requestID, in)
}

// WithdrawReferral takes a referral back.
type WithdrawReferral struct {
	ReferralID string
	Reason     string
}

// WithdrawReferral withdraws an open referral.
func (a *App) WithdrawReferral(ctx context.Context, actor access.Actor, requestID string, in WithdrawReferral) (Result, error) {
	return a.withdraw.Handle(ctx, actor, requestID, in)
}

// ScheduleFirstAppointment books the first appointment.
type ScheduleFirstAppointment struct {
	ReferralID      string
	AppointmentDate string
}

// ScheduleFirstAppointment records the booked date.
func (a *App) ScheduleFirstAppointment(ctx context.Context, actor access.Actor, requestID string, in ScheduleFirstAppointment) (Result, error) {
	return a.schedule.Handle(ctx, actor, requestID, in)
}

// GetReferral returns one referral the actor may read. Absent and not
// allowed give the same NotFound, after the same work.
func (a *App) GetReferral(ctx context.Context, actor access.Actor, referralID string) (domain.Referral, error) {
	var v errs.Validation
	v.ID("referral_id", referralID)
	if err := v.Err(); err != nil {
		return domain.Referral{}, err
	}
	return a.referrals.Get(ctx, actor, referralID, read("GetReferral"))
}
