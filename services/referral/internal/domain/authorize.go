package domain

import (
	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
)

// AuthorizeReceive lets any caller with an organisation submit a referral:
// the sender's organisation is who the referral's keys and record belong to.
func AuthorizeReceive(actor access.Actor) error {
	if actor.OrgNumber == "" {
		return errs.Invalid("caller", "token carries no organisation number")
	}
	return nil
}

// AuthorizeUnitWork lets health personnel of the receiving unit — an hpr:
// actor whose organisation is the unit's — assess, forward, schedule and ask
// for information. Anyone else, an integration engine of that very unit
// included, is answered as if the referral did not exist.
func AuthorizeUnitWork(r Referral, actor access.Actor) error {
	if !r.Exists() || !r.ReceivedBy(actor.OrgNumber) || !actor.IsHealthPersonnel() {
		return notFound()
	}
	return nil
}

// AuthorizeWithdraw lets the sender or the receiving unit withdraw.
func AuthorizeWithdraw(r Referral, actor access.Actor) error {
	if !r.Exists() || !(r.ReceivedBy(actor.OrgNumber) || r.SentBy(actor.OrgNumber)) {
		return notFound()
	}
	return nil
}
