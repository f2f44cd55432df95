package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Start is a pathway started by a referral assessed with a right granted.
type Start struct {
	PathwayID         string
	ReferralID        string
	PatientID         string
	Type              eventsv1.PathwayType
	Unit              Unit
	BirthDate         civil.Date
	CareStartDeadline civil.Date
	// At is when the right was granted; the pathway starts then, however
	// late the process manager gets to it.
	At time.Time
}

// DecideStart starts the pathway unless it already exists: a redelivered
// assessment is answered with no events, which is what makes the process
// manager safe to replay.
func DecideStart(p Pathway, cmd Start, pol Policy) ([]proto.Message, error) {
	if p.Exists() {
		return nil, nil
	}
	on := pol.DateOf(cmd.At)
	ts := pol.TargetsFor(cmd.Type)
	return []proto.Message{&pathwayv1.PathwayStarted{
		PathwayId:         cmd.PathwayID,
		ReferralId:        cmd.ReferralID,
		PatientId:         cmd.PatientID,
		PathwayType:       cmd.Type,
		Unit:              cmd.Unit.Ref(),
		StartedOn:         on.String(),
		StartedAt:         timestamppb.New(cmd.At),
		PatientBirthDate:  dateString(cmd.BirthDate),
		CareStartDeadline: dateString(cmd.CareStartDeadline),
		Targets: targets(
			pol.target(pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED, on, ts.Coordinator),
			pol.target(pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, on, ts.FirstAttendance),
		),
	}}, nil
}

// DecideStartTransferred starts the linked pathway at the new unit from the
// pathway that was transferred. It carries the original start, the targets
// not yet reached, the first attendance and the clinical decisions: a
// transfer moves the patient, it neither resets the timing nor opens room
// for more decisions than a pathway may have.
func DecideStartTransferred(p Pathway, from Pathway, at time.Time) ([]proto.Message, error) {
	if p.Exists() {
		return nil, nil
	}
	ev := &pathwayv1.PathwayStarted{
		PathwayId:         from.NextID,
		ReferralId:        from.ReferralID,
		PatientId:         from.PatientID,
		PathwayType:       from.Type,
		Unit:              from.NextUnit.Ref(),
		StartedOn:         from.StartedOn.String(),
		StartedAt:         timestamppb.New(at),
		PatientBirthDate:  dateString(from.BirthDate),
		CareStartDeadline: dateString(from.CareStartDeadline),
		PreviousPathwayId: from.ID,
		FirstAttendedOn:   dateString(from.FirstAttended),
		TimingFlagged:     from.TimingFlagged,
	}
	for _, d := range from.Decisions {
		ev.PriorDecisions = append(ev.PriorDecisions, &pathwayv1.ClinicalDecisionEntry{
			Code: d.Code, Stage: d.Stage, DecidedOn: d.DecidedOn.String(), RecordedBy: d.RecordedBy,
		})
	}
	for _, m := range milestoneOrder() {
		s := from.Milestone(m)
		if !s.Target.IsZero() && s.Actual.IsZero() {
			ev.Targets = append(ev.Targets, &pathwayv1.MilestoneTarget{Milestone: m, TargetDate: s.Target.String()})
		}
	}
	return []proto.Message{ev}, nil
}

// milestoneOrder lists the milestones in pathway order, so events and
// answers built from the milestone map come out the same every time.
func milestoneOrder() []pathwayv1.Milestone {
	return []pathwayv1.Milestone{
		pathwayv1.Milestone_MILESTONE_START,
		pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED,
		pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE,
		pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC,
		pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED,
		pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED,
		pathwayv1.Milestone_MILESTONE_EVALUATION,
		pathwayv1.Milestone_MILESTONE_COMPLETED,
	}
}

func dateString(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
