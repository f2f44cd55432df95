// Package app holds the continuity service's commands and queries, each
// command declared once on the shared command pipeline (pkg/command). The
// patient's continuity record is one aggregate; requests name relationships,
// handoffs and plans, which an index resolves to their patient. Who may act
// is the consent service's answer for the category a command touches (a
// Requires step); the choices only the patient makes are the domain's rules.
// It knows nothing of gRPC.
package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// ServiceName is how the service names itself in the access log.
const ServiceName = "continuity"

// Consent is what the continuity service asks the consent service to record
// for the end user who made the choice here (onBehalfOf), under the same
// rules as if they had made it there. requestID makes each call safe to retry.
type Consent interface {
	WithdrawConsent(ctx context.Context, onBehalfOf access.Actor, patientID, consentID, requestID string) error
	PermitContactAfterEnd(ctx context.Context, onBehalfOf access.Actor, patientID, professionalID, requestID string) error
}

// App is the continuity service's application layer.
type App struct {
	patients *command.Aggregate[domain.Patient]
	image    *decider.Image[domain.Patient]
	index    *index
	guard    *access.Guard
	consent  Consent
	clock    clock.Clock
	zone     *time.Location
	logger   *slog.Logger

	startRelationship    *command.Handler[domain.Patient, StartRelationship]
	recordContact        *command.Handler[domain.Patient, RecordContact]
	endRelationship      *command.Handler[domain.Patient, EndRelationship]
	planHandoff          *command.Handler[domain.Patient, PlanHandoff]
	completeHandoff      *command.Handler[domain.Patient, CompleteHandoff]
	createPlan           *command.Handler[domain.Patient, CreatePlan]
	appointCoordinator   *command.Handler[domain.Patient, AppointCoordinator]
	addMember            *command.Handler[domain.Patient, AddMember]
	removeMember         *command.Handler[domain.Patient, RemoveMember]
	setGoal              *command.Handler[domain.Patient, SetGoal]
	assignService        *command.Handler[domain.Patient, AssignService]
	setMeetingPreference *command.Handler[domain.Patient, SetMeetingPreference]
	reviewPlan           *command.Handler[domain.Patient, ReviewPlan]
	recordPreference     *command.Handler[domain.Patient, RecordPreference]
}

// Deps are what the application needs from outside.
type Deps struct {
	Store   *eventstore.Store
	Image   *decider.Image[domain.Patient]
	Clock   clock.Clock
	IDs     idgen.Generator
	Guard   *access.Guard
	Consent Consent
	// Zone is Europe/Oslo: review dates default to today there.
	Zone   *time.Location
	Logger *slog.Logger
}

// New wires the application. The image must not have been fed yet: New
// registers the id index on it.
func New(d Deps) *App {
	idx := newIndex()
	d.Image.AddIndex(idx.add)
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	a := &App{image: d.Image, index: idx, guard: d.Guard, consent: d.Consent, clock: d.Clock, zone: d.Zone, logger: d.Logger}
	a.patients = command.NewAggregate(command.Config[domain.Patient]{
		Runtime: decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		Guard:   d.Guard, Clock: d.Clock, IDs: d.IDs, What: "patient",
		Exists:    func(p domain.Patient) bool { return p.PatientID != "" },
		PatientOf: func(p domain.Patient) string { return p.PatientID },
	})
	a.declare()
	return a
}

// Model is the continuity aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Patient] {
	return decider.Model[domain.Patient]{
		Context: "continuity", Type: "patient", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

// Commands names every command declared on the pipeline.
func (a *App) Commands() []string { return a.patients.Commands() }

// patientOf resolves an id a request names (relationship, handoff, plan) to
// its patient. An unknown id resolves to the decoy patient, so that it costs
// exactly what an id the caller may not see costs: the same access check,
// then the same NOT_FOUND.
func patientOf(id string, lookup func(string) (string, bool)) string {
	if p, ok := lookup(id); ok {
		return p
	}
	return access.Decoy
}

// mayRead asks whether someone other than the caller (a successor, a
// coordinator, a planning-group member) may read a category of the
// patient's data, and on which basis. The answer feeds the decision.
func (a *App) mayRead(ctx context.Context, professionalID, patientID string, category consentv1.Category) (access.Decision, error) {
	return a.guard.Check(ctx, access.Actor{ProfessionalID: professionalID}, access.Read{PatientID: patientID, Category: category})
}

// resultOf is the id the request produced, first time or on a retry.
func resultOf(res command.Result[domain.Patient], actor access.Actor, requestID string) string {
	id, _ := res.State.ResultOf(decider.RequestKey(actor.Scope(), requestID))
	return id
}

func validatePatientID(v *errs.Validation, patientID string) {
	if strings.TrimSpace(patientID) != "" && !ids.IsPatientID(patientID) {
		v.Add("patient_id", "must be a patient pseudonym")
	}
}

func validateID(v *errs.Validation, field, id string, required bool) {
	if id == "" && !required {
		return
	}
	v.ID(field, id)
}

// validateProfessional checks an "hpr:" or "ext:" id.
func validateProfessional(v *errs.Validation, field, id string, required bool) {
	if id == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if _, err := ids.ParseProfessionalID(id); err != nil {
		v.Add(field, ids.Reason(err))
	}
}

func validateUnit(v *errs.Validation, field string, u domain.Unit, required bool) {
	if u == (domain.Unit{}) && !required {
		return
	}
	v.Unit(field, u)
}

// validateInstant checks an optional instant: plausible, and not in the
// future unless future is allowed.
func validateInstant(v *errs.Validation, field string, t *time.Time, now time.Time, future bool) {
	if t == nil {
		return
	}
	v.Instant(field, *t)
	if !future && t.After(now) {
		v.Add(field, "must not be in the future")
	}
}

// instantOr is the given instant, or now when unset.
func instantOr(t *time.Time, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return *t
}

// civilToday is today's date in zone.
func civilToday(now time.Time, zone *time.Location) civil.Date { return civil.Of(now, zone) }
