package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// WithdrawConsent withdraws a consent.
type WithdrawConsent struct {
	RequestID string
	PatientID string
	ConsentID string
	By        Actor
	At        time.Time
}

// DecideWithdrawConsent withdraws a consent that has not been withdrawn. An
// expired consent may still be withdrawn: it changes nothing for access but
// records the patient's wish.
func DecideWithdrawConsent(s PatientState, cmd WithdrawConsent) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	v.Require(cmd.ConsentID, "consent_id")
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, ok := s.Consent(cmd.ConsentID)
	if !ok {
		return nil, notFound("consent")
	}
	if c.Withdrawn() {
		return nil, errs.Precondition("consent %s is already withdrawn", c.ID)
	}
	return []proto.Message{&consentv1.ConsentWithdrawn{
		ConsentId: c.ID, PatientId: cmd.PatientID, WithdrawnBy: cmd.By.ProfessionalID,
		WithdrawnAt: timestamppb.New(cmd.At), RequestId: cmd.RequestID,
	}}, nil
}
