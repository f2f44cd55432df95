package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// ReviewEmergencyAccess records whether an emergency access was justified.
type ReviewEmergencyAccess struct {
	AccessID  string
	Justified bool
	Note      string
	By        access.Actor
	At        time.Time
}

// DecideReviewEmergencyAccess records one review per access, with a note;
// who may review is AuthorizeReviewEmergencyAccess's question.
func DecideReviewEmergencyAccess(s PatientState, cmd ReviewEmergencyAccess) ([]proto.Message, error) {
	e, ok := s.EmergencyAccess(cmd.AccessID)
	if !ok {
		return nil, errs.NotFound("emergency access")
	}
	if e.Reviewed {
		return nil, errs.Precondition("emergency access %s is already reviewed", e.ID)
	}
	return []proto.Message{&consentv1.EmergencyAccessReviewed{
		AccessId: e.ID, PatientId: s.PatientID, Justified: cmd.Justified, Note: cmd.Note,
		ReviewedBy: cmd.By.ProfessionalID, ReviewedAt: timestamppb.New(cmd.At),
	}}, nil
}
