package domain

import (
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// AssignService adds or changes a service in the plan.
type AssignService struct {
	PlanID string
	// ServiceID names an existing service; empty adds NewServiceID.
	ServiceID                 string
	NewServiceID              string
	Description               string
	ResponsibleProfessionalID string
	ResponsibleUnit           Unit
	From, To                  civil.Date
	By                        access.Actor
}

// DecideAssignService records a service with who is responsible and when.
func DecideAssignService(p Patient, cmd AssignService) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if !cmd.To.IsZero() && cmd.To.Before(cmd.From) {
		return nil, errs.Invalid("to_date", "must not be before from_date")
	}
	id := cmd.NewServiceID
	if cmd.ServiceID != "" {
		if !slices.ContainsFunc(plan.Services, func(s PlanService) bool { return s.ID == cmd.ServiceID }) {
			return nil, notFound("plan service")
		}
		id = cmd.ServiceID
	}
	return []proto.Message{&continuityv1.PlanServiceAssigned{
		PlanId: plan.ID, PatientId: p.PatientID, ServiceId: id, Description: cmd.Description,
		ResponsibleProfessionalId: cmd.ResponsibleProfessionalID, ResponsibleUnit: cmd.ResponsibleUnit.Ref(),
		FromDate: dateString(cmd.From), ToDate: dateString(cmd.To), RecordedBy: recordedBy(cmd.By),
	}}, nil
}
