package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// AddMember is a new planning-group member as a caller submits it.
type AddMember struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	ProfessionalID  string
	Role            continuityv1.Role
	ChosenByPatient bool
}

// AddMember adds a member and returns the consent that lets them see the
// plan. Only a consent counts: being in the care team lets health personnel
// share what care needs (§25), but membership of the planning group is the
// patient's choice, so it rests on the patient's consent for the plan.
func (a *App) AddMember(ctx context.Context, in AddMember) (string, error) {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	validateProfessional(&v, "professional_id", in.ProfessionalID, true)
	v.Check(enumOK(in.Role, continuityv1.Role_name), "role", "must be a known ROLE_ value")
	if err := v.Err(); err != nil {
		return "", err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return "", err
	}
	d, ok, err := a.mayRead(ctx, in.ProfessionalID, patientID, consentv1.Category_CATEGORY_PLAN)
	if err != nil {
		return "", err
	}
	var consentID string
	if ok && d.Basis == consentv1.Basis_BASIS_CONSENT {
		consentID = d.ConsentID
	}
	cmd := domain.AddMember{
		PlanID: in.PlanID, ProfessionalID: in.ProfessionalID, Role: in.Role, ChosenByPatient: in.ChosenByPatient,
		ConsentID: consentID, By: domainActor(in.Caller), At: a.clock.Now(),
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideAddMember(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}
