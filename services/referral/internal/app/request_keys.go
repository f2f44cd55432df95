package app

import (
	"sync"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// requestKeys remembers which referral each sender's request id and external
// id created, so a retry hours later returns the original referral instead of
// a duplicate. It is folded from ReferralReceived like everything else.
type requestKeys struct {
	mu         sync.RWMutex
	byRequest  map[string]string
	byExternal map[string]string
}

func newRequestKeys() *requestKeys {
	return &requestKeys{byRequest: map[string]string{}, byExternal: map[string]string{}}
}

func (k *requestKeys) index(snap decider.Snapshot[domain.Referral], _ eventstore.Record) {
	r := snap.State
	if snap.Version != 1 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if r.RequestID != "" {
		k.byRequest[decider.RequestKey(r.SenderOrgNumber, r.RequestID)] = r.ID
	}
	if r.ExternalID != "" {
		k.byExternal[decider.RequestKey(r.SenderOrgNumber, r.ExternalID)] = r.ID
	}
}

func (k *requestKeys) lookup(org, requestID, externalID string) (string, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if id, ok := k.byRequest[decider.RequestKey(org, requestID)]; ok {
		return id, true
	}
	if externalID == "" {
		return "", false
	}
	id, ok := k.byExternal[decider.RequestKey(org, externalID)]
	return id, ok
}
