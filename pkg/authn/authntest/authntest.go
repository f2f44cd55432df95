// Package authntest plays an external token issuer (HelseID) in tests: its
// own Ed25519 key, published as a JWKS over real HTTP, and tokens carrying
// whatever claims a test writes, including ones the suite must not trust.
package authntest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is an external issuer. It signs as itself: every token it signs
// names it in iss.
type Issuer struct {
	name string
	kid  string
	key  ed25519.PrivateKey
	srv  *httptest.Server
}

// NewIssuer starts an issuer called name (its iss), serving its JWKS until
// the test ends.
func NewIssuer(tb testing.TB, name string) *Issuer {
	tb.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	i := &Issuer{name: name, kid: "authntest-" + rand.Text()[:8], key: key}
	doc, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: i.kid, Algorithm: "EdDSA", Use: "sig"}}})
	if err != nil {
		tb.Fatal(err)
	}
	i.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(doc)
	}))
	tb.Cleanup(i.srv.Close)
	return i
}

// Name is the issuer's iss.
func (i *Issuer) Name() string { return i.name }

// JWKSURL is where the issuer publishes its keys.
func (i *Issuer) JWKSURL() string { return i.srv.URL }

// HTTPClient reaches JWKSURL.
func (i *Issuer) HTTPClient() *http.Client { return i.srv.Client() }

// Sign signs claims (iss set to the issuer's name) with the issuer's key.
func (i *Issuer) Sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	c := jwt.MapClaims(maps.Clone(claims))
	c["iss"] = i.name
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = i.kid
	raw, err := tok.SignedString(i.key)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}
