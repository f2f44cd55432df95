package app

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/paging"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// patient answers a query about one patient's consent information: after
// the read barrier, the patient's state as one checked and logged read.
// Absent and denied are the same NOT_FOUND after the same work (one image
// read, one access check, no log record). The suite's own services ask for
// decisions of their own (a pathway needs the legal status) and check their
// end users themselves, so they read without a check of their own.
func (a *App) patient(ctx context.Context, actor access.Actor, patientID, operation string) (domain.PatientState, error) {
	if err := a.fresh(ctx); err != nil {
		return domain.PatientState{}, err
	}
	if actor.IsService() {
		return a.image.Get(patientID).State, nil
	}
	return a.patients.Get(ctx, actor, patientID, read(operation))
}

// GetLegalStatus is the patient's legal status today.
func (a *App) GetLegalStatus(ctx context.Context, actor access.Actor, patientID string) (domain.LegalStatus, error) {
	var v errs.Validation
	validatePatientID(&v, patientID)
	if err := v.Err(); err != nil {
		return domain.LegalStatus{}, err
	}
	s, err := a.patient(ctx, actor, patientID, "GetLegalStatus")
	if err != nil {
		return domain.LegalStatus{}, err
	}
	return domain.LegalStatusOn(s, a.policy.DateOf(a.clock.Now())), nil
}

// ListConsents asks for one patient's consents.
type ListConsents struct {
	PatientID       string
	IncludeInactive bool
	PageSize        int
	PageToken       string
}

// ConsentPage is one page of consents, oldest grant first.
type ConsentPage struct {
	Consents      []domain.Consent
	NextPageToken string
}

// ListConsents lists the patient's consents: those that apply now, or with
// IncludeInactive the withdrawn and expired ones too.
func (a *App) ListConsents(ctx context.Context, actor access.Actor, in ListConsents) (ConsentPage, error) {
	var v errs.Validation
	validatePatientID(&v, in.PatientID)
	after, size := paging.Parse(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return ConsentPage{}, err
	}
	s, err := a.patient(ctx, actor, in.PatientID, "ListConsents")
	if err != nil {
		return ConsentPage{}, err
	}
	now := a.clock.Now()
	var matches []domain.Consent
	for _, c := range s.Consents {
		if (in.IncludeInactive || c.ActiveAt(now)) && after.Precedes(c.GrantedAt, c.ID) {
			matches = append(matches, c)
		}
	}
	page, next := cut(matches, size, func(c domain.Consent) (time.Time, string) { return c.GrantedAt, c.ID })
	return ConsentPage{Consents: page, NextPageToken: next}, nil
}

// ListAccessLog asks for one patient's access log.
type ListAccessLog struct {
	PatientID string
	PageSize  int
	PageToken string
}

// AccessLogPage is one page of the access log, oldest first.
type AccessLogPage struct {
	Entries       []*consentv1.AccessLogEntry
	NextPageToken string
}

// ListAccessLog lists who read the patient's data, and why. The patient may
// always read their own log (BASIS_OWN_DATA); reading it is logged too.
func (a *App) ListAccessLog(ctx context.Context, actor access.Actor, in ListAccessLog) (AccessLogPage, error) {
	var v errs.Validation
	validatePatientID(&v, in.PatientID)
	after, size := paging.ParseSeq(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return AccessLogPage{}, err
	}
	if _, err := a.patient(ctx, actor, in.PatientID, "ListAccessLog"); err != nil {
		return AccessLogPage{}, err
	}
	entries, last, err := a.audit.List(ctx, in.PatientID, after, size)
	if err != nil {
		return AccessLogPage{}, err
	}
	page := AccessLogPage{Entries: make([]*consentv1.AccessLogEntry, 0, len(entries))}
	for _, e := range entries {
		page.Entries = append(page.Entries, e.Entry)
	}
	if last != 0 {
		page.NextPageToken = paging.SeqToken(last)
	}
	return page, nil
}

// cut sorts matches by key and cuts the first page of size from them; the
// token is there only when another page follows.
func cut[T any](matches []T, size int, key func(T) (time.Time, string)) ([]T, string) {
	slices.SortFunc(matches, func(x, y T) int {
		xt, xid := key(x)
		yt, yid := key(y)
		return cmp.Or(xt.Compare(yt), strings.Compare(xid, yid))
	})
	if len(matches) <= size {
		return matches, ""
	}
	at, id := key(matches[size-1])
	return matches[:size], paging.After(at, id).Encode()
}
