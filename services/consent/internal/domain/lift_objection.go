package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// LiftObjection lifts an objection.
type LiftObjection struct {
	RequestID   string
	PatientID   string
	ObjectionID string
	By          Actor
	At          time.Time
}

// DecideLiftObjection lifts an objection that is in force.
func DecideLiftObjection(s PatientState, cmd LiftObjection) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Require(cmd.ObjectionID, "objection_id")
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, ok := s.Objection(cmd.ObjectionID)
	if !ok {
		return nil, notFound("objection")
	}
	if o.Lifted() {
		return nil, errs.Precondition("objection %s is already lifted", o.ID)
	}
	return []proto.Message{&consentv1.ObjectionLifted{
		ObjectionId: o.ID, PatientId: cmd.PatientID, LiftedBy: cmd.By.ProfessionalID,
		LiftedAt: timestamppb.New(cmd.At), RequestId: cmd.RequestID,
	}}, nil
}
