package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// RecordEvaluation is one evaluation of the treatment.
type RecordEvaluation struct {
	By               access.Actor
	PatientTookPart  bool
	FeedbackToolUsed bool
	FeedbackTool     string
	At               time.Time
}

// DecideEvaluation records whether the patient took part and whether a
// feedback tool was used, and sets the next evaluation's target. There is
// treatment to evaluate only after the first attendance.
func DecideEvaluation(p Pathway, cmd RecordEvaluation, pol Policy) ([]proto.Message, error) {
	if err := active(p, "record an evaluation"); err != nil {
		return nil, err
	}
	if p.FirstAttended.IsZero() {
		return nil, errs.Precondition("an evaluation needs the first attendance recorded first")
	}
	on := pol.DateOf(cmd.At)
	return []proto.Message{&pathwayv1.EvaluationRecorded{
		PathwayId: p.ID,
		Evaluation: &pathwayv1.Evaluation{
			PatientTookPart: cmd.PatientTookPart, FeedbackToolUsed: cmd.FeedbackToolUsed, FeedbackTool: cmd.FeedbackTool,
			EvaluatedOn: on.String(), RecordedBy: cmd.By.ProfessionalID,
		},
		RecordedAt: timestamppb.New(cmd.At),
		Targets:    targets(pol.target(pathwayv1.Milestone_MILESTONE_EVALUATION, on, pol.TargetsFor(p.Type).NextEvaluation)),
	}}, nil
}
