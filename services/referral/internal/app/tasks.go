package app

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/paging"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Tasks answers the FHIR edge over the same pipeline as gRPC: referrals are
// received by the one ReceiveReferral command, and each referral's Task and
// ServiceRequest are read through the aggregate's Get and Visible, so every
// read makes the same access check and access-log record as a gRPC read,
// and a refused one costs what a missing one costs. The task view adds only
// what a Task shows beyond the referral (its pathway's facts).
type Tasks struct {
	app  *App
	view *TaskView
	// viewWait bounds how long a read waits for the view to catch up with
	// the write model.
	viewWait time.Duration
}

// NewTasks serves the FHIR edge from the application and its task view.
func NewTasks(a *App, v *TaskView) *Tasks { return &Tasks{app: a, view: v, viewWait: 5 * time.Second} }

// fhirRead is a FHIR interaction ("Task.read") as the access log names it.
func fhirRead(interaction string) func(domain.Referral) access.Read {
	return readAs("fhir/R4 " + interaction)
}

// Get returns a referral's Task state for the actor, read as interaction
// ("Task.read", "ServiceRequest.read"). It is GetReferral's read: a
// referral that does not exist and one the actor may not see give the same
// NotFound after the same work.
func (t *Tasks) Get(ctx context.Context, actor access.Actor, referralID, interaction string) (fhirr4.TaskState, error) {
	var v errs.Validation
	v.ID("id", referralID)
	if err := v.Err(); err != nil {
		return fhirr4.TaskState{}, err
	}
	if _, err := t.app.referrals.Get(ctx, actor, referralID, fhirRead(interaction)); err != nil {
		return fhirr4.TaskState{}, err
	}
	return t.caughtUp(ctx, referralID, t.app.image.Get(referralID).Seq)
}

// caughtUp is the referral's Task once the view holds at least the
// referral commit at seq, so a Task never shows less than the write model.
func (t *Tasks) caughtUp(ctx context.Context, referralID string, seq uint64) (fhirr4.TaskState, error) {
	wctx, cancel := context.WithTimeout(ctx, t.viewWait)
	defer cancel()
	if err := t.view.WaitApplied(wctx, seq); err != nil {
		return fhirr4.TaskState{}, errs.Unavailable("task view", err)
	}
	s, ok := t.view.Get(referralID)
	if !ok {
		return fhirr4.TaskState{}, errs.Unavailable("task view", errs.NotFound("task"))
	}
	return s, nil
}

// IdentifierRequestID is the request id of a create whose idempotency is
// the sender's own identifier (FHIR's conditional create): the same
// identifier always gives the same request id, of a bounded length, so the
// pipeline's replay and reuse rules apply to it as to any request id.
func IdentifierRequestID(externalID string) string {
	sum := sha256.Sum256([]byte(externalID))
	return "fhir-identifier/" + hex.EncodeToString(sum[:16])
}

// Receive is conditional create: ReceiveReferral under the request id the
// sender's identifier gives, answered with the referral as received. created
// is false for a replay of a create the sender made before, which appended
// nothing. A different referral under the same identifier is the
// pipeline's REQUEST_ID_REUSED (on request_id or external_id). The sender
// gets back what it sent without an access check, as over gRPC, and without
// waiting for the task view: a receipt's facts are all in the referral.
func (t *Tasks) Receive(ctx context.Context, actor access.Actor, in ReceiveReferral) (s fhirr4.TaskState, created bool, err error) {
	res, err := t.app.ReceiveReferral(ctx, actor, IdentifierRequestID(in.ExternalID), in)
	if err != nil {
		return fhirr4.TaskState{}, false, err
	}
	return receipt(res.State), !res.Replayed, nil
}

// receipt is the Task state of a referral as it was received (the state the
// receipt's commit left), which is all its ServiceRequest shows.
func receipt(r domain.Referral) fhirr4.TaskState {
	return fhirr4.TaskState{TaskFacts: fhirr4.TaskFacts{
		ReferralID:        r.ID,
		PatientID:         r.PatientID,
		PatientNationalID: r.PatientNationalID,
		Sender:            r.SenderOrgNumber,
		Identifier:        fhirr4.SenderIdentifierOf(r.ExternalID),
		ReferrerHPR:       r.ReferrerHPR,
		ReferrerOrgNumber: r.ReferrerOrgNumber,
		RequestedUnit:     r.Unit,
		Owner:             r.Unit,
		Urgency:           r.Urgency,
		Internal:          r.Internal,
		Reason:            r.Reason,
		ReceivedAt:        r.ReceivedAt,
	}}
}

