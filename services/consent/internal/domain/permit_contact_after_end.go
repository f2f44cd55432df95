package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// PermitContactAfterEnd lets a named former provider contact the patient first.
type PermitContactAfterEnd struct {
	ProfessionalID string
	By             access.Actor
	At             time.Time
}

// DecidePermitContactAfterEnd records the permission. Contact after the
// relationship ends is off by default, so only an explicit, named
// permission turns it on.
func DecidePermitContactAfterEnd(s PatientState, cmd PermitContactAfterEnd) ([]proto.Message, error) {
	if s.ContactAfterEndPermitted(cmd.ProfessionalID) {
		return nil, errs.Precondition("contact after end is already permitted for this professional")
	}
	return []proto.Message{&consentv1.ContactAfterEndPermitted{
		PatientId: s.PatientID, ProfessionalId: cmd.ProfessionalID, RecordedBy: cmd.By.ProfessionalID,
		PermittedAt: timestamppb.New(cmd.At),
	}}, nil
}
