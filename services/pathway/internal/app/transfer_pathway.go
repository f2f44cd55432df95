package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// TransferPathway moves a pathway to another unit.
type TransferPathway struct {
	Caller    Caller
	RequestID string
	PathwayID string
	To        domain.Unit
	Reason    string
}

// TransferPathway closes the pathway at its unit and starts the linked one at
// the new unit: two aggregates, so two appends. The first names the new
// pathway's id; the second is idempotent, so a retry of the same request
// after a failure between the two finishes the transfer instead of leaving
// the patient without a pathway.
func (a *App) TransferPathway(ctx context.Context, in TransferPathway) (old, next domain.Pathway, err error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	v.Unit("to_unit", in.To)
	v.Text("reason", in.Reason, false, 5000)
	if err := v.Err(); err != nil {
		return domain.Pathway{}, domain.Pathway{}, err
	}
	now := a.clock.Now()
	newID := a.ids.New(now)
	old, err = a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideTransfer(p, domain.Transfer{By: in.Caller.Actor, To: in.To, Reason: in.Reason, NewPathwayID: newID, At: now}, a.policy)
	})
	if err != nil {
		return domain.Pathway{}, domain.Pathway{}, err
	}
	if old.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED || old.NextID == "" {
		return domain.Pathway{}, domain.Pathway{}, errs.Precondition("the pathway was not transferred")
	}
	meta := a.meta(in.Caller.Actor, "", old.PatientID)
	meta.MsgID = "pathway.transfer/" + old.NextID
	res, err := a.runtime.Execute(ctx, old.NextID, meta, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideStartTransferred(p, old, now)
	})
	if err != nil {
		return domain.Pathway{}, domain.Pathway{}, err
	}
	return old, res.State, nil
}
