package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// AppointCoordinator is an appointment as a caller submits it.
type AppointCoordinator struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
}

// AppointCoordinator sets the coordinator the patient chose.
func (a *App) AppointCoordinator(ctx context.Context, in AppointCoordinator) error {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	validateProfessional(&v, "professional_id", in.ProfessionalID, true)
	if err := v.Err(); err != nil {
		return err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return err
	}
	_, mayRead, err := a.mayRead(ctx, in.ProfessionalID, patientID, consentv1.Category_CATEGORY_PLAN)
	if err != nil {
		return err
	}
	cmd := domain.AppointCoordinator{
		PlanID: in.PlanID, ProfessionalID: in.ProfessionalID, ChosenByPatient: in.ChosenByPatient,
		CoordinatorMayRead: mayRead, By: domainActor(in.Caller), At: a.clock.Now(),
	}
	_, err = a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideAppointCoordinator(p, cmd)
	})
	return err
}
