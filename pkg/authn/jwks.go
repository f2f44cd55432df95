package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	// minRefetchInterval rate-limits JWKS requests. Unknown kids are the
	// trigger, and anyone can send a token with a made-up kid; without a limit
	// every such request would become a request to the issuer.
	minRefetchInterval = 30 * time.Second
	// maxKeyAge bounds how long a key the issuer has withdrawn (say, after a
	// compromise) is still trusted when no unknown kid forces a refetch.
	maxKeyAge = time.Hour
	// fetchTimeout bounds one JWKS request whatever the caller's deadline is,
	// since other requests may be waiting for the same fetch.
	fetchTimeout = 10 * time.Second
	// maxJWKSBytes bounds what a misbehaving endpoint can make us read.
	maxJWKSBytes = 1 << 20
)

// JWKSVerifier verifies tokens against the keys an issuer publishes at a JWKS
// URL (HelseID in production). Keys are fetched on first use, cached by kid,
// refetched when a token names a kid not in the cache (key rotation) or the
// cache is older than an hour, and never more often than every 30 seconds by
// the injected clock. It is safe for concurrent use.
type JWKSVerifier struct {
	url      string
	issuer   string
	audience string
	client   *http.Client
	now      func() time.Time

	mu        sync.RWMutex
	keys      map[string]verificationKey // nil until the first successful fetch
	fetchedAt time.Time

	// fetchMu serialises fetches so a burst of tokens with a new kid costs one
	// request, and guards the fields below.
	fetchMu     sync.Mutex
	attempted   bool
	lastAttempt time.Time
}

// NewJWKSVerifier returns a verifier for tokens from issuer for audience whose
// keys are published at url. A nil client gets one with a timeout; a nil now
// means time.Now.
func NewJWKSVerifier(url, issuer, audience string, client *http.Client, now func() time.Time) *JWKSVerifier {
	if client == nil {
		client = &http.Client{Timeout: fetchTimeout}
	}
	if now == nil {
		now = time.Now
	}
	return &JWKSVerifier{url: url, issuer: issuer, audience: audience, client: client, now: now}
}

// Verify implements Verifier.
func (v *JWKSVerifier) Verify(ctx context.Context, rawToken string) (Principal, error) {
	return verifyToken(ctx, rawToken, v.issuer, v.audience, v.now, v.key)
}

func (v *JWKSVerifier) key(ctx context.Context, kid string) (verificationKey, error) {
	if k, ok, fresh := v.cached(kid, v.now()); ok && fresh {
		return k, nil
	}
	return v.refresh(ctx, kid)
}

// cached looks kid up; fresh is false when the cache is missing or too old.
func (v *JWKSVerifier) cached(kid string, now time.Time) (k verificationKey, ok, fresh bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	k, ok = v.keys[kid]
	return k, ok, v.keys != nil && now.Sub(v.fetchedAt) < maxKeyAge
}

func (v *JWKSVerifier) refresh(ctx context.Context, kid string) (verificationKey, error) {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()

	now := v.now()
	// Someone else may have fetched while we waited for the lock.
	k, ok, fresh := v.cached(kid, now)
	if ok && fresh {
		return k, nil
	}
	if v.attempted && now.Sub(v.lastAttempt) < minRefetchInterval {
		switch {
		case ok:
			return k, nil // stale, but the issuer was asked recently
		case !v.haveKeys():
			return verificationKey{}, fmt.Errorf("%w: fetch failed recently, retrying later", ErrKeysUnavailable)
		}
		return verificationKey{}, ErrUnknownKey
	}

	v.attempted, v.lastAttempt = true, now
	keys, err := v.fetch(ctx)
	if err != nil {
		if ok {
			// An unreachable issuer should not lock out every caller whose
			// key we already know; the key stays trusted until the issuer
			// answers again.
			return k, nil
		}
		return verificationKey{}, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	v.mu.Lock()
	v.keys, v.fetchedAt = keys, now
	v.mu.Unlock()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return verificationKey{}, ErrUnknownKey
}

func (v *JWKSVerifier) haveKeys() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys != nil
}

// fetch downloads and parses the key set. It runs detached from the caller's
// cancellation because other requests may be waiting on its result.
func (v *JWKSVerifier) fetch(ctx context.Context) (map[string]verificationKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.url, nil)
	if err != nil {
		return nil, fmt.Errorf("JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("JWKS request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS endpoint answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("JWKS read: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("JWKS document too large")
	}
	return parseJWKS(body)
}

// parseJWKS keeps the keys usable for verifying signatures. Keys are parsed
// one by one so that a key type we do not support (or a malformed entry) does
// not make the whole set, and so every token, unverifiable.
func parseJWKS(body []byte) (map[string]verificationKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("JWKS decode: %w", err)
	}
	keys := make(map[string]verificationKey, len(doc.Keys))
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			continue
		}
		// Without a kid a key cannot be chosen; encryption keys are not for
		// signatures; and a symmetric key in a public document would let
		// anyone forge HMAC tokens, so only public keys count.
		if jwk.KeyID == "" || (jwk.Use != "" && jwk.Use != "sig") || !jwk.IsPublic() {
			continue
		}
		alg, ok := keyAlg(jwk.Key)
		if !ok || (jwk.Algorithm != "" && jwk.Algorithm != alg) {
			continue
		}
		if _, dup := keys[jwk.KeyID]; dup {
			continue
		}
		keys[jwk.KeyID] = verificationKey{key: jwk.Key, alg: alg}
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS has no usable signing keys")
	}
	return keys, nil
}
