package authn

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/stafett/stafett/pkg/clock"
)

// newFakeClock is the injected clock; tests move it instead of sleeping.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC))
}

func newTestSigner(t *testing.T) *Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Synthetic identities: the national id has 80 added to the month, the
// convention for test numbers that can never belong to a real person.
const (
	testPID       = "01817012345"
	testOrgParent = "974589095"
	testOrgChild  = "987654325"
	testNAVOrg    = "889640782"
)

func clinicianSpec() TokenSpec {
	return TokenSpec{
		Subject:         "clin-1",
		HPRNumber:       "1234567",
		ParentOrgNumber: testOrgParent,
		ChildOrgNumber:  testOrgChild,
		Role:            RoleClinician,
		Scopes:          []string{"referral:read", "referral:write"},
	}
}

func navWorkerSpec() TokenSpec {
	return TokenSpec{
		Subject:         "nav-42",
		ParentOrgNumber: testNAVOrg,
		Role:            RoleCoordinator,
		Scopes:          []string{"continuity:read"},
	}
}

func patientSpec() TokenSpec {
	return TokenSpec{
		Subject:           "pat-1",
		PatientNationalID: testPID,
		Role:              RolePatient,
		Scopes:            []string{"handoffs:read"},
	}
}

func serviceSpec() TokenSpec {
	return TokenSpec{
		Subject: "pathway",
		Role:    RoleService,
		Service: "pathway",
		Scopes:  []string{"consent:read"},
	}
}

// mint signs spec as the suite does: a service identity with the service key
// (ServiceCredentials), anyone else with the dev user key (Mint).
func mint(t *testing.T, s *Signer, spec TokenSpec, now time.Time) string {
	t.Helper()
	sign := s.Mint
	if spec.Role == RoleService {
		sign = s.mintService
	}
	tok, err := sign(spec, now, time.Hour)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// validClaims is a well-formed clinician token body, for tests that need to
// sign something Mint would refuse or that vary one claim.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":          DevIssuer,
		"aud":          Audience,
		"sub":          "clin-1",
		"iat":          now.Unix(),
		"nbf":          now.Unix(),
		"exp":          now.Add(time.Hour).Unix(),
		ClaimHPRNumber: "1234567",
		ClaimOrgParent: testOrgParent,
		ClaimRole:      string(RoleClinician),
		ClaimScope:     "referral:read",
	}
}

// signWith signs claims with any method and key, setting kid when non-empty.
func signWith(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	raw, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return raw
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// replaceSegment swaps one dot-separated part of a compact JWT.
func replaceSegment(raw string, i int, seg string) string {
	parts := strings.Split(raw, ".")
	parts[i] = seg
	return strings.Join(parts, ".")
}

// testRSAKey loads a fixed 2048-bit key: generating one per test takes
// seconds under -race on a busy machine and proves nothing extra.
func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "rsa2048-test-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("testdata RSA key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("testdata key is a %T", key)
	}
	return rk
}
