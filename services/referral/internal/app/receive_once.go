package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// ReusedIdentifierError refuses a request whose identifier (external id)
// already names a different referral of the same sender: answering with
// that referral would lose the new one silently, and an urgent referral
// must never be lost.
type ReusedIdentifierError struct {
	// ReferralID is the referral the identifier names.
	ReferralID string
}

func (e *ReusedIdentifierError) Error() string {
	return fmt.Sprintf("the identifier already names referral %s, received with different content", e.ReferralID)
}

// IdentifierRequestID is the request id of a request whose idempotency is
// the sender's own identifier (FHIR's conditional create): the same
// identifier always gives the same request id, of a bounded length.
func IdentifierRequestID(externalID string) string {
	sum := sha256.Sum256([]byte(externalID))
	return "identifier/" + hex.EncodeToString(sum[:16])
}

// ReceiveReferralOnce is ReceiveReferral with the identifier as the whole of
// the idempotency: a request the sender already made under the same
// identifier returns the referral it made (created false, nothing
// appended), and a different request under it is a ReusedIdentifierError.
func (a *App) ReceiveReferralOnce(ctx context.Context, in ReceiveReferral) (r domain.Referral, created bool, err error) {
	cmd, err := a.validateReceive(in, a.clock.Now())
	if err != nil {
		return domain.Referral{}, false, err
	}
	if id, ok := a.keys.lookup(in.Actor.OrgNumber, in.RequestID, in.ExternalID); ok {
		existing := a.image.Get(id).State
		if !existing.SameReceipt(cmd) {
			return domain.Referral{}, false, &ReusedIdentifierError{ReferralID: id}
		}
		return existing, false, nil
	}
	r, err = a.ReceiveReferral(ctx, in)
	if err != nil {
		return domain.Referral{}, false, err
	}
	// A concurrent request under the same identifier may have won the race
	// the lookup above could not see; its referral is only ours if it asked
	// for the same.
	if !r.SameReceipt(cmd) {
		return domain.Referral{}, false, &ReusedIdentifierError{ReferralID: r.ID}
	}
	return r, true, nil
}

// ActorFrom is the domain actor of an authenticated caller.
func ActorFrom(a access.Actor) domain.Actor {
	return domain.Actor{ProfessionalID: a.ProfessionalID, OrgNumber: a.OrgNumber, PatientID: a.PatientID, Role: string(a.Role), Service: a.Service}
}
