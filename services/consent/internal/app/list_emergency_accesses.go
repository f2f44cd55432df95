package app

import (
	"context"
	"sync"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/paging"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// ListEmergencyAccesses asks for emergency accesses to review: one patient's,
// or, with no patient, those opened by professionals of the caller's
// organisation, which is where they are reviewed.
type ListEmergencyAccesses struct {
	PatientID      string
	UnreviewedOnly bool
	PageSize       int
	PageToken      string
}

// PatientEmergencyAccess is an emergency access with the patient it opened.
type PatientEmergencyAccess struct {
	PatientID string
	domain.EmergencyAccess
}

// EmergencyAccessPage is one page of emergency accesses, oldest opening first.
type EmergencyAccessPage struct {
	Accesses      []PatientEmergencyAccess
	NextPageToken string
}

// ListEmergencyAccesses lists emergency accesses for review. One patient's
// are a read of that patient's consent information, checked and logged like
// any other. An organisation's own are its record of what its personnel
// opened: the candidates come from an index by organisation, so what other
// organisations opened never shapes the page, its token or its latency.
func (a *App) ListEmergencyAccesses(ctx context.Context, actor access.Actor, in ListEmergencyAccesses) (EmergencyAccessPage, error) {
	var v errs.Validation
	if in.PatientID != "" {
		validatePatientID(&v, in.PatientID)
	} else if actor.OrgNumber == "" {
		v.Add("patient_id", "is required for callers without an organisation")
	}
	after, size := paging.Parse(&v, in.PageSize, in.PageToken)
	if err := v.Err(); err != nil {
		return EmergencyAccessPage{}, err
	}
	keep := func(e domain.EmergencyAccess) bool {
		return (!in.UnreviewedOnly || !e.Reviewed) && after.Precedes(e.OpenedAt, e.ID)
	}
	var matches []PatientEmergencyAccess
	if in.PatientID != "" {
		s, err := a.patient(ctx, actor, in.PatientID, "ListEmergencyAccesses")
		if err != nil {
			return EmergencyAccessPage{}, err
		}
		for _, e := range s.EmergencyAccesses {
			if keep(e) {
				matches = append(matches, PatientEmergencyAccess{PatientID: s.PatientID, EmergencyAccess: e})
			}
		}
	} else {
		if err := a.fresh(ctx); err != nil {
			return EmergencyAccessPage{}, err
		}
		for _, patientID := range a.emergencies.of(actor.OrgNumber) {
			for _, e := range a.image.Get(patientID).State.EmergencyAccesses {
				if e.OrgNumber == actor.OrgNumber && keep(e) {
					matches = append(matches, PatientEmergencyAccess{PatientID: patientID, EmergencyAccess: e})
				}
			}
		}
	}
	page, next := cut(matches, size, func(e PatientEmergencyAccess) (time.Time, string) { return e.OpenedAt, e.ID })
	return EmergencyAccessPage{Accesses: page, NextPageToken: next}, nil
}

// emergencies indexes patients by the organisations whose professionals
// opened emergency access to them.
type emergencies struct {
	mu    sync.RWMutex
	byOrg map[string]map[string]struct{}
}

func newEmergencies() *emergencies {
	return &emergencies{byOrg: map[string]map[string]struct{}{}}
}

func (x *emergencies) index(snap decider.Snapshot[domain.PatientState], _ eventstore.Record) {
	if len(snap.State.EmergencyAccesses) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range snap.State.EmergencyAccesses {
		if e.OrgNumber == "" {
			continue
		}
		patients, ok := x.byOrg[e.OrgNumber]
		if !ok {
			patients = map[string]struct{}{}
			x.byOrg[e.OrgNumber] = patients
		}
		patients[snap.ID] = struct{}{}
	}
}

// of returns the patients org's professionals opened emergency access to.
func (x *emergencies) of(org string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.byOrg[org]))
	for id := range x.byOrg[org] {
		out = append(out, id)
	}
	return out
}
