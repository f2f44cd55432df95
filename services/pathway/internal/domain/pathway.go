package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Unit is a unit: HER-id plus organisation number.
type Unit = ids.Unit

// MilestoneState is one milestone's target and when it was reached.
type MilestoneState struct {
	Target civil.Date
	Actual civil.Date
	// Reported is the target a MilestoneOverdue was appended for, so each
	// missed target is reported once; a new target (the next evaluation)
	// can be reported again.
	Reported civil.Date
}

// Overdue reports whether the target passed unreached and was reported.
func (m MilestoneState) Overdue() bool { return !m.Reported.IsZero() && m.Reported == m.Target }

// Decision is one recorded clinical decision.
type Decision struct {
	Code       pathwayv1.ClinicalDecision
	Stage      pathwayv1.ClinicalDecisionStage
	DecidedOn  civil.Date
	RecordedBy string
}

// Pathway is the pathway aggregate's state. Plans, evaluations and
// postponements are kept as the event's own messages, which are never
// modified after they were decided.
type Pathway struct {
	ID                string
	ReferralID        string
	PatientID         string
	Type              eventsv1.PathwayType
	Status            pathwayv1.PathwayStatus
	Unit              Unit
	Coordinator       string
	StartedOn         civil.Date
	StartedAt         time.Time
	BirthDate         civil.Date
	CareStartDeadline civil.Date
	// Milestones by kind; copied before every change.
	Milestones    map[pathwayv1.Milestone]MilestoneState
	PreviousID    string
	NextID        string
	NextUnit      Unit
	FirstAttended civil.Date
	Decisions     []Decision
	Plans         []*pathwayv1.TreatmentPlan
	Evaluations   []*pathwayv1.Evaluation
	// LastEvaluated is the date of the latest evaluation: the evaluation
	// milestone recurs, so its own state only holds the next one's target.
	LastEvaluated civil.Date
	Postponements []*pathwayv1.Postponement
	// TimingFlagged is set by a patient postponement of more than 7 working
	// days: the targets stay, the flag explains a missed one.
	TimingFlagged         bool
	MedicationFreeGranted bool
}

// Exists reports whether the pathway was ever started.
func (p Pathway) Exists() bool { return p.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_UNSPECIFIED }

// Active reports whether the pathway runs at its unit.
func (p Pathway) Active() bool { return p.Status == pathwayv1.PathwayStatus_PATHWAY_STATUS_ACTIVE }

// ActedOnBy reports whether the actor works on the pathway: personnel of its
// unit (by organisation number) or its pathway coordinator.
func (p Pathway) ActedOnBy(a access.Actor) bool {
	if a.OrgNumber != "" && a.OrgNumber == p.Unit.OrgNumber {
		return true
	}
	return p.Coordinator != "" && a.ProfessionalID == p.Coordinator
}

// MilestoneStatus is one milestone as the pathway presents it.
type MilestoneStatus struct {
	Milestone pathwayv1.Milestone
	Target    civil.Date
	Actual    civil.Date
	Overdue   bool
}

// MilestoneStatuses lists the milestones that have a target or were reached,
// in pathway order. The evaluation recurs: its target is the next one due and
// its actual date the latest evaluation.
func (p Pathway) MilestoneStatuses() []MilestoneStatus {
	var out []MilestoneStatus
	for _, m := range milestoneOrder() {
		s, ok := p.Milestones[m]
		actual := s.Actual
		if m == pathwayv1.Milestone_MILESTONE_EVALUATION && !p.LastEvaluated.IsZero() {
			actual, ok = p.LastEvaluated, true
		}
		if !ok {
			continue
		}
		out = append(out, MilestoneStatus{Milestone: m, Target: s.Target, Actual: actual, Overdue: s.Overdue()})
	}
	return out
}

// Milestone returns the state of one milestone.
func (p Pathway) Milestone(m pathwayv1.Milestone) MilestoneState { return p.Milestones[m] }

// PathwayIDForReferral is the id of the pathway a granted referral starts.
// It is derived, not generated, so that a redelivered or replayed
// ReferralAssessed finds the pathway it already started: together with the
// append that expects the subject to be empty, this is what makes the
// process manager start exactly one pathway per referral.
func PathwayIDForReferral(referralID string) string { return "pw-" + referralID }
