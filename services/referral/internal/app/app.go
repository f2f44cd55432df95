// Package app holds the referral service's commands and queries, each
// declared once on the shared command pipeline (pkg/command): it validates
// requests, and wires the domain's pure Authorize and Decide functions to
// the pipeline. It knows nothing of gRPC.
package app

import (
	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// App is the referral service's application layer.
type App struct {
	referrals  *command.Aggregate[domain.Referral]
	image      *decider.Image[domain.Referral]
	visible    *visibility
	clock      clock.Clock
	pseudonyms *ids.Pseudonymizer
	policy     domain.Policy

	receive            *command.Handler[domain.Referral, ReceiveReferral]
	requestInformation *command.Handler[domain.Referral, RequestInformation]
	assess             *command.Handler[domain.Referral, AssessReferral]
	forward            *command.Handler[domain.Referral, ForwardReferral]
	withdraw           *command.Handler[domain.Referral, WithdrawReferral]
	schedule           *command.Handler[domain.Referral, ScheduleFirstAppointment]
}

// Deps are what the application needs from outside.
type Deps struct {
	Store      *eventstore.Store
	Image      *decider.Image[domain.Referral]
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	Policy     domain.Policy
	// Guard is the shared access check and access log: every referral that
	// leaves the service was permitted by the consent service and logged
	// first, and a refusal looks exactly like a referral that does not exist.
	Guard *access.Guard
}

// New wires the application. The image must not have been fed yet: New
// registers the visibility index on it.
func New(d Deps) *App {
	a := &App{image: d.Image, visible: newVisibility(), clock: d.Clock, pseudonyms: d.Pseudonyms, policy: d.Policy}
	d.Image.AddIndex(a.visible.index)
	a.referrals = command.NewAggregate(command.Config[domain.Referral]{
		Runtime:   decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		Guard:     d.Guard,
		Clock:     d.Clock,
		IDs:       d.IDs,
		What:      "referral",
		Exists:    domain.Referral.Exists,
		PatientOf: func(r domain.Referral) string { return r.PatientID },
		Admit:     admit,
		// A referral is its own story: every command on it carries its id.
		Story: func(id string, _ domain.Referral) string { return id },
	})
	a.declare()
	return a
}

// Model is the referral aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Referral] {
	return decider.Model[domain.Referral]{
		Context: "referral", Type: "referral", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

// Commands names every command declared on the pipeline.
func (a *App) Commands() []string { return a.referrals.Commands() }

// read is a referral as a read of the patient's referral data by the gRPC
// method operation, for the access check and the access log.
func read(operation string) func(domain.Referral) access.Read {
	return readAs("stafett.referral.v1.ReferralService/" + operation)
}

// readAs is a referral as a read by the operation the access log names
// (a gRPC method, a FHIR interaction).
func readAs(operation string) func(domain.Referral) access.Read {
	return func(r domain.Referral) access.Read {
		return access.Read{
			PatientID: r.PatientID, Category: consentv1.Category_CATEGORY_REFERRAL, Service: "referral",
			Operation: operation, Resource: "referrals/" + r.ID,
		}
	}
}

// admit narrows a record holder's permission to the record held: holding one
// referral of a patient opens that referral, not the patient's others.
func admit(r domain.Referral, actor access.Actor, d access.Decision) bool {
	return d.Basis != consentv1.Basis_BASIS_RECORD_HOLDER || r.HeldBy(actor.OrgNumber)
}
