package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RevokeContactAfterEnd takes a permission to contact first back.
type RevokeContactAfterEnd struct {
	ProfessionalID string
	By             access.Actor
	At             time.Time
}

// DecideRevokeContactAfterEnd revokes an existing permission.
func DecideRevokeContactAfterEnd(s PatientState, cmd RevokeContactAfterEnd) ([]proto.Message, error) {
	if !s.ContactAfterEndPermitted(cmd.ProfessionalID) {
		return nil, errs.NotFound("contact-after-end permission")
	}
	return []proto.Message{&consentv1.ContactAfterEndRevoked{
		PatientId: s.PatientID, ProfessionalId: cmd.ProfessionalID, RecordedBy: cmd.By.ProfessionalID,
		RevokedAt: timestamppb.New(cmd.At),
	}}, nil
}
