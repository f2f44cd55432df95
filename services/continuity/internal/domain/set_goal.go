package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// SetGoal adds or rewords a goal.
type SetGoal struct {
	PlanID string
	// GoalID names an existing goal; empty adds NewGoalID.
	GoalID          string
	NewGoalID       string
	Text            string
	ChosenByPatient bool
	By              access.Actor
	At              time.Time
}

// DecideSetGoal records a goal in the patient's own words: the patient
// writes it, or a professional writes down the patient's words.
func DecideSetGoal(p Patient, cmd SetGoal) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if err := patientChoice(cmd.By, p.PatientID, cmd.ChosenByPatient, "a goal"); err != nil {
		return nil, err
	}
	id := cmd.NewGoalID
	if cmd.GoalID != "" {
		if !slices.ContainsFunc(plan.Goals, func(g Goal) bool { return g.ID == cmd.GoalID }) {
			return nil, notFound("goal")
		}
		id = cmd.GoalID
	}
	return []proto.Message{&continuityv1.PlanGoalSet{
		PlanId: plan.ID, PatientId: p.PatientID, GoalId: id, Text: cmd.Text, RecordedBy: recordedBy(cmd.By), SetAt: stamp(cmd.At),
	}}, nil
}
