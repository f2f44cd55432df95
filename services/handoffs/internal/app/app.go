// Package app answers the handoff views' queries: who may ask what, the
// access checks and access-log records for patient-level reads, and the
// de-identification of aggregates for ops. It knows nothing of gRPC.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
)

// Guard is the consent check and access log every patient-level read passes.
type Guard interface {
	Check(ctx context.Context, actor access.Actor, read access.Read) (access.Decision, error)
	CheckBatch(ctx context.Context, actor access.Actor, reads []access.Read) ([]access.Decision, error)
	Record(ctx context.Context, actor access.Actor, read access.Read, d access.Decision) error
}

// App is the handoff views' application layer.
type App struct {
	proj  *Projection
	store *eventstore.Store
	guard Guard
	clock clock.Clock
	zone  *time.Location
	// barrierWait bounds how long a query waits for the view to reach the
	// stream's head; after it the view answers as it stands (views may lag).
	barrierWait time.Duration
	// watchRecheck is how often a watch asks again even when nothing new
	// happened to the patient: access can end without an event (an
	// emergency access runs out of time).
	watchRecheck time.Duration
}

// Deps are what the application needs.
type Deps struct {
	Projection  *Projection
	Store       *eventstore.Store
	Guard       Guard
	Clock       clock.Clock
	Zone        *time.Location
	BarrierWait time.Duration
	// WatchRecheck defaults to 30 seconds.
	WatchRecheck time.Duration
}

// New wires the application.
func New(d Deps) *App {
	if d.BarrierWait == 0 {
		d.BarrierWait = time.Second
	}
	if d.WatchRecheck == 0 {
		d.WatchRecheck = 30 * time.Second
	}
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	return &App{proj: d.Projection, store: d.Store, guard: d.Guard, clock: d.Clock, zone: d.Zone, barrierWait: d.BarrierWait, watchRecheck: d.WatchRecheck}
}

// Caller is who asks.
type Caller struct {
	Actor access.Actor
}

func (c Caller) ops() bool { return c.Actor.Role == authn.RoleOps }

const service = "handoffs"

// fresh lets the view catch up with the stream as it was when the query
// began, so a caller reads its own writes. It is best effort: a view that
// cannot catch up in time answers as it stands.
func (a *App) fresh(ctx context.Context) {
	head, err := a.store.LastSeq(ctx)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, a.barrierWait)
	defer cancel()
	_ = a.proj.WaitApplied(ctx, head)
}

// permitted asks for every category and returns those the caller may see,
// with their decisions. None at all is NotFound, like an unknown patient.
func (a *App) permitted(ctx context.Context, c Caller, patientID, op string) (domain.Allowed, map[consentv1.Category]access.Decision, error) {
	allowed := domain.Allowed{}
	decisions := map[consentv1.Category]access.Decision{}
	reads := make([]access.Read, len(domain.Categories))
	for i, cat := range domain.Categories {
		reads[i] = read(patientID, cat, op)
	}
	// One batched check for every category, behind one read barrier.
	ds, err := a.guard.CheckBatch(ctx, c.Actor, reads)
	if err != nil {
		return nil, nil, err
	}
	for i, cat := range domain.Categories {
		if ds[i].Permit {
			allowed[cat], decisions[cat] = true, ds[i]
		}
	}
	if len(allowed) == 0 {
		return nil, nil, errs.NotFound("journey")
	}
	return allowed, decisions, nil
}

func read(patientID string, cat consentv1.Category, op string) access.Read {
	return access.Read{PatientID: patientID, Category: cat, Service: service, Operation: op, Resource: "journeys/" + patientID}
}

// record logs the read of each category about to leave.
func (a *App) record(ctx context.Context, c Caller, patientID, op string, decisions map[consentv1.Category]access.Decision, cats map[consentv1.Category]bool) error {
	for _, cat := range domain.Categories {
		if cats[cat] {
			if err := a.guard.Record(ctx, c.Actor, read(patientID, cat, op), decisions[cat]); err != nil {
				return err
			}
		}
	}
	return nil
}

