package authn

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
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

// Signer signs the suite's own tokens with two keys, one per purpose, so a
// verifier can tell by the key that checked the signature (never by a claim)
// what a token may be:
//
//   - the service key, the key in the key file, signs the identities the
//     suite's processes use to call each other (ServiceCredentials). Only
//     its tokens may claim the service role, and it signs nothing else.
//   - the dev user key, derived from the service key, signs the tokens
//     `stafett dev` users get from `stafett token` (Mint). It may sign any
//     role but the service one. Production user tokens come from HelseID.
//
// Deriving the second key keeps one key file per data dir, so the deployed
// secret stays what it was and a rolling upgrade keeps trusting the service
// tokens of the processes not yet upgraded.
type Signer struct {
	service signingKey
	user    signingKey
}

// signingKey is a private key and the kid its tokens carry.
type signingKey struct {
	key ed25519.PrivateKey
	kid string
}

// devUserKeyInfo labels the derivation of the dev user key. Changing it
// changes the key, and so invalidates every dev token already minted.
const devUserKeyInfo = "stafett dev user tokens v1"

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

// NewSigner uses key as the service key and derives the dev user key from
// it; LoadOrCreateSigner is the usual entry point.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("authn: ed25519 private key has the wrong size")
	}
	service, err := newSigningKey(key)
	if err != nil {
		return nil, err
	}
	// HKDF makes the user key independent of the service key for anyone
	// without the service key, and the same in every process that has it.
	seed, err := hkdf.Key(sha256.New, key.Seed(), nil, devUserKeyInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("authn: derive dev user key: %w", err)
	}
	user, err := newSigningKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, err
	}
	return &Signer{service: service, user: user}, nil
}

func newSigningKey(key ed25519.PrivateKey) (signingKey, error) {
	kid, err := keyID(key.Public())
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{key: key, kid: kid}, nil
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

// ErrNoSigningKey means a directory holds no token signing key.
var ErrNoSigningKey = errors.New("authn: no token signing key")

// LoadSigner reads dir/token-signing-key.pem and never creates it: a tool
// that mints tokens must sign with the key a server already accepts, not
// with a new one nobody trusts.
func LoadSigner(dir string) (*Signer, error) {
	path := filepath.Join(dir, SigningKeyFile)
	s, err := loadSigner(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoSigningKey, dir)
	}
	return s, err
}

// LoadOrCreateSigner reads dir/token-signing-key.pem, creating the key (and
// dir) the first time `stafett dev` starts on a data dir; `stafett token`
// then reads it with LoadSigner.
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
// place. Linking fails if the file exists, so when two processes race on a
// fresh dir (serve instances sharing a key dir) both end up using whichever
// key won, and neither ever reads a half-written file.
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

// Mint signs a dev user token for spec with the dev user key, valid from now
// for ttl, issued by DevIssuer for Audience. It refuses a spec the verifiers
// would reject, so a bad `stafett token` invocation fails there and not at
// the first RPC; a service identity is one of those, since only the service
// key may sign it (see ServiceCredentials).
func (s *Signer) Mint(spec TokenSpec, now time.Time, ttl time.Duration) (string, error) {
	if spec.Role == RoleService {
		return "", errors.New("authn: cannot mint: service identities are signed only with the service key, by ServiceCredentials")
	}
	return s.user.mint(spec, now, ttl)
}

// mintService signs a service identity with the service key.
func (s *Signer) mintService(spec TokenSpec, now time.Time, ttl time.Duration) (string, error) {
	if spec.Role != RoleService {
		return "", errors.New("authn: cannot mint: the service key signs only service identities")
	}
	return s.service.mint(spec, now, ttl)
}

func (k signingKey) mint(spec TokenSpec, now time.Time, ttl time.Duration) (string, error) {
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
	t.Header["kid"] = k.kid
	raw, err := t.SignedString(k.key)
	if err != nil {
		return "", fmt.Errorf("authn: sign token: %w", err)
	}
	return raw, nil
}

func (k signingKey) verificationKey(service bool) verificationKey {
	return verificationKey{key: k.key.Public(), alg: algEdDSA, service: service}
}

// Verifier accepts what `stafett dev` accepts: dev user tokens (Mint) and
// service identities (ServiceCredentials), each only under its own key. now
// is the clock expiry is checked against.
func (s *Signer) Verifier(now func() time.Time) Verifier {
	return &localVerifier{now: now, keys: map[string]verificationKey{
		s.user.kid:    s.user.verificationKey(false),
		s.service.kid: s.service.verificationKey(true),
	}}
}

// ServiceVerifier accepts only the suite's service identities: in
// production users come with HelseID tokens, so the suite's own key admits
// no users.
func (s *Signer) ServiceVerifier(now func() time.Time) Verifier {
	return &localVerifier{now: now, keys: map[string]verificationKey{
		s.service.kid: s.service.verificationKey(true),
	}}
}

// JWKS returns the dev user key as a JWK Set document, the shape an external
// issuer publishes, so the JWKS path can be tested (and served) as is. The
// service key is never in it: a key fetched from a URL is an issuer's, and
// an issuer's tokens are never service identities.
func (s *Signer) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       s.user.key.Public(),
		KeyID:     s.user.kid,
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
	keys map[string]verificationKey
	now  func() time.Time
}

func (v *localVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	return verifyToken(ctx, raw, DevIssuer, Audience, v.now, func(_ context.Context, kid string) (verificationKey, error) {
		k, ok := v.keys[kid]
		if !ok {
			return verificationKey{}, ErrUnknownKey
		}
		return k, nil
	})
}
