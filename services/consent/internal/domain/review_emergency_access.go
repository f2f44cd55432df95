package domain

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// ReviewEmergencyAccess records whether an emergency access was justified.
type ReviewEmergencyAccess struct {
	RequestID string
	PatientID string
	AccessID  string
	Justified bool
	Note      string
	By        Actor
	At        time.Time
}

// DecideReviewEmergencyAccess records one review per access, with a note,
// by health personnel other than the one who opened it: reviewing your own
// emergency access would defeat the review.
func DecideReviewEmergencyAccess(s PatientState, cmd ReviewEmergencyAccess) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Require(cmd.AccessID, "access_id")
	v.Check(strings.TrimSpace(cmd.Note) != "", "note", "is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	e, ok := s.EmergencyAccess(cmd.AccessID)
	if !ok {
		return nil, notFound("emergency access")
	}
	if pid, err := ids.ParseProfessionalID(cmd.By.ProfessionalID); err != nil || !pid.IsHealthPersonnel() {
		return nil, errs.Permission("only health personnel review emergency access")
	}
	if e.ProfessionalID == cmd.By.ProfessionalID {
		return nil, errs.Precondition("an emergency access is reviewed by someone other than who opened it")
	}
	if e.Reviewed {
		return nil, errs.Precondition("emergency access %s is already reviewed", e.ID)
	}
	return []proto.Message{&consentv1.EmergencyAccessReviewed{
		AccessId: e.ID, PatientId: cmd.PatientID, Justified: cmd.Justified, Note: cmd.Note,
		ReviewedBy: cmd.By.ProfessionalID, ReviewedAt: timestamppb.New(cmd.At), RequestId: cmd.RequestID,
	}}, nil
}
