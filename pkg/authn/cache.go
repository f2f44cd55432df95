package authn

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// CachingVerifier remembers tokens it has verified until they expire, so a
// caller that reuses its token — integration engines do, for every request —
// pays for the signature check once. Only successes are cached; a key the
// issuer withdraws stops new tokens at once and cached ones at their expiry,
// which is why tokens are short-lived.
type CachingVerifier struct {
	next    Verifier
	now     func() time.Time
	max     int
	mu      sync.Mutex
	entries map[[sha256.Size]byte]Principal
}

// NewCachingVerifier caches up to max verified tokens (default 10 000).
func NewCachingVerifier(next Verifier, now func() time.Time, max int) *CachingVerifier {
	if max <= 0 {
		max = 10_000
	}
	return &CachingVerifier{next: next, now: now, max: max, entries: map[[sha256.Size]byte]Principal{}}
}

// Verify answers from the cache when it can, else asks the wrapped verifier.
func (v *CachingVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	key := sha256.Sum256([]byte(raw))
	now := v.now()
	v.mu.Lock()
	p, ok := v.entries[key]
	v.mu.Unlock()
	if ok && now.Before(p.ExpiresAt) {
		return p, nil
	}
	p, err := v.next.Verify(ctx, raw)
	if err != nil || p.ExpiresAt.IsZero() {
		return p, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.entries) >= v.max {
		for k, e := range v.entries {
			if !now.Before(e.ExpiresAt) {
				delete(v.entries, k)
			}
		}
		if len(v.entries) >= v.max {
			clear(v.entries)
		}
	}
	v.entries[key] = p
	return p, nil
}
