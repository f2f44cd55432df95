// Package app holds the pathway service's command and query handlers and
// its process manager: it validates input, finds the aggregate, asks the
// domain to decide, and lets the decider runtime append. It knows nothing
// of gRPC; the consent service is reached through the LegalStatus port.
package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// LegalStatus is the consent service's answer about a patient today. An
// implementation that cannot get an answer returns errs.Unavailable: the
// medication-free rule is never decided on a guess.
type LegalStatus interface {
	LegalStatus(ctx context.Context, patientID string) (domain.LegalFacts, error)
}

// Caller is who calls: the domain's actor for commands and the access
// actor the consent service checks for reads.
type Caller struct {
	Actor  domain.Actor
	Access access.Actor
}

// App is the pathway service's application layer.
type App struct {
	store     *eventstore.Store
	runtime   *decider.Runtime[domain.Pathway]
	image     *decider.Image[domain.Pathway]
	clock     clock.Clock
	ids       idgen.Generator
	policy    domain.Policy
	guard     *access.Guard
	legal     LegalStatus
	processed *watermark
}

// Deps are what the application needs from outside.
type Deps struct {
	Store  *eventstore.Store
	Image  *decider.Image[domain.Pathway]
	Clock  clock.Clock
	IDs    idgen.Generator
	Policy domain.Policy
	// Guard checks every read of patient data with the consent service and
	// writes the access log.
	Guard *access.Guard
	Legal LegalStatus
}

// New wires the application.
func New(d Deps) *App {
	return &App{
		store:     d.Store,
		runtime:   decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		image:     d.Image,
		clock:     d.Clock,
		ids:       d.IDs,
		policy:    d.Policy,
		guard:     d.Guard,
		legal:     d.Legal,
		processed: newWatermark(),
	}
}

// Model is the pathway aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Pathway] {
	return decider.Model[domain.Pathway]{
		Context: "pathway", Type: "pathway", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

func (a *App) meta(actor domain.Actor, requestID, patientID string) decider.Meta {
	return decider.Meta{
		Actor: &eventsv1.Actor{
			ProfessionalId: actor.ProfessionalID, OrgNumber: actor.OrgNumber, Role: actor.Role, Service: actor.Service,
		},
		IdempotencyKey: decider.RequestKey(actor.OrgNumber, requestID),
		PatientID:      patientID,
	}
}

// execute runs a command on an existing pathway. The commit carries the
// patient's pseudonym so the consent service can fold it into the care team.
func (a *App) execute(ctx context.Context, actor domain.Actor, pathwayID, requestID string, decide decider.Decide[domain.Pathway]) (domain.Pathway, error) {
	current := a.image.Get(pathwayID)
	res, err := a.runtime.Execute(ctx, pathwayID, a.meta(actor, requestID, current.State.PatientID), decide)
	if err != nil {
		return domain.Pathway{}, err
	}
	return res.State, nil
}

func validateCommand(v *errs.Validation, requestID, pathwayID string) {
	v.RequestID(requestID)
	v.Require(pathwayID, "pathway_id")
}
