package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// RecordEvaluation is one evaluation.
type RecordEvaluation struct {
	Caller           Caller
	RequestID        string
	PathwayID        string
	PatientTookPart  bool
	FeedbackToolUsed bool
	FeedbackTool     string
}

// RecordEvaluation records whether the patient took part and whether a
// feedback tool was used.
func (a *App) RecordEvaluation(ctx context.Context, in RecordEvaluation) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	v.Text("feedback_tool", in.FeedbackTool, false, 100)
	if in.FeedbackTool != "" && !in.FeedbackToolUsed {
		v.Add("feedback_tool", "names a tool only when feedback_tool_used is true")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideEvaluation(p, domain.RecordEvaluation{
			By: in.Caller.Actor, PatientTookPart: in.PatientTookPart, FeedbackToolUsed: in.FeedbackToolUsed,
			FeedbackTool: in.FeedbackTool, At: a.clock.Now(),
		}, a.policy)
	})
}
