package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// AgreeTreatmentPlan is a treatment plan agreed with the patient.
type AgreeTreatmentPlan struct {
	By                access.Actor
	OptionsOffered    []string
	ChosenOption      string
	Mode              pathwayv1.DecisionMode
	RestrictionReason string
	ChosenByPatient   bool
	At                time.Time
}

// DecideAgreeTreatmentPlan records the menu, the choice and how it was
// decided. A choice outside the menu is the patient's to make: it is
// recorded and marked, never rejected. A plan follows a clinical decision;
// a later plan revises the earlier one and keeps the evaluation schedule.
func DecideAgreeTreatmentPlan(p Pathway, cmd AgreeTreatmentPlan, pol Policy) ([]proto.Message, error) {
	if err := active(p, "agree a treatment plan"); err != nil {
		return nil, err
	}
	if len(p.Decisions) == 0 {
		return nil, errs.Precondition("a treatment plan follows a clinical decision")
	}
	on := pol.DateOf(cmd.At)
	ev := &pathwayv1.TreatmentPlanAgreed{
		PathwayId: p.ID,
		Plan: &pathwayv1.TreatmentPlan{
			OptionsOffered:    slices.Clone(cmd.OptionsOffered),
			ChosenOption:      cmd.ChosenOption,
			ChosenOutsideMenu: cmd.ChosenOption != "" && !slices.Contains(cmd.OptionsOffered, cmd.ChosenOption),
			DecisionMode:      cmd.Mode,
			RestrictionReason: cmd.RestrictionReason,
			ChosenByPatient:   cmd.ChosenByPatient,
			AgreedBy:          cmd.By.ProfessionalID,
			AgreedAt:          timestamppb.New(cmd.At),
			AgreedOn:          on.String(),
		},
	}
	if p.Milestone(pathwayv1.Milestone_MILESTONE_EVALUATION).Target.IsZero() {
		ev.Targets = targets(pol.target(pathwayv1.Milestone_MILESTONE_EVALUATION, on, pol.TargetsFor(p.Type).FirstEvaluation))
	}
	return []proto.Message{ev}, nil
}
