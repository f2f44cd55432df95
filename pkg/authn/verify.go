package authn

import (
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

// ErrUnauthenticated is wrapped by every error that means "this token does not
// identify anyone". The text after it is a reason safe to log; it never
// quotes the token.
var ErrUnauthenticated = errors.New("authn: unauthenticated")

// ErrKeysUnavailable means the verifier could not get the issuer's keys, so it
// cannot tell whether the token is good. It is kept apart from
// ErrUnauthenticated so callers answer UNAVAILABLE (retry later) rather than
// telling a client with a valid token to log in again.
var ErrKeysUnavailable = errors.New("authn: token signing keys unavailable")

// Verifier checks a raw bearer token and returns who it identifies.
type Verifier interface {
	Verify(ctx context.Context, rawToken string) (Principal, error)
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

// Reasons a token is rejected before its claims are read.
var (
	errUnsupportedAlg = errors.New("unsupported signing algorithm")
	errNoKeyID        = errors.New("token has no key id")
	errUnknownKeyID   = errors.New("unknown signing key")
	errAlgMismatch    = errors.New("signing algorithm does not match the key")
)

// verificationKey is a public key with the one algorithm it may verify.
type verificationKey struct {
	key crypto.PublicKey
	alg string
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

// keyLookup finds the key for a token's kid. Errors should be one of the
// reasons above or wrap ErrKeysUnavailable.
type keyLookup func(ctx context.Context, kid string) (verificationKey, error)

// verifyToken is shared by the local and JWKS verifiers: only where keys come
// from differs between dev and production.
func verifyToken(ctx context.Context, raw, issuer, audience string, now func() time.Time, lookup keyLookup) (Principal, error) {
	if raw == "" {
		return Principal{}, unauthenticated("missing token")
	}
	if len(raw) > maxTokenBytes {
		return Principal{}, unauthenticated("token too large")
	}
	// An empty issuer or audience would switch those checks off in the jwt
	// library; refuse rather than accept tokens from anyone.
	if issuer == "" || audience == "" {
		return Principal{}, unauthenticated("verifier has no issuer or audience configured")
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
		lookupErr error
	)
	_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		k, err := keyFor(ctx, t, lookup)
		lookupErr = err
		return k, err
	})
	if lookupErr != nil {
		if errors.Is(lookupErr, ErrKeysUnavailable) {
			return Principal{}, lookupErr
		}
		// The other lookup errors are this package's fixed reasons.
		return Principal{}, unauthenticated(lookupErr.Error())
	}
	if err != nil {
		return Principal{}, unauthenticated(jwtReason(err))
	}
	p, err := principalFromClaims(&c)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}

// keyFor is the jwt Keyfunc: it picks the key by kid and insists the token's
// algorithm is the one that key is for.
func keyFor(ctx context.Context, t *jwt.Token, lookup keyLookup) (crypto.PublicKey, error) {
	alg := t.Method.Alg()
	switch alg {
	case algEdDSA, algES256, algRS256:
	default:
		return nil, errUnsupportedAlg
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errNoKeyID
	}
	k, err := lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	if k.alg != alg {
		return nil, errAlgMismatch
	}
	return k.key, nil
}

// jwtReason maps the jwt library's errors to fixed reasons, because the
// library's own messages may quote parts of the token (the alg header, say).
func jwtReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return errUnsupportedAlg.Error()
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "invalid signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not yet valid"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks exp, iss or aud"
	}
	return "invalid token"
}

func unauthenticated(reason string) error {
	return fmt.Errorf("%w: %s", ErrUnauthenticated, reason)
}
