package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// GetCareTeam returns the patient's relationships, active and ended, once
// the read is allowed and written to the access log. A refusal is the same
// NotFound an unknown patient gets.
func (a *App) GetCareTeam(ctx context.Context, c Caller, patientID string) (domain.Patient, error) {
	var v errs.Validation
	validatePatientID(&v, patientID)
	if err := v.Err(); err != nil {
		return domain.Patient{}, err
	}
	read := access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_RELATIONSHIPS, Service: ServiceName,
		Operation: "/" + continuityv1.ContinuityService_ServiceDesc.ServiceName + "/GetCareTeam", Resource: "patients/" + patientID + "/care-team",
	}
	if _, err := a.guard.Allow(ctx, c, read, "care team"); err != nil {
		return domain.Patient{}, err
	}
	return a.image.Get(patientID).State, nil
}

// GetPlan returns the individual plan. A planning-group member reads it on
// the consent that made them a member (CATEGORY_PLAN), which reaches none of
// the patient's other data.
func (a *App) GetPlan(ctx context.Context, c Caller, planID string) (domain.Plan, string, error) {
	var v errs.Validation
	validateID(&v, "plan_id", planID, true)
	if err := v.Err(); err != nil {
		return domain.Plan{}, "", err
	}
	patientID, ok := a.index.plan(planID)
	if !ok {
		return domain.Plan{}, "", errs.NotFound("individual plan")
	}
	read := access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_PLAN, Service: ServiceName,
		Operation: "/" + continuityv1.ContinuityService_ServiceDesc.ServiceName + "/GetIndividualPlan", Resource: "plans/" + planID,
	}
	if _, err := a.guard.Allow(ctx, c, read, "individual plan"); err != nil {
		return domain.Plan{}, "", err
	}
	p := a.image.Get(patientID).State
	if p.Plan == nil || p.Plan.ID != planID {
		return domain.Plan{}, "", errs.NotFound("individual plan")
	}
	return *p.Plan, patientID, nil
}
