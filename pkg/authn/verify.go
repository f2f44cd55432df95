package authn

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Verifier checks a raw bearer token and returns who it identifies. Its
// errors match ErrUnauthenticated (and one of the reasons in errors.go) or
// ErrKeysUnavailable, and never quote the token: the interceptor logs them.
type Verifier interface {
	Verify(ctx context.Context, rawToken string) (Principal, error)
}

// Any accepts a token the first of vs accepts: in production the suite's own
// service identities (Signer.ServiceVerifier) and users' HelseID tokens
// (JWKSVerifier). When all refuse, the error is the first from a verifier
// that knew the token's signing key, since only it can say what is wrong
// with the token; the others only say they did not know the key.
func Any(vs ...Verifier) Verifier { return anyVerifier(vs) }

type anyVerifier []Verifier

func (vs anyVerifier) Verify(ctx context.Context, raw string) (Principal, error) {
	var unknown, known error
	for _, v := range vs {
		p, err := v.Verify(ctx, raw)
		switch {
		case err == nil:
			return p, nil
		case errors.Is(err, ErrUnknownKey):
			unknown = cmp.Or(unknown, err)
		default:
			known = cmp.Or(known, err)
		}
	}
	return Principal{}, cmp.Or(known, unknown, ErrUnknownKey)
}

// Leeway is the clock skew tolerated on exp, nbf and iat. Issuers and
// services run on different machines; half a minute absorbs NTP drift without
// meaningfully extending a token's life.
const Leeway = 30 * time.Second

// maxTokenBytes bounds the work an unauthenticated caller can make us do.
// HelseID access tokens are a few kilobytes.
const maxTokenBytes = 16 << 10

// Algorithms accepted. Each is tied to one key type (see keyAlg), which is
// what stops "alg confusion": an HS256 token using a public key as the HMAC
// secret, or "none", never finds a key to match.
const (
	algEdDSA = "EdDSA"
	algES256 = "ES256"
	algRS256 = "RS256"
)

// minRSABits rejects RSA keys too short to be trusted for signatures.
const minRSABits = 2048

// Reasons a token is rejected before its claims are read, more specific than
// the ones they wrap.
var (
	errNoKeyID     = fmt.Errorf("%w: token has no key id", ErrUnknownKey)
	errAlgMismatch = fmt.Errorf("%w: signing algorithm does not match the key", ErrUnsupportedAlgorithm)
)

// verificationKey is a public key with the one algorithm it may verify.
type verificationKey struct {
	key crypto.PublicKey
	alg string
	// service marks the suite's own service key: the only key whose tokens
	// may claim the service role, and one that signs nothing else.
	service bool
}

// keyAlg returns the algorithm a public key verifies, or false for keys we
// do not accept (symmetric, unknown curves, short RSA).
func keyAlg(pub crypto.PublicKey) (string, bool) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return algEdDSA, len(k) == ed25519.PublicKeySize
	case *ecdsa.PublicKey:
		return algES256, k.Curve != nil && k.Curve.Params().Name == "P-256"
	case *rsa.PublicKey:
		return algRS256, k.N != nil && k.N.BitLen() >= minRSABits
	}
	return "", false
}

// keyLookup finds the key for a token's kid. Errors should match
// ErrUnauthenticated or ErrKeysUnavailable.
type keyLookup func(ctx context.Context, kid string) (verificationKey, error)

// verifyToken is shared by the local and JWKS verifiers: only where keys come
// from differs between dev and production.
func verifyToken(ctx context.Context, raw, issuer, audience string, now func() time.Time, lookup keyLookup) (Principal, error) {
	if raw == "" {
		return Principal{}, ErrMissingToken
	}
	if len(raw) > maxTokenBytes {
		return Principal{}, fmt.Errorf("%w: token too large", ErrMalformedToken)
	}
	// An empty issuer or audience would switch those checks off in the jwt
	// library; refuse rather than accept tokens from anyone.
	if issuer == "" || audience == "" {
		return Principal{}, fmt.Errorf("%w: verifier has no issuer or audience configured", ErrUnauthenticated)
	}
	parser := jwt.NewParser(
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	var (
		c         tokenClaims
		key       verificationKey
		lookupErr error
	)
	_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		key, lookupErr = keyFor(ctx, t, lookup)
		return key.key, lookupErr
	})
	if lookupErr != nil {
		return Principal{}, lookupErr
	}
	if err != nil {
		return Principal{}, jwtReason(err)
	}
	// Which key signed decides whether the service role counts, never a
	// claim: any issuer can write any claim.
	switch {
	case c.Role == RoleService && !key.service:
		return Principal{}, ErrUntrustedServiceRole
	case key.service && c.Role != RoleService:
		return Principal{}, ErrServiceKeyMisused
	}
	p, err := principalFromClaims(&c)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	p.suiteService = key.service
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}

// keyFor is the jwt Keyfunc: it picks the key by kid and insists the token's
// algorithm is the one that key is for.
func keyFor(ctx context.Context, t *jwt.Token, lookup keyLookup) (verificationKey, error) {
	alg := t.Method.Alg()
	switch alg {
	case algEdDSA, algES256, algRS256:
	default:
		return verificationKey{}, ErrUnsupportedAlgorithm
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return verificationKey{}, errNoKeyID
	}
	k, err := lookup(ctx, kid)
	if err != nil {
		return verificationKey{}, err
	}
	if k.alg != alg {
		return verificationKey{}, errAlgMismatch
	}
	return k, nil
}

// jwtReason maps the jwt library's errors to this package's reasons, because
// the library's own messages may quote parts of the token (the alg header,
// say).
func jwtReason(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrMalformedToken
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrUnsupportedAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fmt.Errorf("%w: token issued in the future", ErrNotYetValid)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrWrongAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fmt.Errorf("%w: token lacks exp, iss or aud", ErrInvalidClaims)
	}
	return fmt.Errorf("%w: invalid token", ErrMalformedToken)
}
