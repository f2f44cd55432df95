package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

func operation(rpc string) string {
	return "/" + continuityv1.ContinuityService_ServiceDesc.ServiceName + "/" + rpc
}

// GetCareTeam returns the patient's relationships, active and ended, once
// the read is allowed and written to the access log. A refusal is the same
// NotFound an unknown patient gets, after the same check.
func (a *App) GetCareTeam(ctx context.Context, actor access.Actor, patientID string) (domain.Patient, error) {
	var v errs.Validation
	v.ID("patient_id", patientID)
	validatePatientID(&v, patientID)
	if err := v.Err(); err != nil {
		return domain.Patient{}, err
	}
	read := access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_RELATIONSHIPS, Service: ServiceName,
		Operation: operation("GetCareTeam"), Resource: "patients/" + patientID + "/care-team",
	}
	if _, err := a.guard.Allow(ctx, actor, read, "care team"); err != nil {
		return domain.Patient{}, err
	}
	return a.image.Get(patientID).State, nil
}

// GetPlan returns the individual plan. A planning-group member reads it on
// the consent that made them a member (CATEGORY_PLAN), which reaches none of
// the patient's other data. An unknown plan costs what a plan the caller may
// not see costs: the index lookup, one access check (of the decoy patient),
// no log record, the same NOT_FOUND.
func (a *App) GetPlan(ctx context.Context, actor access.Actor, planID string) (domain.Plan, string, error) {
	var v errs.Validation
	v.ID("plan_id", planID)
	if err := v.Err(); err != nil {
		return domain.Plan{}, "", err
	}
	patientID := patientOf(planID, a.index.plan)
	read := access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_PLAN, Service: ServiceName,
		Operation: operation("GetIndividualPlan"), Resource: "plans/" + planID,
	}
	d, err := a.guard.Check(ctx, actor, read)
	if err != nil {
		return domain.Plan{}, "", err
	}
	p := a.image.Get(patientID).State
	if !d.Permit || patientID == access.Decoy || p.Plan == nil || p.Plan.ID != planID {
		return domain.Plan{}, "", errs.NotFound("individual plan")
	}
	if err := a.guard.Record(ctx, actor, read, d); err != nil {
		return domain.Plan{}, "", err
	}
	return *p.Plan, patientID, nil
}
