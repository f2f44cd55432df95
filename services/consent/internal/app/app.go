// Package app holds the consent service's command and query handlers: who
// may ask, the read barrier that keeps access decisions fresh, and the calls
// into the pure rules. It knows nothing of gRPC.
package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// App is the consent service's application layer.
type App struct {
	runtime    *decider.Runtime[domain.PatientState]
	image      *decider.Image[domain.PatientState]
	store      *eventstore.Store
	audit      *audit.Log
	guard      *access.Guard
	clock      clock.Clock
	ids        idgen.Generator
	pseudonyms *ids.Pseudonymizer
	policy     domain.Policy
	// barrierWait bounds how long an access check waits for the write model
	// to reach the stream's head before it answers UNAVAILABLE.
	barrierWait time.Duration
}

// Deps are what the application needs from outside.
type Deps struct {
	Store       *eventstore.Store
	Image       *decider.Image[domain.PatientState]
	Audit       *audit.Log
	Clock       clock.Clock
	IDs         idgen.Generator
	Pseudonyms  *ids.Pseudonymizer
	Policy      domain.Policy
	BarrierWait time.Duration
}

// New wires the application.
func New(d Deps) *App {
	if d.BarrierWait == 0 {
		d.BarrierWait = 2 * time.Second
	}
	a := &App{
		runtime: decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0), image: d.Image, store: d.Store,
		audit: d.Audit, clock: d.Clock, ids: d.IDs, pseudonyms: d.Pseudonyms, policy: d.Policy, barrierWait: d.BarrierWait,
	}
	// The consent service's own reads go through the same guard and access
	// log as every other service's, deciding locally instead of over gRPC.
	a.guard = access.NewGuard(localChecker{a}, d.Audit, d.Clock)
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

// Caller is who asks: an end user, or another service on its own behalf.
type Caller struct {
	Actor domain.Actor
	// Service marks a service identity; only services may call CheckAccess.
	Service bool
	// Role is the caller's Stafett role.
	Role string
}

func (c Caller) accessActor() access.Actor {
	return access.Actor{ProfessionalID: c.Actor.ProfessionalID, OrgNumber: c.Actor.OrgNumber, PatientID: c.Actor.PatientID, Role: roleOf(c.Role)}
}

// fresh waits until the write model holds everything the stream held when
// the call began: an access decision must never be staler than the caller's
// own last write, wherever that write was made.
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

// rule says who may issue a command for a patient.
type rule int

const (
	// patientOrTeam: the patient, or a professional with access to the
	// patient's consent information recording the patient's choice.
	patientOrTeam rule = iota
	// professionalWithAccess: a professional with access; not the patient.
	professionalWithAccess
	// anyHealthPersonnel: emergency access exists for when no other basis does.
	anyHealthPersonnel
)

// command is one patient-scoped command.
type command struct {
	caller    Caller
	patientID string
	requestID string
	rule      rule
	// decide gets the state, a fresh id for what the command creates and now.
	decide func(s domain.PatientState, newID string, now time.Time) ([]proto.Message, error)
}

// run authorises, answers a repeated request from state, or decides and
// appends. It returns the id the request produced (a consent id, ...).
func (a *App) run(ctx context.Context, c command) (string, error) {
	var v errs.Validation
	v.RequestID(c.requestID)
	validatePatientID(&v, c.patientID)
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := a.fresh(ctx); err != nil {
		return "", err
	}
	snap := a.image.Get(c.patientID)
	if id, ok := snap.State.ResultOf(c.caller.Actor, c.requestID); ok {
		return id, nil
	}
	if err := a.authorise(c.caller, c.rule, snap.State); err != nil {
		return "", err
	}
	now := a.clock.Now()
	newID := a.ids.New(now)
	key := domain.RequestKey(c.caller.Actor, c.requestID)
	res, err := a.runtime.Execute(ctx, c.patientID, decider.Meta{
		Actor: &eventsv1.Actor{
			ProfessionalId: c.caller.Actor.ProfessionalID, OrgNumber: c.caller.Actor.OrgNumber,
			PatientId: c.caller.Actor.PatientID, Service: c.caller.Actor.Service, Role: c.caller.Role,
		},
		IdempotencyKey: key,
		PatientID:      c.patientID,
	}, func(s domain.PatientState) ([]proto.Message, error) { return c.decide(s, newID, now) })
	if err != nil {
		return "", err
	}
	id, _ := res.State.ResultOf(c.caller.Actor, c.requestID)
	return id, nil
}

func (a *App) authorise(c Caller, r rule, s domain.PatientState) error {
	self := c.Actor.PatientID != "" && c.Actor.PatientID == s.PatientID
	switch r {
	case anyHealthPersonnel:
		if pid, err := ids.ParseProfessionalID(c.Actor.ProfessionalID); err == nil && pid.IsHealthPersonnel() {
			return nil
		}
		return errs.Permission("only health personnel may use emergency access")
	case patientOrTeam:
		if self {
			return nil
		}
	case professionalWithAccess:
		if self || c.Actor.PatientID != "" {
			return errs.Permission("patients cannot record this themselves")
		}
	}
	d := domain.CheckAccess(s, domain.AccessRequest{
		ActorProfessionalID: c.Actor.ProfessionalID, ActorOrgNumber: c.Actor.OrgNumber,
		Category: consentCategory, Now: a.clock.Now(),
	})
	if !d.Permit {
		return errs.NotFound("patient")
	}
	return nil
}

func validatePatientID(v *errs.Validation, id string) {
	if !ids.IsPatientID(id) {
		v.Add("patient_id", "must be a patient id (pt_…) from ResolvePatient")
	}
}

func mustPatientID(id string) error {
	var v errs.Validation
	validatePatientID(&v, id)
	return v.Err()
}
