package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// RemoveMember is a removal as a caller submits it.
type RemoveMember struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
}

// MemberRemoved says whether the membership's plan consent was withdrawn too.
type MemberRemoved struct {
	ConsentWithdrawn bool
	Note             string
}

// RemoveMember ends a member's participation, then withdraws the plan
// consent given for the membership in the consent service. The removal is
// the patient's decision and is recorded first, whatever happens next; if
// the consent service cannot withdraw the consent the answer says why, and
// repeating the request (same request_id) tries again.
func (a *App) RemoveMember(ctx context.Context, in RemoveMember) (MemberRemoved, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	validateProfessional(&v, "professional_id", in.ProfessionalID, true)
	if err := v.Err(); err != nil {
		return MemberRemoved{}, err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return MemberRemoved{}, err
	}
	cmd := domain.RemoveMember{
		PlanID: in.PlanID, ProfessionalID: in.ProfessionalID, ChosenByPatient: in.ChosenByPatient,
		By: domainActor(in.Caller), At: a.clock.Now(),
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideRemoveMember(p, cmd)
	})
	if err != nil {
		return MemberRemoved{}, err
	}
	consentID := resultOf(res, in.Caller, in.RequestID)
	if consentID == "" {
		return MemberRemoved{Note: "no plan consent was recorded for the membership"}, nil
	}
	if err := a.consent.WithdrawConsent(ctx, in.Caller, patientID, consentID, "continuity/"+requestKey(in.Caller, in.RequestID)); err != nil {
		a.logger.WarnContext(ctx, "could not withdraw a removed member's plan consent", "patient", patientID, "plan", in.PlanID, "error", err)
		return MemberRemoved{Note: "the plan consent could not be withdrawn: " + err.Error()}, nil
	}
	return MemberRemoved{ConsentWithdrawn: true}, nil
}
