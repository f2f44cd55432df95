package app

import (
	"sync"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// visibility indexes referrals by the organisations that hold their record
// (the receiving units, past and present, and the sender): the candidates a
// caller's listing may show. Lists page over these candidates only, so rows
// of other organisations never shape a page, its token or its latency.
type visibility struct {
	mu    sync.RWMutex
	byOrg map[string]map[string]struct{}
}

func newVisibility() *visibility {
	return &visibility{byOrg: map[string]map[string]struct{}{}}
}

func (v *visibility) index(snap decider.Snapshot[domain.Referral], _ eventstore.Record) {
	r := snap.State
	orgs := []string{r.Unit.OrgNumber, r.SenderOrgNumber}
	for _, f := range r.Forwardings {
		orgs = append(orgs, f.From.OrgNumber)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, org := range orgs {
		if org == "" {
			continue
		}
		ids, ok := v.byOrg[org]
		if !ok {
			ids = map[string]struct{}{}
			v.byOrg[org] = ids
		}
		ids[r.ID] = struct{}{}
	}
}

// of returns the ids of the referrals org holds.
func (v *visibility) of(org string) []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]string, 0, len(v.byOrg[org]))
	for id := range v.byOrg[org] {
		out = append(out, id)
	}
	return out
}
