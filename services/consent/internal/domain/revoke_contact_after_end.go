package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RevokeContactAfterEnd takes a permission to contact first back.
type RevokeContactAfterEnd struct {
	RequestID      string
	PatientID      string
	ProfessionalID string
	By             Actor
	At             time.Time
}

// DecideRevokeContactAfterEnd revokes an existing permission.
func DecideRevokeContactAfterEnd(s PatientState, cmd RevokeContactAfterEnd) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	checkProfessionalID(&v, cmd.ProfessionalID, "professional_id")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.ContactAfterEndPermitted(cmd.ProfessionalID) {
		return nil, notFound("contact-after-end permission")
	}
	return []proto.Message{&consentv1.ContactAfterEndRevoked{
		PatientId: cmd.PatientID, ProfessionalId: cmd.ProfessionalID, RecordedBy: cmd.By.ProfessionalID,
		RevokedAt: timestamppb.New(cmd.At), RequestId: cmd.RequestID,
	}}, nil
}
