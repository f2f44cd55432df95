package app

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/paging"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Tasks answers the FHIR edge: referrals received from ServiceRequests,
// and each referral's Task and ServiceRequest read from the task view. Every
// read goes through the same access check and access log as the gRPC reads.
type Tasks struct {
	app  *App
	view *TaskView
	// viewWait bounds how long a read waits for the view to catch up with
	// the write model.
	viewWait time.Duration
}

// NewTasks serves the FHIR edge from the application and its task view.
func NewTasks(a *App, v *TaskView) *Tasks { return &Tasks{app: a, view: v, viewWait: 5 * time.Second} }

// decoyPatient is a well-formed patient id no number hashes to (a 256-bit
// HMAC of all zero bits): asking about it costs the consent service what
// asking about a real patient does, and it is always denied.
const decoyPatient = "pt_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// fhirRead describes a FHIR read of a referral for the access log.
func fhirRead(patientID, referralID, interaction string) access.Read {
	return access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_REFERRAL, Service: "referral",
		Operation: "fhir/R4 " + interaction, Resource: "referrals/" + referralID,
	}
}

// Get returns a referral's Task state for the actor. A referral that does
// not exist and one the actor may not see give the same NotFound after the
// same work: an access check, against a patient no one is for the first.
// interaction names the read in the access log ("Task.read").
func (t *Tasks) Get(ctx context.Context, actor domain.Actor, referralID, interaction string) (fhirr4.TaskState, error) {
	snap := t.app.image.Get(referralID)
	if !snap.Exists() {
		if _, _, err := t.app.guard.Check(ctx, accessActor(actor), fhirRead(decoyPatient, referralID, interaction)); err != nil {
			return fhirr4.TaskState{}, err
		}
		return fhirr4.TaskState{}, errs.NotFound("referral")
	}
	ok, err := t.app.tryRevealRead(ctx, actor, snap.State, fhirRead(snap.State.PatientID, referralID, interaction))
	if err != nil {
		return fhirr4.TaskState{}, err
	}
	if !ok {
		return fhirr4.TaskState{}, errs.NotFound("referral")
	}
	return t.caughtUp(ctx, referralID, snap.Seq)
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

// Receive is conditional create: ReceiveReferralOnce, answered with the
// referral as received. The sender gets back what it sent without an
// access check, as over gRPC, and without waiting for the task view: a
// receipt's facts are all in the referral.
func (t *Tasks) Receive(ctx context.Context, in ReceiveReferral) (s fhirr4.TaskState, created bool, err error) {
	r, created, err := t.app.ReceiveReferralOnce(ctx, in)
	if err != nil {
		return fhirr4.TaskState{}, false, err
	}
	return receipt(r), created, nil
}

// receipt is the Task state of a referral as it was received, which is all
// its ServiceRequest shows.
func receipt(r domain.Referral) fhirr4.TaskState {
	return fhirr4.TaskState{TaskFacts: fhirr4.TaskFacts{
		ReferralID:        r.ID,
		PatientID:         r.PatientID,
		PatientNationalID: r.PatientNationalID,
		Sender:            r.SenderOrgNumber,
		Identifier:        fhirr4.SenderIdentifierOf(r.ExternalID),
		ReferrerHPR:       r.ReferrerHPR,
		ReferrerOrgNumber: r.ReferrerOrgNumber,
		RequestedUnit:     r.AddressedUnit(),
		Owner:             r.Unit,
		Urgency:           r.Urgency,
		Internal:          r.Internal,
		Reason:            r.Reason,
		ReceivedAt:        r.ReceivedAt,
	}}
}

// SenderIdentifierMatches lists the sender's referrals whose identifier has
// value under any system, for a conditional create that names no system.
func (t *Tasks) SenderIdentifierMatches(sender, value string) []fhirr4.TaskState {
	return t.view.Filter(func(s fhirr4.TaskState) bool {
		return s.Sender == sender && s.Identifier.Value == value
	})
}

// UnitMatch selects Tasks by the unit owning them: by HER-id, by
// organisation number, or by either when Any.
type UnitMatch struct {
	HerID     string
	OrgNumber string
}

// TaskQuery is a Task search. Every filter given must hold; a list matches
// when any of its entries does.
type TaskQuery struct {
	Actor domain.Actor
	// Owners and Requesters: at least one of them is required, so that a
	// search never walks every patient's referral.
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
// each read logged. The order is by last update, then id, so an engine
// polling with _lastUpdated=gt… sees every change.
func (t *Tasks) SearchTasks(ctx context.Context, q TaskQuery) (TaskPage, error) {
	var v errs.Validation
	if len(q.Owners) == 0 && len(q.Requesters) == 0 {
		v.Add("owner", "owner or requester is required")
	}
	after, size := paging.Parse(&v, q.PageSize, q.PageToken)
	if err := v.Err(); err != nil {
		return TaskPage{}, err
	}
	matches := t.view.Filter(func(s fhirr4.TaskState) bool {
		return s.Exists() && q.selects(s) && after.Precedes(s.LastUpdated, s.ReferralID)
	})
	slices.SortFunc(matches, func(x, y fhirr4.TaskState) int {
		return cmp.Or(x.LastUpdated.Compare(y.LastUpdated), strings.Compare(x.ReferralID, y.ReferralID))
	})
	var page TaskPage
	for _, s := range matches {
		if len(page.Tasks) == size {
			last := page.Tasks[len(page.Tasks)-1]
			page.NextPageToken = paging.After(last.LastUpdated, last.ReferralID).Encode()
			break
		}
		snap := t.app.image.Get(s.ReferralID)
		ok, err := t.app.tryRevealRead(ctx, q.Actor, snap.State, fhirRead(s.PatientID, s.ReferralID, "Task.search"))
		if err != nil {
			return TaskPage{}, err
		}
		if ok {
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
