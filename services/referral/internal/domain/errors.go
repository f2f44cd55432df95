package domain

import "github.com/stafett/stafett/pkg/errs"

// notFound is the one answer for a referral that does not exist and for one
// the caller may not act on: the two must be indistinguishable.
func notFound() error { return errs.NotFound("referral") }

func wrongState(r Referral, action string) error {
	return errs.Precondition("cannot %s a referral in status %s", action, r.Status.String())
}
