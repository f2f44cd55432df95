// Package app holds the referral service's command and query handlers: it
// validates input, finds the aggregate, asks the domain to decide, and lets
// the decider runtime append. It knows nothing of gRPC.
package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Guard is the shared access check and access log (pkg/access): every
// referral that leaves the service was permitted by the consent service and
// logged first. A refusal looks exactly like a referral that does not exist.
type Guard interface {
	Check(ctx context.Context, actor access.Actor, read access.Read) (access.Decision, bool, error)
	Record(ctx context.Context, actor access.Actor, read access.Read, d access.Decision) error
}

// App is the referral service's application layer.
type App struct {
	runtime    *decider.Runtime[domain.Referral]
	image      *decider.Image[domain.Referral]
	keys       *requestKeys
	clock      clock.Clock
	ids        idgen.Generator
	pseudonyms *ids.Pseudonymizer
	policy     domain.Policy
	guard      Guard
}

// Deps are what the application needs from outside.
type Deps struct {
	Store      *eventstore.Store
	Image      *decider.Image[domain.Referral]
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	Policy     domain.Policy
	Guard      Guard
}

// New wires the application. The image must not have been fed yet: New
// registers the request-key index on it.
func New(d Deps) *App {
	keys := newRequestKeys()
	d.Image.AddIndex(keys.index)
	return &App{
		runtime:    decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		image:      d.Image,
		keys:       keys,
		clock:      d.Clock,
		ids:        d.IDs,
		pseudonyms: d.Pseudonyms,
		policy:     d.Policy,
		guard:      d.Guard,
	}
}

// Model is the referral aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Referral] {
	return decider.Model[domain.Referral]{
		Context: "referral", Type: "referral", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

func (a *App) meta(actor domain.Actor, requestID string, patientID string) decider.Meta {
	return decider.Meta{
		Actor: &eventsv1.Actor{
			ProfessionalId: actor.ProfessionalID, OrgNumber: actor.OrgNumber, Role: actor.Role, Service: actor.Service,
		},
		IdempotencyKey: decider.RequestKey(actor.OrgNumber, requestID),
		PatientID:      patientID,
	}
}

// execute runs a command on an existing referral the caller may act on, and
// returns the changed referral only as a logged read.
func (a *App) execute(ctx context.Context, actor domain.Actor, operation, referralID, requestID string, decide decider.Decide[domain.Referral]) (domain.Referral, error) {
	current := a.image.Get(referralID)
	res, err := a.runtime.Execute(ctx, referralID, a.meta(actor, requestID, current.State.PatientID), decide)
	if err != nil {
		return domain.Referral{}, err
	}
	if err := a.reveal(ctx, actor, res.State, operation); err != nil {
		return domain.Referral{}, err
	}
	return res.State, nil
}

// reveal lets a referral leave the service: the consent service must permit
// the read and the access log must hold it first. Holding a record opens
// only the record held, not the patient's other referrals.
func (a *App) reveal(ctx context.Context, actor domain.Actor, r domain.Referral, operation string) error {
	ok, err := a.tryReveal(ctx, actor, r, operation)
	if err != nil {
		return err
	}
	if !ok {
		return errs.NotFound("referral")
	}
	return nil
}

// tryReveal is reveal for listings, where a refusal just leaves the
// referral out.
func (a *App) tryReveal(ctx context.Context, actor domain.Actor, r domain.Referral, operation string) (bool, error) {
	return a.tryRevealRead(ctx, actor, r, readOf(r, operation))
}

// tryRevealRead is tryReveal for a read described by its caller (another
// edge names its own operations in the access log).
func (a *App) tryRevealRead(ctx context.Context, actor domain.Actor, r domain.Referral, read access.Read) (bool, error) {
	who := accessActor(actor)
	d, ok, err := a.guard.Check(ctx, who, read)
	if err != nil || !ok {
		return false, err
	}
	if d.Basis == consentv1.Basis_BASIS_RECORD_HOLDER && !r.HeldBy(actor.OrgNumber) {
		return false, nil
	}
	return true, a.guard.Record(ctx, who, read, d)
}

func accessActor(a domain.Actor) access.Actor {
	return access.Actor{ProfessionalID: a.ProfessionalID, OrgNumber: a.OrgNumber, PatientID: a.PatientID, Role: authn.Role(a.Role), Service: a.Service}
}

func readOf(r domain.Referral, operation string) access.Read {
	return access.Read{
		PatientID: r.PatientID, Category: consentv1.Category_CATEGORY_REFERRAL, Service: "referral",
		Operation: "stafett.referral.v1.ReferralService/" + operation, Resource: "referrals/" + r.ID,
	}
}

// statusOK reports whether s is a known status for filtering.
func statusOK(s referralv1.ReferralStatus) bool {
	_, ok := referralv1.ReferralStatus_name[int32(s)]
	return ok
}
