package domain

import (
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
)

// ReviewPlan records a plan review.
type ReviewPlan struct {
	PlanID          string
	ReviewedOn      civil.Date
	Summary         string
	PatientTookPart bool
	NextReviewOn    civil.Date
	By              access.Actor
}

// DecideReviewPlan records a review and sets the next review date, which
// must come after it.
func DecideReviewPlan(p Patient, cmd ReviewPlan) ([]proto.Message, error) {
	plan, err := planOf(p, cmd.PlanID)
	if err != nil {
		return nil, err
	}
	if !cmd.NextReviewOn.IsZero() && !cmd.NextReviewOn.After(cmd.ReviewedOn) {
		return nil, errs.Invalid("next_review_on", "must be after reviewed_on")
	}
	return []proto.Message{&continuityv1.PlanReviewed{
		PlanId: plan.ID, PatientId: p.PatientID, ReviewedOn: dateString(cmd.ReviewedOn), Summary: cmd.Summary,
		PatientTookPart: cmd.PatientTookPart, NextReviewOn: dateString(cmd.NextReviewOn), ReviewedBy: recordedBy(cmd.By),
	}}, nil
}
