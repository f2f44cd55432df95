package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/stafett/stafett/pkg/clock"
)

// issuerStub plays HelseID's JWKS endpoint: it serves whatever document the
// test sets and counts requests.
type issuerStub struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu     sync.Mutex
	doc    []byte
	broken bool
}

func newIssuerStub(t *testing.T, doc []byte) *issuerStub {
	t.Helper()
	is := &issuerStub{doc: doc}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		is.hits.Add(1)
		is.mu.Lock()
		doc, broken := is.doc, is.broken
		is.mu.Unlock()
		if broken {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuerStub) publish(doc []byte) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.doc, is.broken = doc, false
}

func (is *issuerStub) breakDown() {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.broken = true
}

func (is *issuerStub) verifier(clk *clock.Fake) *JWKSVerifier {
	return NewJWKSVerifier(is.srv.URL, DevIssuer, Audience, is.srv.Client(), clk.Now)
}

// jwksOf publishes several signers' keys in one document, as an issuer does
// while rotating.
func jwksOf(t *testing.T, signers ...*Signer) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, s := range signers {
		doc, err := s.JWKS()
		if err != nil {
			t.Fatal(err)
		}
		var one jose.JSONWebKeySet
		if err := json.Unmarshal(doc, &one); err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, one.Keys...)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJWKSVerifierFetchesLazilyAndCaches(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, s))
	v := is.verifier(clk)
	if n := is.hits.Load(); n != 0 {
		t.Fatalf("constructor fetched %d times", n)
	}
	for range 3 {
		p, err := v.Verify(t.Context(), mint(t, s, clinicianSpec(), clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if p.ProfessionalID != "hpr:1234567" {
			t.Errorf("ProfessionalID = %q", p.ProfessionalID)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestJWKSVerifierRefetchesOnceWhenTheIssuerRotatesKeys(t *testing.T) {
	clk := newFakeClock()
	oldKey, newKey := newTestSigner(t), newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, oldKey))
	v := is.verifier(clk)
	if _, err := v.Verify(t.Context(), mint(t, oldKey, clinicianSpec(), clk.Now())); err != nil {
		t.Fatal(err)
	}

	is.publish(jwksOf(t, newKey))
	clk.Advance(minRefetchInterval)
	if _, err := v.Verify(t.Context(), mint(t, newKey, clinicianSpec(), clk.Now())); err != nil {
		t.Fatalf("token under rotated key: %v", err)
	}
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", n)
	}
	// The old key was withdrawn; its tokens now fail, and asking again so
	// soon is not allowed.
	if _, err := v.Verify(t.Context(), mint(t, oldKey, clinicianSpec(), clk.Now())); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("token under withdrawn key: err = %v, want ErrUnauthenticated", err)
	}
	if n := is.hits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

func TestJWKSVerifierRateLimitsRefetchesForUnknownKeys(t *testing.T) {
	clk := newFakeClock()
	s, stranger := newTestSigner(t), newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, s))
	v := is.verifier(clk)
	if _, err := v.Verify(t.Context(), mint(t, s, clinicianSpec(), clk.Now())); err != nil {
		t.Fatal(err)
	}
	forged := mint(t, stranger, clinicianSpec(), clk.Now())

	verifyMany := func() {
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := v.Verify(t.Context(), forged); !errors.Is(err, ErrUnauthenticated) {
					t.Errorf("unknown kid: err = %v, want ErrUnauthenticated", err)
				}
			})
		}
		wg.Wait()
	}

	verifyMany() // the first fetch was just now
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("within the interval: JWKS fetched %d times, want 1", n)
	}
	clk.Advance(minRefetchInterval)
	verifyMany()
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("after the interval: JWKS fetched %d times, want 2", n)
	}
	clk.Advance(minRefetchInterval - time.Second)
	verifyMany()
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("just inside the next interval: JWKS fetched %d times, want 2", n)
	}
}

