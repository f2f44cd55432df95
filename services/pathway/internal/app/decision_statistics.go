package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// DecisionStatistics is how a unit's treatment plans were decided and how
// its evaluations involved the patient. It counts, it names no one.
type DecisionStatistics struct {
	Unit                domain.Unit
	TreatmentPlans      int
	ByMode              map[pathwayv1.DecisionMode]int
	Evaluations         int
	EvaluationsTookPart int
	EvaluationsWithTool int
	Patients            int
	Suppressed          bool
}

// SharedShare is the share of plans decided shared or client-led.
func (s DecisionStatistics) SharedShare() float64 {
	if s.TreatmentPlans == 0 {
		return 0
	}
	shared := s.ByMode[pathwayv1.DecisionMode_DECISION_MODE_SHARED] + s.ByMode[pathwayv1.DecisionMode_DECISION_MODE_CLIENT_LED]
	return float64(shared) / float64(s.TreatmentPlans)
}

// minPatientsForOps is the smallest group ops may see counts for.
const minPatientsForOps = 5

// GetDecisionStatistics counts the decisions recorded on the unit's
// pathways. The unit's own personnel see their counts; ops roles see every
// unit's, suppressed when fewer than 5 patients are behind them so that no
// one can be singled out (domain.AuthorizeStatistics). It counts over the
// unit's organisation's pathways only, never over every pathway there is.
func (a *App) GetDecisionStatistics(_ context.Context, actor access.Actor, unit domain.Unit) (DecisionStatistics, error) {
	var v errs.Validation
	v.Unit("unit", unit)
	if err := v.Err(); err != nil {
		return DecisionStatistics{}, err
	}
	if err := domain.AuthorizeStatistics(actor, unit); err != nil {
		return DecisionStatistics{}, err
	}
	st := DecisionStatistics{Unit: unit, ByMode: map[pathwayv1.DecisionMode]int{}}
	patients := map[string]struct{}{}
	for _, id := range a.visible.ofOrg(unit.OrgNumber) {
		p := a.image.Get(id).State
		if p.Unit != unit {
			continue
		}
		if len(p.Plans) > 0 || len(p.Evaluations) > 0 {
			patients[p.PatientID] = struct{}{}
		}
		for _, plan := range p.Plans {
			st.TreatmentPlans++
			st.ByMode[plan.GetDecisionMode()]++
		}
		for _, e := range p.Evaluations {
			st.Evaluations++
			if e.GetPatientTookPart() {
				st.EvaluationsTookPart++
			}
			if e.GetFeedbackToolUsed() {
				st.EvaluationsWithTool++
			}
		}
	}
	st.Patients = len(patients)
	if actor.Role == access.RoleOps && st.Patients < minPatientsForOps {
		return DecisionStatistics{Unit: unit, Suppressed: true}, nil
	}
	return st, nil
}
