package domain

import "github.com/stafett/stafett/pkg/errs"

// notFound is the one answer for a pathway that does not exist and for one
// the caller may not act on: the two must be indistinguishable (§21).
func notFound() error { return errs.NotFound("pathway") }

// ErrorDomain is the google.rpc.ErrorInfo domain of this service's refusals.
const ErrorDomain = "stafett.pathway"

// active is the state every command on an existing pathway needs: only an
// active pathway changes. Who may act is AuthorizeAct's question, asked
// before any decider runs.
func active(p Pathway, action string) error {
	if !p.Exists() {
		return notFound()
	}
	if !p.Active() {
		return errs.Precondition("cannot %s: the pathway is %s", action, p.Status.String())
	}
	return nil
}
