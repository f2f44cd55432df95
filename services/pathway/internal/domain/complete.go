package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Complete ends the pathway.
type Complete struct {
	By     access.Actor
	Reason string
	At     time.Time
}

// DecideComplete completes an active pathway.
func DecideComplete(p Pathway, cmd Complete, pol Policy) ([]proto.Message, error) {
	if err := active(p, "complete"); err != nil {
		return nil, err
	}
	return []proto.Message{&pathwayv1.PathwayCompleted{
		PathwayId: p.ID, ReferralId: p.ReferralID, Unit: p.Unit.Ref(), Reason: cmd.Reason,
		CompletedBy: cmd.By.ProfessionalID, CompletedAt: timestamppb.New(cmd.At), CompletedOn: pol.DateOf(cmd.At).String(),
	}}, nil
}
