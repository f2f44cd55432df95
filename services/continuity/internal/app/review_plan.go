package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// ReviewPlan is a review as a caller submits it.
type ReviewPlan struct {
	Caller          Caller
	RequestID       string
	PlanID          string
	ReviewedOn      string
	Summary         string
	PatientTookPart bool
	NextReviewOn    string
}

// ReviewPlan records a review and the next review date.
func (a *App) ReviewPlan(ctx context.Context, in ReviewPlan) error {
	var v errs.Validation
	v.RequestID(in.RequestID)
	validateID(&v, "plan_id", in.PlanID, true)
	v.Text("summary", in.Summary, false, 20000)
	reviewed := optionalDate(&v, "reviewed_on", in.ReviewedOn)
	if reviewed.IsZero() && in.ReviewedOn == "" {
		reviewed = civil.Of(a.clock.Now(), a.zone)
	}
	next := optionalDate(&v, "next_review_on", in.NextReviewOn)
	if err := v.Err(); err != nil {
		return err
	}
	patientID, err := a.planPatient(ctx, in.Caller, in.PlanID)
	if err != nil {
		return err
	}
	cmd := domain.ReviewPlan{
		PlanID: in.PlanID, ReviewedOn: reviewed, Summary: in.Summary, PatientTookPart: in.PatientTookPart,
		NextReviewOn: next, By: domainActor(in.Caller),
	}
	_, err = a.execute(ctx, in.Caller, patientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideReviewPlan(p, cmd)
	})
	return err
}