// SenderIdentifiers lists the identifiers of the actor's organisation's own
// referrals that have value under any system, for a conditional create that
// names no system. They are the sender's own keys, as a reused request id's
// original is: nothing of a patient's.
func (t *Tasks) SenderIdentifiers(actor access.Actor, value string) []fhirr4.SenderIdentifier {
	var out []fhirr4.SenderIdentifier
	for _, id := range t.app.visible.of(actor.OrgNumber) {
		r := t.app.image.Get(id).State
		if !r.SentBy(actor.OrgNumber) {
			continue
		}
		if ident := fhirr4.SenderIdentifierOf(r.ExternalID); ident.Value == value {
			out = append(out, ident)
		}
	}
	return out
}

// UnitMatch selects Tasks by the unit owning them: by HER-id, by
// organisation number, or by both.
type UnitMatch struct {
	HerID     string
	OrgNumber string
}

// TaskQuery is a Task search. Every filter given must hold; a list matches
// when any of its entries does.
type TaskQuery struct {
	// Owners and Requesters: at least one of them is required.
	Owners     []UnitMatch
	Requesters []string
	Statuses   []fhirr4.TaskStatus
	// Updated filters meta.lastUpdated; nil accepts all.
	Updated   func(time.Time) bool
	PageSize  int
	PageToken string
}

// TaskPage is a page of Tasks, oldest update first.
type TaskPage struct {
	Tasks         []fhirr4.TaskState
	NextPageToken string
}

// SearchTasks lists the Tasks the query selects that the actor may read,
// each read logged. It is ListReferrals' shape: the candidates are the
// referrals the actor's organisation holds a record of (the sender's
// included), the page is cut from them, and one batched access check
// decides the page's rows, so what is hidden never shapes a page or its
// token. The order is by last update, then id, so an engine polling with
// _lastUpdated=gt… sees every change.
func (t *Tasks) SearchTasks(ctx context.Context, actor access.Actor, q TaskQuery) (TaskPage, error) {
	var v errs.Validation
	if len(q.Owners) == 0 && len(q.Requesters) == 0 {
		v.Add("owner", "owner or requester is required")
	}
	after, size := paging.Parse(&v, q.PageSize, q.PageToken)
	if err := v.Err(); err != nil {
		return TaskPage{}, err
	}
	var matches []fhirr4.TaskState
	for _, id := range t.app.visible.of(actor.OrgNumber) {
		s, ok := t.view.Get(id)
		if !ok || !s.Exists() || !q.selects(s) || !after.Precedes(s.LastUpdated, s.ReferralID) {
			continue
		}
		matches = append(matches, s)
	}
	slices.SortFunc(matches, func(x, y fhirr4.TaskState) int {
		return cmp.Or(x.LastUpdated.Compare(y.LastUpdated), strings.Compare(x.ReferralID, y.ReferralID))
	})
	var page TaskPage
	if len(matches) > size {
		last := matches[size-1]
		page.NextPageToken = paging.After(last.LastUpdated, last.ReferralID).Encode()
		matches = matches[:size]
	}
	referrals := make([]domain.Referral, len(matches))
	for i, s := range matches {
		referrals[i] = t.app.image.Get(s.ReferralID).State
	}
	visible, err := t.app.referrals.Visible(ctx, actor, referrals, fhirRead("Task.search"))
	if err != nil {
		return TaskPage{}, err
	}
	permitted := make(map[string]bool, len(visible))
	for _, r := range visible {
		permitted[r.ID] = true
	}
	for _, s := range matches {
		if permitted[s.ReferralID] {
			page.Tasks = append(page.Tasks, s)
		}
	}
	return page, nil
}

func (q TaskQuery) selects(s fhirr4.TaskState) bool {
	if len(q.Owners) > 0 && !slices.ContainsFunc(q.Owners, func(u UnitMatch) bool {
		return (u.HerID == "" || u.HerID == s.Owner.HerID) && (u.OrgNumber == "" || u.OrgNumber == s.Owner.OrgNumber)
	}) {
		return false
	}
	if len(q.Requesters) > 0 && !slices.Contains(q.Requesters, s.Sender) {
		return false
	}
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, s.Status) {
		return false
	}
	return q.Updated == nil || q.Updated(s.LastUpdated)
}
