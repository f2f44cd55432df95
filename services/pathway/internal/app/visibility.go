package app

import (
	"sync"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// visibility indexes pathways by the organisation of their unit and by their
// patient: the candidates of a listing. A unit's listing pages over its own
// organisation's pathways only, so pathways elsewhere never shape its page,
// its token or its latency; a patient's listing reads that patient's
// pathways and nothing else, whether there are any or not.
type visibility struct {
	mu        sync.RWMutex
	byOrg     map[string]map[string]struct{}
	byPatient map[string]map[string]struct{}
}

func newVisibility() *visibility {
	return &visibility{byOrg: map[string]map[string]struct{}{}, byPatient: map[string]map[string]struct{}{}}
}

func (v *visibility) index(snap decider.Snapshot[domain.Pathway], _ eventstore.Record) {
	p := snap.State
	if !p.Exists() {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	add(v.byOrg, p.Unit.OrgNumber, p.ID)
	add(v.byPatient, p.PatientID, p.ID)
}

func add(index map[string]map[string]struct{}, key, id string) {
	if key == "" {
		return
	}
	ids, ok := index[key]
	if !ok {
		ids = map[string]struct{}{}
		index[key] = ids
	}
	ids[id] = struct{}{}
}

// ofOrg returns the ids of the pathways at org's units.
func (v *visibility) ofOrg(org string) []string { return v.of(v.byOrg, org) }

// ofPatient returns the ids of the patient's pathways.
func (v *visibility) ofPatient(patientID string) []string { return v.of(v.byPatient, patientID) }

func (v *visibility) of(index map[string]map[string]struct{}, key string) []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]string, 0, len(index[key]))
	for id := range index[key] {
		out = append(out, id)
	}
	return out
}
