package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// AddMember adds a planning-group member.
type AddMember struct {
	PlanID          string
	ProfessionalID  string
	Role            continuityv1.Role
	ChosenByPatient bool
	// ConsentID is the patient's consent to share the plan with the member,
	// as the consent service reports it; empty when there is none.
	ConsentID string
	By        access.Actor
	At        time.Time
}

// DecideAddMember adds a member the patient chose, and only with the
// patient's consent to share the plan with them: membership is what lets
// them see the plan, and the consent is what lifts confidentiality (§22).
func DecideAddMember(p Patient, cmd AddMember) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if err := patientChoice(cmd.By, p.PatientID, cmd.ChosenByPatient, "the planning group"); err != nil {
		return nil, err
	}
	if _, ok := plan.Member(cmd.ProfessionalID); ok {
		return nil, errs.Precondition("the professional is already in the planning group")
	}
	if cmd.ConsentID == "" {
		return nil, condition(ReasonShareConsent,
			"adding a planning-group member requires the patient's consent to share the individual plan (CATEGORY_PLAN) with that member",
			map[string]string{"professional_id": cmd.ProfessionalID, "category": "CATEGORY_PLAN"})
	}
	return []proto.Message{&continuityv1.PlanningGroupMemberAdded{
		PlanId: plan.ID, PatientId: p.PatientID, ProfessionalId: cmd.ProfessionalID, Role: cmd.Role,
		ChosenByPatient: true, ConsentId: cmd.ConsentID, RecordedBy: recordedBy(cmd.By), AddedAt: stamp(cmd.At),
	}}, nil
}
