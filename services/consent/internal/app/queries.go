package app

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/paging"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// Page bounds a listing.
type Page struct {
	Size  int
	Token string
}

func (p Page) size() int { return paging.Size(p.Size) }

// offset reads an offset token; tokens are opaque to clients.
func (p Page) offset() (int, error) {
	if p.Token == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Token)
	if err != nil {
		return 0, errs.Invalid("page_token", "is not a token this service issued")
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		return 0, errs.Invalid("page_token", "is not a token this service issued")
	}
	return n, nil
}

func offsetToken(n int) string { return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(n))) }

// readPatient opens the patient's consent information to the caller, or
// answers NotFound as if there were no such patient. Services asking for
// their own decisions (a pathway needing legal status) are trusted callers.
func (a *App) readPatient(ctx context.Context, c Caller, patientID, operation string) (domain.PatientState, error) {
	if err := mustPatientID(patientID); err != nil {
		return domain.PatientState{}, err
	}
	if err := a.fresh(ctx); err != nil {
		return domain.PatientState{}, err
	}
	if !c.Service {
		read := access.Read{PatientID: patientID, Category: consentCategory, Service: "consent", Operation: operation, Resource: "patients/" + patientID}
		if _, err := a.guard.Allow(ctx, c.accessActor(), read, "patient"); err != nil {
			return domain.PatientState{}, err
		}
	}
	return a.image.Get(patientID).State, nil
}

// GetLegalStatus is the patient's legal status today.
func (a *App) GetLegalStatus(ctx context.Context, c Caller, patientID string) (domain.LegalStatus, error) {
	s, err := a.readPatient(ctx, c, patientID, "GetLegalStatus")
	if err != nil {
		return domain.LegalStatus{}, err
	}
	return domain.LegalStatusOn(s, a.policy.DateOf(a.clock.Now())), nil
}

// ConsentPage is one page of consents.
type ConsentPage struct {
	Consents []domain.Consent
	Next     string
}

// ListConsents lists the patient's consents, newest last.
func (a *App) ListConsents(ctx context.Context, c Caller, patientID string, includeInactive bool, p Page) (ConsentPage, error) {
	from, err := p.offset()
	if err != nil {
		return ConsentPage{}, err
	}
	s, err := a.readPatient(ctx, c, patientID, "ListConsents")
	if err != nil {
		return ConsentPage{}, err
	}
	all := s.Consents
	if !includeInactive {
		all = s.ActiveConsents(a.clock.Now())
	}
	page := paginate(all, from, p.size())
	return ConsentPage{Consents: page.items, Next: page.next}, nil
}

// AccessLogPage is one page of the access log.
type AccessLogPage struct {
	Entries []*consentv1.AccessLogEntry
	Next    string
}

// ListAccessLog lists who read the patient's data, and why, oldest first.
// The patient may always read their own log; reading it is logged too.
func (a *App) ListAccessLog(ctx context.Context, c Caller, patientID string, p Page) (AccessLogPage, error) {
	var after uint64
	if p.Token != "" {
		n, err := p.offset()
		if err != nil {
			return AccessLogPage{}, err
		}
		after = uint64(n)
	}
	if _, err := a.readPatient(ctx, c, patientID, "ListAccessLog"); err != nil {
		return AccessLogPage{}, err
	}
	entries, next, err := a.audit.List(ctx, patientID, after, p.size())
	if err != nil {
		return AccessLogPage{}, err
	}
	page := AccessLogPage{Entries: make([]*consentv1.AccessLogEntry, 0, len(entries))}
	for _, e := range entries {
		page.Entries = append(page.Entries, e.Entry)
	}
	if next != 0 {
		page.Next = offsetToken(int(next))
	}
	return page, nil
}

// EmergencyAccessPage is one page of emergency accesses.
type EmergencyAccessPage struct {
	Accesses []PatientEmergencyAccess
	Next     string
}

// PatientEmergencyAccess is an emergency access with the patient it opened.
type PatientEmergencyAccess struct {
	PatientID string
	domain.EmergencyAccess
}

// ListEmergencyAccesses lists emergency accesses for review: one patient's
// (for those with access to the patient), or, without a patient, every
// access opened by someone at the caller's organisation, which is where
// they are reviewed.
func (a *App) ListEmergencyAccesses(ctx context.Context, c Caller, patientID string, unreviewedOnly bool, p Page) (EmergencyAccessPage, error) {
	from, err := p.offset()
	if err != nil {
		return EmergencyAccessPage{}, err
	}
	keep := func(e domain.EmergencyAccess) bool { return !unreviewedOnly || !e.Reviewed }
	var all []PatientEmergencyAccess
	if patientID != "" {
		s, err := a.readPatient(ctx, c, patientID, "ListEmergencyAccesses")
		if err != nil {
			return EmergencyAccessPage{}, err
		}
		for _, e := range s.EmergencyAccesses {
			if keep(e) {
				all = append(all, PatientEmergencyAccess{PatientID: patientID, EmergencyAccess: e})
			}
		}
	} else {
		if c.Actor.OrgNumber == "" {
			return EmergencyAccessPage{}, errs.Invalid("patient_id", "is required for callers without an organisation")
		}
		if err := a.fresh(ctx); err != nil {
			return EmergencyAccessPage{}, err
		}
		a.image.Range(func(snap decider.Snapshot[domain.PatientState]) bool {
			for _, e := range snap.State.EmergencyAccesses {
				if e.OrgNumber == c.Actor.OrgNumber && keep(e) {
					all = append(all, PatientEmergencyAccess{PatientID: snap.ID, EmergencyAccess: e})
				}
			}
			return true
		})
		slices.SortFunc(all, func(x, y PatientEmergencyAccess) int { return x.OpenedAt.Compare(y.OpenedAt) })
	}
	page := paginate(all, from, p.size())
	return EmergencyAccessPage{Accesses: page.items, Next: page.next}, nil
}

type paged[T any] struct {
	items []T
	next  string
}

func paginate[T any](all []T, from, size int) paged[T] {
	if from >= len(all) {
		return paged[T]{}
	}
	end := min(from+size, len(all))
	p := paged[T]{items: all[from:end]}
	if end < len(all) {
		p.next = offsetToken(end)
	}
	return p
}
