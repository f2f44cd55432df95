package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// LiftObjection lifts an objection.
type LiftObjection struct {
	ObjectionID string
	By          access.Actor
	At          time.Time
}

// DecideLiftObjection lifts an objection that is in force.
func DecideLiftObjection(s PatientState, cmd LiftObjection) ([]proto.Message, error) {
	o, ok := s.Objection(cmd.ObjectionID)
	if !ok {
		return nil, errs.NotFound("objection")
	}
	if o.Lifted() {
		return nil, errs.Precondition("objection %s is already lifted", o.ID)
	}
	return []proto.Message{&consentv1.ObjectionLifted{
		ObjectionId: o.ID, PatientId: s.PatientID, LiftedBy: cmd.By.ProfessionalID,
		LiftedAt: timestamppb.New(cmd.At),
	}}, nil
}
