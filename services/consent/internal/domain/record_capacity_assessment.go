package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RecordCapacityAssessment records whether the patient can consent in one domain.
type RecordCapacityAssessment struct {
	AssessmentID string
	RequestID    string
	PatientID    string
	Domain       consentv1.CapacityDomain
	HasCapacity  bool
	Note         string
	By           Actor
	At           time.Time
}

// DecideRecordCapacityAssessment lets health personnel record an assessment.
// Assessing capacity to consent is a clinical judgement (Patient and User
// Rights Act §4-3), so an ext: professional or a patient cannot record one.
func DecideRecordCapacityAssessment(s PatientState, cmd RecordCapacityAssessment) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Check(cmd.Domain != consentv1.CapacityDomain_CAPACITY_DOMAIN_UNSPECIFIED &&
		consentv1.CapacityDomain_name[int32(cmd.Domain)] != "", "domain", "is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p, err := ids.ParseProfessionalID(cmd.By.ProfessionalID); err != nil || !p.IsHealthPersonnel() {
		return nil, errs.Permission("only health personnel assess capacity to consent")
	}
	return []proto.Message{&consentv1.CapacityAssessed{
		AssessmentId: cmd.AssessmentID, PatientId: cmd.PatientID, Domain: cmd.Domain,
		HasCapacity: cmd.HasCapacity, AssessedBy: cmd.By.ProfessionalID,
		AssessedAt: timestamppb.New(cmd.At), Note: cmd.Note, RequestId: cmd.RequestID,
	}}, nil
}