func shownCategories(entries []*handoffsv1.JourneyEntry) map[consentv1.Category]bool {
	cats := map[consentv1.Category]bool{}
	for _, e := range entries {
		cats[e.GetCategory()] = true
	}
	return cats
}

// GetPatientJourney returns the patient's journey filtered by category.
func (a *App) GetPatientJourney(ctx context.Context, c Caller, patientID string) (*handoffsv1.GetPatientJourneyResponse, error) {
	if err := validPatient(patientID); err != nil {
		return nil, err
	}
	allowed, decisions, err := a.permitted(ctx, c, patientID, "GetPatientJourney")
	if err != nil {
		return nil, err
	}
	a.fresh(ctx)
	resp := &handoffsv1.GetPatientJourneyResponse{PatientId: patientID}
	a.proj.Read(func(v *domain.View) { resp.Entries = v.Journey(v.Patients[patientID], allowed, 0) })
	for _, cat := range domain.Categories {
		if !allowed[cat] {
			resp.Withheld = append(resp.Withheld, cat)
		}
	}
	// Every permitted category is logged, shown or empty: the caller learnt
	// that there is nothing in it, which is itself information.
	if err := a.record(ctx, c, patientID, "GetPatientJourney", decisions, allowed); err != nil {
		return nil, err
	}
	return resp, nil
}

// WatchPatientJourney sends the journey so far, then new entries, until ctx
// ends or access is withdrawn (NotFound).
func (a *App) WatchPatientJourney(ctx context.Context, c Caller, patientID string, send func(*handoffsv1.WatchPatientJourneyResponse) error) error {
	if err := validPatient(patientID); err != nil {
		return err
	}
	const op = "WatchPatientJourney"
	allowed, decisions, err := a.permitted(ctx, c, patientID, op)
	if err != nil {
		return err
	}
	a.fresh(ctx)
	var (
		entries []*handoffsv1.JourneyEntry
		last    uint64
	)
	advanced := a.proj.Advanced()
	a.proj.Read(func(v *domain.View) {
		entries = v.Journey(v.Patients[patientID], allowed, 0)
		if p := v.Patients[patientID]; p != nil {
			last = p.Folded
		}
	})
	if err := a.record(ctx, c, patientID, op, decisions, allowed); err != nil {
		return err
	}
	if err := send(&handoffsv1.WatchPatientJourneyResponse{Entries: entries}); err != nil {
		return err
	}
	recheck := time.NewTicker(a.watchRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-recheck.C:
			if _, _, err := a.permitted(ctx, c, patientID, op); err != nil {
				return err
			}
			continue
		case <-advanced:
		}
		var changed bool
		advanced = a.proj.Advanced()
		a.proj.Read(func(v *domain.View) {
			p := v.Patients[patientID]
			changed = p != nil && p.Folded > last
		})
		if !changed {
			continue
		}
		// Something happened to this patient — perhaps a consent change:
		// ask again before anything more leaves.
		allowed, decisions, err = a.permitted(ctx, c, patientID, op)
		if err != nil {
			return err
		}
		var fresh []*handoffsv1.JourneyEntry
		a.proj.Read(func(v *domain.View) {
			p := v.Patients[patientID]
			fresh = v.Journey(p, allowed, last)
			last = p.Folded
		})
		if len(fresh) == 0 {
			continue
		}
		if err := a.record(ctx, c, patientID, op, decisions, shownCategories(fresh)); err != nil {
			return err
		}
		if err := send(&handoffsv1.WatchPatientJourneyResponse{Entries: fresh}); err != nil {
			return err
		}
	}
}

// Window is a query's optional time bounds.
type Window struct{ From, To *time.Time }

// validate checks the window's bounds: plausible instants, in order.
func (w Window) validate(v *errs.Validation) {
	if w.From != nil {
		v.Instant("from", *w.From)
	}
	if w.To != nil {
		v.Instant("to", *w.To)
	}
	if w.From != nil && w.To != nil && w.To.Before(*w.From) {
		v.Add("to", "must not be before from")
	}
}

