package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Transfer moves the pathway to another unit.
type Transfer struct {
	By           access.Actor
	To           Unit
	Reason       string
	NewPathwayID string
	At           time.Time
}

// DecideTransfer closes the pathway at its unit and names the linked
// pathway the new unit continues with (started by DecideStartTransferred).
func DecideTransfer(p Pathway, cmd Transfer, _ Policy) ([]proto.Message, error) {
	if err := active(p, "transfer"); err != nil {
		return nil, err
	}
	if cmd.To == p.Unit {
		return nil, errs.Invalid("to_unit", "must be another unit than the pathway's own")
	}
	return []proto.Message{&pathwayv1.PathwayTransferred{
		PathwayId: p.ID, ReferralId: p.ReferralID, FromUnit: p.Unit.Ref(), ToUnit: cmd.To.Ref(),
		NewPathwayId: cmd.NewPathwayID, Reason: cmd.Reason, TransferredBy: cmd.By.ProfessionalID,
		TransferredAt: timestamppb.New(cmd.At),
	}}, nil
}
