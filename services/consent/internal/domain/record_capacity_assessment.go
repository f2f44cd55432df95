package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RecordCapacityAssessment records whether the patient can consent in one domain.
type RecordCapacityAssessment struct {
	AssessmentID string
	Domain       consentv1.CapacityDomain
	HasCapacity  bool
	Note         string
	By           access.Actor
	At           time.Time
}

// DecideRecordCapacityAssessment records the assessment; who may assess is
// AuthorizeRecordCapacityAssessment's question. A later assessment in a
// domain supersedes an earlier one (LegalStatusOn).
func DecideRecordCapacityAssessment(s PatientState, cmd RecordCapacityAssessment) ([]proto.Message, error) {
	return []proto.Message{&consentv1.CapacityAssessed{
		AssessmentId: cmd.AssessmentID, PatientId: s.PatientID, Domain: cmd.Domain,
		HasCapacity: cmd.HasCapacity, AssessedBy: cmd.By.ProfessionalID,
		AssessedAt: timestamppb.New(cmd.At), Note: cmd.Note,
	}}, nil
}
