package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// SetGoal is a goal as a caller submits it.
type SetGoal struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	GoalID          string
	Text            string
	ChosenByPatient bool
}

// SetGoal adds or rewords a goal in the patient's own words and returns its id.
func (a *App) SetGoal(ctx context.Context, in SetGoal) (string, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	validateID(&v, "goal_id", in.GoalID, false)
	v.Text("text", in.Text, true, 5000)
	if err := v.Err(); err != nil {
		return "", err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return "", err
	}
	cmd := domain.SetGoal{
		PlanID: in.PlanID, GoalID: in.GoalID, NewGoalID: a.ids.New(now), Text: in.Text,
		ChosenByPatient: in.ChosenByPatient, By: domainActor(in.Caller), At: now,
	}
	res, err := a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideSetGoal(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}
