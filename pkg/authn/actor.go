package authn

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
)

// Actor turns an authenticated principal into the suite's one actor type. A
// patient's national id becomes their pseudonym here and goes no further.
func (p Principal) Actor(pseudonyms *ids.Pseudonymizer) access.Actor {
	a := access.Actor{ProfessionalID: p.ProfessionalID, OrgNumber: p.OrgNumber, Role: p.Role, Service: p.Service}
	if p.IsPatient() && p.PatientNationalID != "" {
		if nid, err := ids.ParseNationalID(p.PatientNationalID); err == nil {
			a.PatientID = pseudonyms.PatientID(nid)
		}
	}
	return a
}

// Caller is the end user of the request in ctx, as an actor. Ports call it
// once per request and hand the actor to the application.
func Caller(ctx context.Context, pseudonyms *ids.Pseudonymizer) (access.Actor, error) {
	p, ok := FromContext(ctx)
	if !ok {
		// The authentication interceptor always runs first; reaching here
		// without a principal is a wiring fault, not the caller's.
		return access.Actor{}, errs.Permission("no authenticated caller")
	}
	return p.Actor(pseudonyms), nil
}
