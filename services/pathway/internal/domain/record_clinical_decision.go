package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// RecordClinicalDecision records a clinical decision.
type RecordClinicalDecision struct {
	By    access.Actor
	Code  pathwayv1.ClinicalDecision
	Stage pathwayv1.ClinicalDecisionStage
	At    time.Time
}

// MaxClinicalDecisions is the pakkeforløp's limit: one after the basic
// assessment and at most one more after an extended assessment.
const MaxClinicalDecisions = 2

// DecideClinicalDecision enforces the order of clinical decisions: only
// after the first attendance, the basic one first, an extended one only
// after a basic decision for extended assessment (CU), and never a third.
func DecideClinicalDecision(p Pathway, cmd RecordClinicalDecision, pol Policy) ([]proto.Message, error) {
	if err := active(p, "record a clinical decision"); err != nil {
		return nil, err
	}
	if p.FirstAttended.IsZero() {
		return nil, errs.Precondition("a clinical decision needs the first attendance recorded first")
	}
	if len(p.Decisions) >= MaxClinicalDecisions {
		return nil, errs.Precondition("a pathway has at most %d clinical decisions (basic, then extended)", MaxClinicalDecisions)
	}
	switch cmd.Stage {
	case pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC:
		if len(p.Decisions) > 0 {
			return nil, errs.Precondition("the clinical decision after the basic assessment is already recorded")
		}
	case pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED:
		if len(p.Decisions) == 0 || p.Decisions[0].Code != pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU {
			return nil, errs.Precondition("an extended clinical decision follows only a basic decision for extended assessment (CU)")
		}
		if cmd.Code == pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU {
			return nil, errs.Invalid("code", "an extended assessment cannot end in another extended assessment")
		}
	}
	on := pol.DateOf(cmd.At)
	ts := pol.TargetsFor(p.Type)
	ev := &pathwayv1.ClinicalDecisionRecorded{
		PathwayId: p.ID, Code: cmd.Code, Stage: cmd.Stage, DecidedOn: on.String(),
		RecordedBy: cmd.By.ProfessionalID, RecordedAt: timestamppb.New(cmd.At),
	}
	switch cmd.Code {
	case pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU:
		ev.Targets = targets(pol.target(pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED, on, ts.ExtendedDecision))
	case pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, pathwayv1.ClinicalDecision_CLINICAL_DECISION_CT, pathwayv1.ClinicalDecision_CLINICAL_DECISION_CS:
		ev.Targets = targets(pol.target(pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED, on, ts.TreatmentPlan))
	}
	return []proto.Message{ev}, nil
}
