package domain

import "github.com/stafett/stafett/pkg/errs"

// notFound is the one answer for a pathway that does not exist and for one
// the caller may not act on: the two must be indistinguishable (§21).
func notFound() error { return errs.NotFound("pathway") }

// ErrorDomain is the google.rpc.ErrorInfo domain of this service's refusals.
const ErrorDomain = "stafett.pathway"

// actionable is the common guard of every command on an existing pathway:
// absent or not the caller's is NotFound, and only an active pathway changes.
func actionable(p Pathway, by Actor, action string) error {
	if !p.Exists() || !p.ActedOnBy(by) {
		return notFound()
	}
	if !p.Active() {
		return errs.Precondition("cannot %s: the pathway is %s", action, p.Status.String())
	}
	return nil
}
