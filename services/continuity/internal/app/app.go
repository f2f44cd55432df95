// Package app holds the continuity service's command and query handlers: it
// validates input, finds the patient's aggregate, asks the consent service
// what the rules need to know (through the access guard), lets the domain
// decide and the decider runtime append. It knows nothing of gRPC.
package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

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
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// ServiceName is how the service names itself in the access log.
const ServiceName = "continuity"

// Guard is the access guard (pkg/access): Check decides, Allow decides and
// writes the access log.
type Guard interface {
	Check(ctx context.Context, actor access.Actor, read access.Read) (access.Decision, error)
	CheckBatch(ctx context.Context, actor access.Actor, reads []access.Read) ([]access.Decision, error)
	Allow(ctx context.Context, actor access.Actor, read access.Read, what string) (access.Decision, error)
}

// Consent is what the continuity service asks the consent service to record
// for the end user who made the choice here (onBehalfOf), under the same
// rules as if they had made it there. requestID makes each call safe to retry.
type Consent interface {
	WithdrawConsent(ctx context.Context, onBehalfOf Caller, patientID, consentID, requestID string) error
	PermitContactAfterEnd(ctx context.Context, onBehalfOf Caller, patientID, professionalID, requestID string) error
}

// App is the continuity service's application layer.
type App struct {
	runtime *decider.Runtime[domain.Patient]
	image   *decider.Image[domain.Patient]
	index   *index
	clock   clock.Clock
	ids     idgen.Generator
	guard   Guard
	consent Consent
	zone    *time.Location
	logger  *slog.Logger
}

// Deps are what the application needs from outside.
type Deps struct {
	Store   *eventstore.Store
	Image   *decider.Image[domain.Patient]
	Clock   clock.Clock
	IDs     idgen.Generator
	Guard   Guard
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
	return &App{
		runtime: decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0),
		image:   d.Image, index: idx, clock: d.Clock, ids: d.IDs, guard: d.Guard, consent: d.Consent, zone: d.Zone, logger: d.Logger,
	}
}

// Model is the continuity aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Patient] {
	return decider.Model[domain.Patient]{
		Context: "continuity", Type: "patient", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

// Caller is the authenticated end user of a request.
type Caller = access.Actor

func domainActor(c Caller) domain.Actor {
	return domain.Actor{ProfessionalID: c.ProfessionalID, OrgNumber: c.OrgNumber, PatientID: c.PatientID, Role: string(c.Role), Service: c.Service}
}

// requestKey scopes a request id to who sent it, so no caller can reach
// another's result by guessing its request id.
func requestKey(c Caller, requestID string) string {
	who := "professional:" + c.ProfessionalID + "@" + c.OrgNumber
	switch {
	case c.PatientID != "":
		who = "patient:" + c.PatientID
	case c.ProfessionalID == "":
		who = "service:" + c.Service + "@" + c.OrgNumber
	}
	return decider.RequestKey(who, requestID)
}

func (a *App) meta(c Caller, requestID, patientID string) decider.Meta {
	return decider.Meta{
		Actor: &eventsv1.Actor{
			ProfessionalId: c.ProfessionalID, OrgNumber: c.OrgNumber, Role: string(c.Role), Service: c.Service, PatientId: c.PatientID,
		},
		IdempotencyKey: requestKey(c, requestID),
		PatientID:      patientID,
	}
}

// execute runs a command on the patient's aggregate.
func (a *App) execute(ctx context.Context, c Caller, patientID, requestID string, decide decider.Decide[domain.Patient]) (decider.Result[domain.Patient], error) {
	return a.runtime.Execute(ctx, patientID, a.meta(c, requestID, patientID), decide)
}

// authorize lets a command touch a patient's data only when the caller may
// read that category of it — the patient themself, the care team, or by
// consent. A refusal is NotFound(what), exactly what a missing id answers:
// writing must not become a way to learn who is a patient. Commands check
// without logging; they return ids, not the patient's data.
func (a *App) authorize(ctx context.Context, c Caller, patientID string, category consentv1.Category, what string) error {
	if c.Role == authn.RoleOps {
		return errs.NotFound(what)
	}
	d, err := a.guard.Check(ctx, c, access.Read{PatientID: patientID, Category: category})
	ok := d.Permit
	if err != nil {
		return err
	}
	if !ok {
		return errs.NotFound(what)
	}
	return nil
}

// mayRead asks whether someone other than the caller (a successor, a
// coordinator, a planning-group member) may read a category of the
// patient's data, and on which basis.
func (a *App) mayRead(ctx context.Context, professionalID, patientID string, category consentv1.Category) (access.Decision, bool, error) {
	d, err := a.guard.Check(ctx, access.Actor{ProfessionalID: professionalID}, access.Read{PatientID: patientID, Category: category})
	return d, d.Permit, err
}

// relationshipPatient finds the patient a relationship belongs to, if the
// caller may know it.
func (a *App) relationshipPatient(ctx context.Context, c Caller, relationshipID string) (string, error) {
	patientID, ok := a.index.relationship(relationshipID)
	if !ok {
		return "", errs.NotFound("relationship")
	}
	return patientID, a.authorize(ctx, c, patientID, consentv1.Category_CATEGORY_RELATIONSHIPS, "relationship")
}

// planPatient finds the patient a plan belongs to, if the caller may know it.
func (a *App) planPatient(ctx context.Context, c Caller, planID string) (string, error) {
	patientID, ok := a.index.plan(planID)
	if !ok {
		return "", errs.NotFound("individual plan")
	}
	return patientID, a.authorize(ctx, c, patientID, consentv1.Category_CATEGORY_PLAN, "individual plan")
}

// resultOf is the id the request produced, first time or on a retry.
func resultOf(res decider.Result[domain.Patient], c Caller, requestID string) string {
	id, _ := res.State.ResultOf(requestKey(c, requestID))
	return id
}

func validatePatientID(v *errs.Validation, patientID string) {
	switch {
	case strings.TrimSpace(patientID) == "":
		v.Add("patient_id", "is required")
	case !ids.IsPatientID(patientID):
		v.Add("patient_id", "must be a patient pseudonym")
	}
}

func validateID(v *errs.Validation, field, id string, required bool) {
	switch {
	case strings.TrimSpace(id) == "":
		if required {
			v.Add(field, "is required")
		}
	case len(id) > 128:
		v.Add(field, "must be at most 128 characters")
	}
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

// instantOr is the given instant, or now when unset; past instants only
// unless future is allowed.
func instantOr(v *errs.Validation, field string, t *time.Time, now time.Time, future bool) time.Time {
	if t == nil {
		return now
	}
	if !future && t.After(now) {
		v.Add(field, "must not be in the future")
	}
	return *t
}

func enumOK[E ~int32](e E, names map[int32]string) bool {
	_, ok := names[int32(e)]
	return ok && e != 0
}
