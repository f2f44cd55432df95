package app

import (
	"context"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/decider"
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
// one can be singled out. Anyone else is refused.
func (a *App) GetDecisionStatistics(_ context.Context, c Caller, unit domain.Unit) (DecisionStatistics, error) {
	var v errs.Validation
	v.Unit("unit", unit)
	if err := v.Err(); err != nil {
		return DecisionStatistics{}, err
	}
	ops := c.Access.Role == authn.RoleOps
	if !ops && c.Actor.OrgNumber != unit.OrgNumber {
		return DecisionStatistics{}, errs.Permission("statistics are for the unit's own personnel and ops roles")
	}
	st := DecisionStatistics{Unit: unit, ByMode: map[pathwayv1.DecisionMode]int{}}
	patients := map[string]struct{}{}
	a.image.Range(func(s decider.Snapshot[domain.Pathway]) bool {
		p := s.State
		if p.Unit != unit {
			return true
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
		return true
	})
	st.Patients = len(patients)
	if ops && st.Patients < minPatientsForOps {
		return DecisionStatistics{Unit: unit, Suppressed: true}, nil
	}
	return st, nil
}
