package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// WithdrawConsent withdraws a consent.
type WithdrawConsent struct {
	ConsentID string
	By        access.Actor
	At        time.Time
}

// DecideWithdrawConsent withdraws a consent that has not been withdrawn. An
// expired consent may still be withdrawn: it changes nothing for access but
// records the patient's wish. From the commit on, CheckAccess no longer
// permits by it (Consent.ActiveAt), and the read barrier makes every check
// that begins after the command returned see the commit.
func DecideWithdrawConsent(s PatientState, cmd WithdrawConsent) ([]proto.Message, error) {
	c, ok := s.Consent(cmd.ConsentID)
	if !ok {
		return nil, errs.NotFound("consent")
	}
	if c.Withdrawn() {
		return nil, errs.Precondition("consent %s is already withdrawn", c.ID)
	}
	return []proto.Message{&consentv1.ConsentWithdrawn{
		ConsentId: c.ID, PatientId: s.PatientID, WithdrawnBy: cmd.By.ProfessionalID,
		WithdrawnAt: timestamppb.New(cmd.At),
	}}, nil
}
