package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// RecordPatientPostponement is a postponement the patient asked for.
type RecordPatientPostponement struct {
	Caller    Caller
	RequestID string
	PathwayID string
	FromDate  string
	UntilDate string
}

// RecordPatientPostponement records the postponement; the targets stay.
func (a *App) RecordPatientPostponement(ctx context.Context, in RecordPatientPostponement) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	from, err := civil.Parse(in.FromDate)
	if err != nil {
		v.Add("from_date", "must be a real date as YYYY-MM-DD")
	}
	until, err := civil.Parse(in.UntilDate)
	if err != nil {
		v.Add("until_date", "must be a real date as YYYY-MM-DD")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecidePostponement(p, domain.RecordPostponement{By: in.Caller.Actor, From: from, Until: until, At: a.clock.Now()}, a.policy)
	})
}