// validUnitFilter checks a unit filter when one is given (the zero unit
// means every unit the caller may see).
func validUnitFilter(v *errs.Validation, field string, u domain.Unit) {
	if u != (domain.Unit{}) {
		v.Unit(field, u)
	}
}

func (w Window) domain() domain.Window {
	var out domain.Window
	if w.From != nil {
		out.From = w.From.UnixNano()
	}
	if w.To != nil {
		out.To = w.To.UnixNano()
	}
	return out
}

// GetContinuity computes the continuity measures over a window.
func (a *App) GetContinuity(ctx context.Context, c Caller, patientID string, w Window) (*handoffsv1.GetContinuityResponse, error) {
	if err := validPatient(patientID); err != nil {
		return nil, err
	}
	var v errs.Validation
	w.validate(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := read(patientID, consentv1.Category_CATEGORY_RELATIONSHIPS, "GetContinuity")
	d, err := a.guard.Check(ctx, c.Actor, r)
	ok := d.Permit
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.NotFound("journey")
	}
	a.fresh(ctx)
	resp := &handoffsv1.GetContinuityResponse{}
	now := a.clock.Now().UnixNano()
	a.proj.Read(func(v *domain.View) {
		if p := v.Patients[patientID]; p != nil {
			resp = domain.Continuity(p, w.domain(), now)
		}
	})
	if err := a.guard.Record(ctx, c.Actor, r, d); err != nil {
		return nil, err
	}
	return resp, nil
}

// scope is which units the caller may see in aggregates: ops every unit,
// personnel their own organisation's; patients see no aggregates.
func (a *App) scope(c Caller) (domain.Scope, error) {
	if c.ops() {
		return domain.Scope{}, nil
	}
	if c.Actor.Role == authn.RolePatient || c.Actor.PatientID != "" {
		return domain.Scope{}, errs.Permission("patients see their own journey, not unit views")
	}
	if c.Actor.OrgNumber == "" {
		return domain.Scope{}, errs.Permission("unit views need an organisation")
	}
	return domain.Scope{VisibleOrg: c.Actor.OrgNumber}, nil
}

// GraphFilter is GetHandoffGraph's optional filters.
type GraphFilter struct {
	OrgNumber string
	Unit      domain.Unit
	Window    Window
}

