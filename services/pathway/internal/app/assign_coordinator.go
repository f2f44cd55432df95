package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// AssignPathwayCoordinator names the pathway coordinator.
type AssignPathwayCoordinator struct {
	Caller         Caller
	RequestID      string
	PathwayID      string
	ProfessionalID string
}

// AssignPathwayCoordinator assigns the coordinator, who must be health
// personnel: the coordinator is cooperating personnel under §25.
func (a *App) AssignPathwayCoordinator(ctx context.Context, in AssignPathwayCoordinator) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	if pid, err := ids.ParseProfessionalID(in.ProfessionalID); err != nil {
		v.Add("professional_id", ids.Reason(err))
	} else if !pid.IsHealthPersonnel() {
		v.Add("professional_id", "must be health personnel (hpr:<digits>)")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideAssignCoordinator(p, domain.AssignCoordinator{By: in.Caller.Actor, ProfessionalID: in.ProfessionalID, At: a.clock.Now()}, a.policy)
	})
}
