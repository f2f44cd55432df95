package app

import (
	"sync"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// index finds the patient aggregate a relationship, handoff or plan id
// belongs to; requests name those ids, the aggregate is the patient's. It is
// folded from the aggregate's own state like everything else.
type index struct {
	mu            sync.RWMutex
	relationships map[string]string
	handoffs      map[string]string
	plans         map[string]string
}

func newIndex() *index {
	return &index{relationships: map[string]string{}, handoffs: map[string]string{}, plans: map[string]string{}}
}

func (x *index) add(snap decider.Snapshot[domain.Patient], _ eventstore.Record) {
	p := snap.State
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range p.Relationships {
		x.relationships[r.ID] = snap.ID
	}
	for _, h := range p.Handoffs {
		x.handoffs[h.ID] = snap.ID
	}
	if p.Plan != nil {
		x.plans[p.Plan.ID] = snap.ID
	}
}

func (x *index) lookup(m map[string]string, id string) (string, bool) {
	if id == "" {
		return "", false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := m[id]
	return p, ok
}

func (x *index) relationship(id string) (string, bool) { return x.lookup(x.relationships, id) }
func (x *index) handoff(id string) (string, bool)      { return x.lookup(x.handoffs, id) }
func (x *index) plan(id string) (string, bool)         { return x.lookup(x.plans, id) }
