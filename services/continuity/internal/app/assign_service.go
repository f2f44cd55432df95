package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// AssignService is a plan service as a caller submits it.
type AssignService struct {
	Caller                    Caller
	RequestID                 string
	PlanID                    string
	ServiceID                 string
	Description               string
	ResponsibleProfessionalID string
	ResponsibleUnit           domain.Unit
	FromDate, ToDate          string
}

// AssignService adds or changes a service with who is responsible and when,
// and returns its id.
func (a *App) AssignService(ctx context.Context, in AssignService) (string, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	validateID(&v, "service_id", in.ServiceID, false)
	v.Text("description", in.Description, true, 2000)
	validateProfessional(&v, "responsible_professional_id", in.ResponsibleProfessionalID, in.ResponsibleUnit == (domain.Unit{}))
	validateUnit(&v, "responsible_unit", in.ResponsibleUnit, false)
	var from civil.Date
	if in.FromDate == "" {
		v.Add("from_date", "is required")
	} else {
		from = optionalDate(&v, "from_date", in.FromDate)
	}
	to := optionalDate(&v, "to_date", in.ToDate)
	if err := v.Err(); err != nil {
		return "", err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return "", err
	}
	cmd := domain.AssignService{
		PlanID: in.PlanID, ServiceID: in.ServiceID, NewServiceID: a.ids.New(now), Description: in.Description,
		ResponsibleProfessionalID: in.ResponsibleProfessionalID, ResponsibleUnit: in.ResponsibleUnit,
		From: from, To: to, By: domainActor(in.Caller),
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideAssignService(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}