func TestJWKSVerifierReportsKeysUnavailableWhenIssuerIsDown(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	is := newIssuerStub(t, nil)
	is.breakDown()
	v := is.verifier(clk)
	tok := mint(t, s, clinicianSpec(), clk.Now())
	for range 2 {
		_, err := v.Verify(t.Context(), tok)
		if !errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("err = %v, want ErrKeysUnavailable and not ErrUnauthenticated", err)
		}
	}
	if n := is.hits.Load(); n != 1 {
		t.Errorf("a down issuer was asked %d times within the interval, want 1", n)
	}
	is.publish(jwksOf(t, s))
	clk.Advance(minRefetchInterval)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestJWKSVerifierDropsWithdrawnKeysAfterMaxAge(t *testing.T) {
	clk := newFakeClock()
	compromised, replacement := newTestSigner(t), newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, compromised))
	v := is.verifier(clk)
	if _, err := v.Verify(t.Context(), mint(t, compromised, clinicianSpec(), clk.Now())); err != nil {
		t.Fatal(err)
	}
	is.publish(jwksOf(t, replacement))
	clk.Advance(maxKeyAge)
	if _, err := v.Verify(t.Context(), mint(t, compromised, clinicianSpec(), clk.Now())); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("withdrawn key still trusted after max age: err = %v", err)
	}
}

func TestJWKSVerifierKeepsKnownKeysWhileIssuerIsDown(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, s))
	v := is.verifier(clk)
	if _, err := v.Verify(t.Context(), mint(t, s, clinicianSpec(), clk.Now())); err != nil {
		t.Fatal(err)
	}
	is.breakDown()
	clk.Advance(maxKeyAge)
	if _, err := v.Verify(t.Context(), mint(t, s, clinicianSpec(), clk.Now())); err != nil {
		t.Fatalf("known key rejected during issuer outage: %v", err)
	}
	if n := is.hits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (one refresh attempt)", n)
	}
}

func TestJWKSVerifierChecksIssuerAndAudience(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	is := newIssuerStub(t, jwksOf(t, s))
	tok := mint(t, s, clinicianSpec(), clk.Now()) // iss stafett-dev, aud stafett
	for name, v := range map[string]*JWKSVerifier{
		"other issuer":   NewJWKSVerifier(is.srv.URL, "https://helseid-sts.nhn.no", Audience, is.srv.Client(), clk.Now),
		"other audience": NewJWKSVerifier(is.srv.URL, DevIssuer, "nhn:stafett", is.srv.Client(), clk.Now),
		"no issuer":      NewJWKSVerifier(is.srv.URL, "", Audience, is.srv.Client(), clk.Now),
	} {
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated", name, err)
		}
	}
}

func TestJWKSVerifierAcceptsRS256AndES256AndSkipsKeysItCannotUse(t *testing.T) {
	clk := newFakeClock()
	rsaKey := testRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hmacSecret := []byte("0123456789abcdef0123456789abcdef")
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: hmacSecret, KeyID: "oct", Algorithm: "HS256"},
		{Key: &p384.PublicKey, KeyID: "p384", Algorithm: "ES384", Use: "sig"},
		{Key: &rsaKey.PublicKey, KeyID: "rsa-enc", Use: "enc"},
		{Key: &rsaKey.PublicKey, KeyID: "rsa", Algorithm: "RS256", Use: "sig"},
		{Key: &ecKey.PublicKey, KeyID: "ec", Use: "sig"},
	}}
	doc, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuerStub(t, doc)
	v := is.verifier(clk)
	c := validClaims(clk.Now())

	accepted := map[string]string{
		"RS256": signWith(t, jwt.SigningMethodRS256, rsaKey, "rsa", c),
		"ES256": signWith(t, jwt.SigningMethodES256, ecKey, "ec", c),
	}
	for name, raw := range accepted {
		if _, err := v.Verify(t.Context(), raw); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	rejected := map[string]string{
		"HS256 under a published symmetric key": signWith(t, jwt.SigningMethodHS256, hmacSecret, "oct", c),
		"ES384 under an unsupported curve":      signWith(t, jwt.SigningMethodES384, p384, "p384", c),
		"RS256 under an encryption key":         signWith(t, jwt.SigningMethodRS256, rsaKey, "rsa-enc", c),
		"ES256 under an RSA key":                signWith(t, jwt.SigningMethodES256, ecKey, "rsa", c),
	}
	for name, raw := range rejected {
		if _, err := v.Verify(t.Context(), raw); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated", name, err)
		}
	}
}
