// Package app holds the consent service's commands and queries, each command
// declared once on the shared command pipeline (pkg/command): it validates
// requests, keeps access decisions fresh with the read barrier, and wires the
// domain's pure Authorize and Decide functions to the pipeline. It knows
// nothing of gRPC.
package app

import (
	"context"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// App is the consent service's application layer.
type App struct {
	patients    *command.Aggregate[domain.PatientState]
	image       *decider.Image[domain.PatientState]
	store       *eventstore.Store
	audit       *audit.Log
	guard       *access.Guard
	emergencies *emergencies
	clock       clock.Clock
	pseudonyms  *ids.Pseudonymizer
	policy      domain.Policy
	// barrierWait bounds how long a call waits for the write model to reach
	// the stream's head before it answers UNAVAILABLE.
	barrierWait time.Duration

	grant                  *command.Handler[domain.PatientState, GrantConsent]
	withdraw               *command.Handler[domain.PatientState, WithdrawConsent]
	recordObjection        *command.Handler[domain.PatientState, RecordObjection]
	liftObjection          *command.Handler[domain.PatientState, LiftObjection]
	assessCapacity         *command.Handler[domain.PatientState, RecordCapacityAssessment]
	registerRepresentative *command.Handler[domain.PatientState, RegisterRepresentative]
	startCompulsoryCare    *command.Handler[domain.PatientState, StartCompulsoryCare]
	endCompulsoryCare      *command.Handler[domain.PatientState, EndCompulsoryCare]
	permitContact          *command.Handler[domain.PatientState, PermitContactAfterEnd]
	revokeContact          *command.Handler[domain.PatientState, RevokeContactAfterEnd]
	useEmergencyAccess     *command.Handler[domain.PatientState, UseEmergencyAccess]
	reviewEmergencyAccess  *command.Handler[domain.PatientState, ReviewEmergencyAccess]
}

// Deps are what the application needs from outside.
type Deps struct {
	Store      *eventstore.Store
	Image      *decider.Image[domain.PatientState]
	Audit      *audit.Log
	Clock      clock.Clock
	IDs        idgen.Generator
	Pseudonyms *ids.Pseudonymizer
	Policy     domain.Policy
	// BarrierWait bounds the read barrier; default 2 seconds.
	BarrierWait time.Duration
	// Guard checks and logs the service's own reads of patient data. Nil:
	// the service decides them itself and logs them to Audit, as it decides
	// every other service's. Tests pass a counting one.
	Guard *access.Guard
}

// New wires the application. The image must not have been fed yet: New
// registers the emergency-access index on it.
func New(d Deps) *App {
	if d.BarrierWait == 0 {
		d.BarrierWait = 2 * time.Second
	}
	a := &App{
		image: d.Image, store: d.Store, audit: d.Audit, emergencies: newEmergencies(), clock: d.Clock,
		pseudonyms: d.Pseudonyms, policy: d.Policy, barrierWait: d.BarrierWait, guard: d.Guard,
	}
	if a.guard == nil {
		a.guard = access.NewGuard(localChecker{a}, d.Audit, d.Clock)
	}
	d.Image.AddIndex(a.emergencies.index)
	a.patients = command.NewAggregate(command.Config[domain.PatientState]{
		Runtime: decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		Guard:   a.guard,
		Clock:   d.Clock,
		IDs:     d.IDs,
		What:    "patient",
		// Every pseudonym names a patient aggregate: one without events is a
		// patient of whom nothing is known yet. Only the access rules decide
		// what a caller learns, so an unknown patient and a refused one are
		// the same NOT_FOUND after the same work.
		Exists:    func(domain.PatientState) bool { return true },
		PatientOf: func(s domain.PatientState) string { return s.PatientID },
		Barrier:   a.fresh,
	})
	a.declare()
	return a
}

// Model is the patient aggregate's fold. Besides its own events it folds the
// facts from every other context that decide who is in the care team, keyed
// by the patient each commit concerns; so it is fed with every subject.
func Model() decider.Model[domain.PatientState] {
	return decider.Model[domain.PatientState]{
		Context: "consent", Type: "patient", Initial: domain.Initial, Evolve: domain.Evolve,
		Key: func(c *eventsv1.Commit) string { return c.GetPatientId() },
	}
}

// Commands names every command declared on the pipeline.
func (a *App) Commands() []string { return a.patients.Commands() }

// fresh is the read barrier: it waits until the write model holds everything
// the stream held when the call began, so an access decision (and every
// command's authorization) is never staler than the caller's own last
// write, wherever that write was made. Each call runs it once.
func (a *App) fresh(ctx context.Context) error {
	head, err := a.store.LastSeq(ctx)
	if err != nil {
		return errs.Unavailable("event stream", err)
	}
	ctx, cancel := context.WithTimeout(ctx, a.barrierWait)
	defer cancel()
	if err := a.image.WaitApplied(ctx, head); err != nil {
		return errs.Unavailable("consent write model", err)
	}
	return nil
}

// read is a read of the patient's consent information, for the access check
// and the access log.
func read(operation string) func(domain.PatientState) access.Read {
	return func(s domain.PatientState) access.Read {
		return access.Read{
			PatientID: s.PatientID, Category: consentv1.Category_CATEGORY_CONSENT, Service: "consent",
			Operation: "stafett.consent.v1.ConsentService/" + operation, Resource: "patients/" + s.PatientID,
		}
	}
}
