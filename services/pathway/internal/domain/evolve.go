package domain

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/fold"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Initial is the state of a pathway with no events.
func Initial(id string) Pathway { return Pathway{ID: id} }

// Evolve applies one event. It copies what it changes (slices.Clip before
// append, maps.Clone before write) so earlier states held by readers never
// move under them.
func Evolve(p Pathway, event proto.Message, _ *eventsv1.Commit) Pathway {
	switch e := event.(type) {
	case *pathwayv1.PathwayStarted:
		p = Pathway{
			ID:                e.GetPathwayId(),
			ReferralID:        e.GetReferralId(),
			PatientID:         e.GetPatientId(),
			Type:              e.GetPathwayType(),
			Status:            pathwayv1.PathwayStatus_PATHWAY_STATUS_ACTIVE,
			Unit:              ids.UnitFromRef(e.GetUnit()),
			StartedOn:         fold.Date(e.GetStartedOn()),
			StartedAt:         e.GetStartedAt().AsTime(),
			BirthDate:         fold.Date(e.GetPatientBirthDate()),
			CareStartDeadline: fold.Date(e.GetCareStartDeadline()),
			PreviousID:        e.GetPreviousPathwayId(),
			FirstAttended:     fold.Date(e.GetFirstAttendedOn()),
			TimingFlagged:     e.GetTimingFlagged(),
		}
		for _, d := range e.GetPriorDecisions() {
			p.Decisions = append(p.Decisions, decisionOf(d))
		}
		p = reach(p, pathwayv1.Milestone_MILESTONE_START, p.StartedOn)
		if !p.FirstAttended.IsZero() {
			p = reach(p, pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, p.FirstAttended)
		}
		for _, d := range p.Decisions {
			p = reach(p, decisionMilestone(d.Stage), d.DecidedOn)
		}
		p = setTargets(p, e.GetTargets())
	case *pathwayv1.PathwayCoordinatorAssigned:
		p.Coordinator = e.GetProfessionalId()
		if p.Milestone(pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED).Actual.IsZero() {
			p = reach(p, pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED, fold.Date(e.GetAssignedOn()))
		}
	case *pathwayv1.FirstAttendanceRecorded:
		p.FirstAttended = fold.Date(e.GetAttendedOn())
		p = reach(p, pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, p.FirstAttended)
		p = setTargets(p, e.GetTargets())
	case *pathwayv1.ClinicalDecisionRecorded:
		d := Decision{Code: e.GetCode(), Stage: e.GetStage(), DecidedOn: fold.Date(e.GetDecidedOn()), RecordedBy: e.GetRecordedBy()}
		p.Decisions = append(slices.Clip(p.Decisions), d)
		p = reach(p, decisionMilestone(d.Stage), d.DecidedOn)
		p = setTargets(p, e.GetTargets())
	case *pathwayv1.TreatmentPlanAgreed:
		p.Plans = append(slices.Clip(p.Plans), e.GetPlan())
		if p.Milestone(pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED).Actual.IsZero() {
			p = reach(p, pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED, fold.Date(e.GetPlan().GetAgreedOn()))
		}
		p = setTargets(p, e.GetTargets())
	case *pathwayv1.EvaluationRecorded:
		p.Evaluations = append(slices.Clip(p.Evaluations), e.GetEvaluation())
		p.LastEvaluated = fold.Date(e.GetEvaluation().GetEvaluatedOn())
		// An evaluation recurs: reaching it opens the next one's target.
		m := maps.Clone(p.Milestones)
		m[pathwayv1.Milestone_MILESTONE_EVALUATION] = MilestoneState{}
		p.Milestones = m
		p = setTargets(p, e.GetTargets())
	case *pathwayv1.PatientPostponementRecorded:
		p.Postponements = append(slices.Clip(p.Postponements), e.GetPostponement())
		p.TimingFlagged = p.TimingFlagged || e.GetPostponement().GetTimingFlagged()
	case *pathwayv1.PathwayTransferred:
		p.Status = pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED
		p.NextID = e.GetNewPathwayId()
		p.NextUnit = ids.UnitFromRef(e.GetToUnit())
	case *pathwayv1.PathwayCompleted:
		p.Status = pathwayv1.PathwayStatus_PATHWAY_STATUS_COMPLETED
		p = reach(p, pathwayv1.Milestone_MILESTONE_COMPLETED, fold.Date(e.GetCompletedOn()))
	case *pathwayv1.MedicationFreeTreatmentGranted:
		p.MedicationFreeGranted = true
	case *pathwayv1.MilestoneOverdue:
		m := maps.Clone(p.Milestones)
		s := m[e.GetMilestone()]
		s.Reported = fold.Date(e.GetTargetDate())
		m[e.GetMilestone()] = s
		p.Milestones = m
	}
	return p
}

func decisionOf(d *pathwayv1.ClinicalDecisionEntry) Decision {
	return Decision{Code: d.GetCode(), Stage: d.GetStage(), DecidedOn: fold.Date(d.GetDecidedOn()), RecordedBy: d.GetRecordedBy()}
}

func decisionMilestone(s pathwayv1.ClinicalDecisionStage) pathwayv1.Milestone {
	if s == pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED {
		return pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED
	}
	return pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC
}

func reach(p Pathway, m pathwayv1.Milestone, on civil.Date) Pathway {
	ms := maps.Clone(p.Milestones)
	if ms == nil {
		ms = map[pathwayv1.Milestone]MilestoneState{}
	}
	s := ms[m]
	s.Actual = on
	ms[m] = s
	p.Milestones = ms
	return p
}

func setTargets(p Pathway, ts []*pathwayv1.MilestoneTarget) Pathway {
	if len(ts) == 0 {
		return p
	}
	ms := maps.Clone(p.Milestones)
	if ms == nil {
		ms = map[pathwayv1.Milestone]MilestoneState{}
	}
	for _, t := range ts {
		s := ms[t.GetMilestone()]
		s.Target = fold.Date(t.GetTargetDate())
		ms[t.GetMilestone()] = s
	}
	p.Milestones = ms
	return p
}