// GetHandoffGraph returns the de-identified handoff graph.
func (a *App) GetHandoffGraph(ctx context.Context, c Caller, f GraphFilter) (*handoffsv1.GetHandoffGraphResponse, error) {
	s, err := a.scope(c)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	if f.OrgNumber != "" {
		if err := ids.ValidateOrgNumber(f.OrgNumber); err != nil {
			v.Add("org_number", ids.Reason(err))
		}
	}
	validUnitFilter(&v, "unit", f.Unit)
	f.Window.validate(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	s.OrgNumber, s.Unit, s.Window = f.OrgNumber, f.Unit, f.Window.domain()
	a.fresh(ctx)
	var resp *handoffsv1.GetHandoffGraphResponse
	a.proj.Read(func(v *domain.View) { resp = v.Graph(s) })
	return resp, nil
}

// ListPatientsWithoutContact lists patients left with no named person:
// counts for ops, patients the caller may see for everyone else.
func (a *App) ListPatientsWithoutContact(ctx context.Context, c Caller, unit domain.Unit) (*handoffsv1.ListPatientsWithoutContactResponse, error) {
	s, err := a.scope(c)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	validUnitFilter(&v, "unit", unit)
	if err := v.Err(); err != nil {
		return nil, err
	}
	s.Unit = unit
	a.fresh(ctx)
	var list []*handoffsv1.PatientWithoutContact
	a.proj.Read(func(v *domain.View) { list = v.WithoutContact(s) })
	if c.ops() {
		return &handoffsv1.ListPatientsWithoutContactResponse{Counts: domain.CountByUnit(list,
			func(p *handoffsv1.PatientWithoutContact) string { return domain.UnitKey(p.GetUnit()) },
			func(p *handoffsv1.PatientWithoutContact) string { return p.GetRole() })}, nil
	}
	shown, err := permittedItems(ctx, a, c, "ListPatientsWithoutContact", list, func(p *handoffsv1.PatientWithoutContact) (string, consentv1.Category) {
		return p.GetPatientId(), consentv1.Category_CATEGORY_RELATIONSHIPS
	})
	if err != nil {
		return nil, err
	}
	return &handoffsv1.ListPatientsWithoutContactResponse{Patients: shown}, nil
}

// ListDeadlineRisks lists dates at risk: counts for ops, the caller's
// patients for everyone else.
func (a *App) ListDeadlineRisks(ctx context.Context, c Caller, unit domain.Unit, withinDays int) (*handoffsv1.ListDeadlineRisksResponse, error) {
	s, err := a.scope(c)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	v.Check(withinDays >= 0 && withinDays <= 366, "within_days", "must be between 0 and 366")
	validUnitFilter(&v, "unit", unit)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if withinDays == 0 {
		withinDays = 14
	}
	s.Unit = unit
	a.fresh(ctx)
	today := domain.Day(a.clock.Now().In(a.zone).Format(time.DateOnly))
	var risks []*handoffsv1.DeadlineRisk
	a.proj.Read(func(v *domain.View) { risks = v.DeadlineRisks(s, today, int32(withinDays)) })
	if c.ops() {
		return &handoffsv1.ListDeadlineRisksResponse{Counts: domain.CountByUnit(risks,
			func(r *handoffsv1.DeadlineRisk) string { return domain.UnitKey(r.GetUnit()) },
			func(r *handoffsv1.DeadlineRisk) string { return r.GetKind().String() })}, nil
	}
	shown, err := permittedItems(ctx, a, c, "ListDeadlineRisks", risks, func(r *handoffsv1.DeadlineRisk) (string, consentv1.Category) {
		if r.GetKind() == handoffsv1.RiskKind_RISK_KIND_MILESTONE {
			return r.GetPatientId(), consentv1.Category_CATEGORY_PATHWAY
		}
		return r.GetPatientId(), consentv1.Category_CATEGORY_REFERRAL
	})
	if err != nil {
		return nil, err
	}
	return &handoffsv1.ListDeadlineRisksResponse{Risks: shown}, nil
}

// permittedItems keeps the patient-level items of one list answer that the caller
// may see: each patient and category is asked once, all of them in one
// batched check, and each permitted one is logged once, however many items
// it has. The items are already scoped to the caller's organisation.
func permittedItems[T any](ctx context.Context, a *App, c Caller, op string, items []T, of func(T) (string, consentv1.Category)) ([]T, error) {
	type key struct {
		patient string
		cat     consentv1.Category
	}
	index := map[key]int{}
	var reads []access.Read
	for _, it := range items {
		patient, cat := of(it)
		k := key{patient, cat}
		if _, ok := index[k]; !ok {
			index[k] = len(reads)
			reads = append(reads, read(patient, cat, op))
		}
	}
	decisions, err := a.guard.CheckBatch(ctx, c.Actor, reads)
	if err != nil {
		return nil, err
	}
	for i, d := range decisions {
		if d.Permit {
			if err := a.guard.Record(ctx, c.Actor, reads[i], d); err != nil {
				return nil, fmt.Errorf("handoffs: %w", err)
			}
		}
	}
	var out []T
	for _, it := range items {
		patient, cat := of(it)
		if decisions[index[key{patient, cat}]].Permit {
			out = append(out, it)
		}
	}
	return out, nil
}

func validPatient(id string) error {
	if !ids.IsPatientID(id) {
		return errs.Invalid("patient_id", "must be a patient id (pt_…) from ResolvePatient")
	}
	return nil
}
