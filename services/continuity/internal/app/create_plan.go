package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// CreatePlan is a plan creation as a caller submits it.
type CreatePlan struct {
	Caller               Caller
	RequestID            string
	PatientID            string
	PatientConsents      bool
	PeriodFrom, PeriodTo string
}

// CreatePlan creates the individual plan and returns its id.
func (a *App) CreatePlan(ctx context.Context, in CreatePlan) (string, error) {
	now := a.clock.Now()
	var v errs.Validation
	v.RequestID(in.RequestID)
	validatePatientID(&v, in.PatientID)
	from := optionalDate(&v, "period_from", in.PeriodFrom)
	to := optionalDate(&v, "period_to", in.PeriodTo)
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		v.Add("period_to", "must not be before period_from")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := a.authorize(ctx, in.Caller, in.PatientID, consentv1.Category_CATEGORY_PLAN, "patient"); err != nil {
		return "", err
	}
	cmd := domain.CreatePlan{
		PlanID: a.ids.New(now), PatientID: in.PatientID, PatientConsents: in.PatientConsents,
		PeriodFrom: from, PeriodTo: to, By: domainActor(in.Caller), At: now,
	}
	res, err := a.execute(ctx, in.Caller, in.PatientID, in.RequestID, func(p domain.Patient) ([]proto.Message, error) {
		return domain.DecideCreatePlan(p, cmd)
	})
	if err != nil {
		return "", err
	}
	return resultOf(res, in.Caller, in.RequestID), nil
}

// optionalDate parses a YYYY-MM-DD date; empty is the zero date.
func optionalDate(v *errs.Validation, field, s string) civil.Date {
	if s == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(s)
	if err != nil {
		v.Add(field, "must be a real date as YYYY-MM-DD")
	}
	return d
}
