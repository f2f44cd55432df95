package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// AssignCoordinator names the pathway coordinator.
type AssignCoordinator struct {
	By             access.Actor
	ProfessionalID string
	At             time.Time
}

// DecideAssignCoordinator assigns or replaces the coordinator; assigning the
// one already assigned changes nothing.
func DecideAssignCoordinator(p Pathway, cmd AssignCoordinator, pol Policy) ([]proto.Message, error) {
	if err := active(p, "assign a coordinator"); err != nil {
		return nil, err
	}
	if p.Coordinator == cmd.ProfessionalID {
		return nil, nil
	}
	return []proto.Message{&pathwayv1.PathwayCoordinatorAssigned{
		PathwayId: p.ID, ProfessionalId: cmd.ProfessionalID, AssignedBy: cmd.By.ProfessionalID,
		AssignedAt: timestamppb.New(cmd.At), AssignedOn: pol.DateOf(cmd.At).String(),
	}}, nil
}
