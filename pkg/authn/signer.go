package authn

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// SigningKeyFile is the name of the signing key inside a data dir.
const SigningKeyFile = "token-signing-key.pem"

const pemTypePKCS8 = "PRIVATE KEY"

// Signer signs the suite's own tokens: dev users' tokens from `stafett token`
// and service identities. Production user tokens come from HelseID instead.
type Signer struct {
	key ed25519.PrivateKey
	kid string
}

// TokenSpec says what a minted token claims. Only the fields the role needs
// are required; see the rules in principalFromClaims.
type TokenSpec struct {
	Subject           string
	HPRNumber         string
	ParentOrgNumber   string
	ChildOrgNumber    string
	PatientNationalID string
	Role              Role
	Scopes            []string
	Service           string
}

// Format prints the spec without the national identity number, so a
// `stafett token` invocation can be logged.
func (t TokenSpec) Format(f fmt.State, _ rune) {
	p := Principal{Subject: t.Subject, Role: t.Role, Scopes: t.Scopes, Service: t.Service, OrgNumber: t.ChildOrgNumber}
	if p.OrgNumber == "" {
		p.OrgNumber = t.ParentOrgNumber
	}
	if t.HPRNumber != "" {
		p.ProfessionalID = professionalHPR + t.HPRNumber
	}
	p.PatientNationalID = t.PatientNationalID // String prints only that it is set
	_, _ = f.Write([]byte(p.String()))
}

// NewSigner wraps an existing key; LoadOrCreateSigner is the usual entry point.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("authn: ed25519 private key has the wrong size")
	}
	kid, err := keyID(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, kid: kid}, nil
}

// keyID is the RFC 7638 thumbprint of the public key, shortened: stable across
// restarts (so cached JWKS entries stay valid) and different for every key
// (so rotation shows up as an unknown kid).
func keyID(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("authn: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)[:16], nil
}

// LoadOrCreateSigner reads dir/token-signing-key.pem, creating the key (and
// dir) the first time, so `stafett dev` and `stafett token` pointed at the
// same data dir sign with, and accept, the same key.
func LoadOrCreateSigner(dir string) (*Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("authn: create key dir: %w", err)
	}
	path := filepath.Join(dir, SigningKeyFile)
	s, err := loadSigner(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := createKeyFile(dir, path); err != nil {
		return nil, err
	}
	return loadSigner(path)
}

func loadSigner(path string) (*Signer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// Anyone who can read the key can mint tokens for any role, so refuse
	// a key others can read, as ssh does. Windows has no such mode bits.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("authn: %s is readable by group or others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authn: read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemTypePKCS8 {
		return nil, fmt.Errorf("authn: %s is not a PKCS#8 PEM private key", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("authn: parse %s: %w", path, err)
	}
	ed, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("authn: %s holds a %T, want an Ed25519 key", path, key)
	}
	return NewSigner(ed)
}

// createKeyFile writes a new key under a temporary name and hard-links it into
// place. Linking fails if the file exists, so when `stafett dev` and
// `stafett token` race on a fresh dir both end up using whichever key won,
// and neither ever reads a half-written file.
func createKeyFile(dir, path string) error {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("authn: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("authn: encode signing key: %w", err)
	}
	// CreateTemp opens with mode 0600, so the key is never readable by others,
	// not even between creation and a chmod.
	tmp, err := os.CreateTemp(dir, ".token-signing-key-*")
	if err != nil {
		return fmt.Errorf("authn: create signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: pemTypePKCS8, Bytes: der}); err != nil {
		tmp.Close()
		return fmt.Errorf("authn: write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("authn: write signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("authn: write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("authn: install signing key: %w", err)
	}
	return nil
}

// KeyID is the kid this signer puts in token headers.
func (s *Signer) KeyID() string { return s.kid }

// Mint signs a token for spec, valid from now for ttl, issued by DevIssuer
// for Audience. It refuses a spec the verifiers would reject, so a bad
// `stafett token` invocation fails there and not at the first RPC.
func (s *Signer) Mint(spec TokenSpec, now time.Time, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", errors.New("authn: token lifetime must be positive")
	}
	c := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    DevIssuer,
			Subject:   spec.Subject,
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
		},
		HPRNumber: spec.HPRNumber,
		OrgParent: spec.ParentOrgNumber,
		OrgChild:  spec.ChildOrgNumber,
		PID:       spec.PatientNationalID,
		Scope:     scopeList(slices.Clone(spec.Scopes)),
		Role:      spec.Role,
		Service:   spec.Service,
	}
	if _, err := principalFromClaims(&c); err != nil {
		return "", fmt.Errorf("authn: cannot mint: %w", err)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.kid
	raw, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("authn: sign token: %w", err)
	}
	return raw, nil
}

// Verifier accepts tokens this signer minted (dev mode, and service
// identities between the suite's own processes). now is the clock expiry is
// checked against.
func (s *Signer) Verifier(now func() time.Time) Verifier {
	return &localVerifier{
		key: verificationKey{key: s.key.Public(), alg: algEdDSA},
		kid: s.kid,
		now: now,
	}
}

// JWKS returns the public key as a JWK Set document, the shape a production
// issuer publishes, so the JWKS path can be tested (and served) as is.
func (s *Signer) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       s.key.Public(),
		KeyID:     s.kid,
		Algorithm: algEdDSA,
		Use:       "sig",
	}}}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("authn: encode JWKS: %w", err)
	}
	return b, nil
}

type localVerifier struct {
	key verificationKey
	kid string
	now func() time.Time
}

func (v *localVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	return verifyToken(ctx, raw, DevIssuer, Audience, v.now, func(_ context.Context, kid string) (verificationKey, error) {
		if kid != v.kid {
			return verificationKey{}, errUnknownKeyID
		}
		return v.key, nil
	})
}
