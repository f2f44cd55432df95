package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// AppointCoordinator sets the plan's coordinator.
type AppointCoordinator struct {
	PlanID          string
	ProfessionalID  string
	ChosenByPatient bool
	// CoordinatorMayRead is whether the coordinator has a basis to see the
	// plan (care team or consent); the application asks the consent service.
	CoordinatorMayRead bool
	By                 access.Actor
	At                 time.Time
}

// DecideAppointCoordinator appoints the coordinator the patient chose
// (§2-5b). The coordinator works from the plan, so they must be allowed to see it.
func DecideAppointCoordinator(p Patient, cmd AppointCoordinator) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if err := patientChoice(cmd.By, p.PatientID, cmd.ChosenByPatient, "the coordinator"); err != nil {
		return nil, err
	}
	if plan.CoordinatorID == cmd.ProfessionalID {
		return nil, errs.Precondition("the professional is already the plan's coordinator")
	}
	if !cmd.CoordinatorMayRead {
		return nil, condition(ReasonPlanAccess,
			"the coordinator may not see the plan: they need to be health personnel in the patient's care team or have the patient's consent for CATEGORY_PLAN",
			map[string]string{"professional_id": cmd.ProfessionalID, "category": "CATEGORY_PLAN"})
	}
	return []proto.Message{&continuityv1.CoordinatorAppointed{
		PlanId: plan.ID, PatientId: p.PatientID, ProfessionalId: cmd.ProfessionalID,
		ChosenByPatient: true, RecordedBy: recordedBy(cmd.By), AppointedAt: stamp(cmd.At),
	}}, nil
}
