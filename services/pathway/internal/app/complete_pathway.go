package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// CompletePathway ends a pathway.
type CompletePathway struct {
	Caller    Caller
	RequestID string
	PathwayID string
	Reason    string
}

// CompletePathway completes the pathway.
func (a *App) CompletePathway(ctx context.Context, in CompletePathway) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	v.Text("reason", in.Reason, false, 5000)
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideComplete(p, domain.Complete{By: in.Caller.Actor, Reason: in.Reason, At: a.clock.Now()}, a.policy)
	})
}
