package authn

import "errors"

// ErrUnauthenticated is matched by every error that means "this token does
// not identify anyone". The reasons below all match it, so callers that only
// need the gRPC code test for it, and callers that log test for the reason.
var ErrUnauthenticated = errors.New("authn: unauthenticated")

// ErrKeysUnavailable means the verifier could not get the issuer's keys, so it
// cannot tell whether the token is good. It is kept apart from
// ErrUnauthenticated so callers answer UNAVAILABLE (retry later) rather than
// telling a client with a valid token to log in again.
var ErrKeysUnavailable = errors.New("authn: token signing keys unavailable")

// Why a token was refused. Each matches ErrUnauthenticated under errors.Is.
// Their text names a rule and never a value from the token, so it is safe to
// log; a more specific detail may follow it, under the same guarantee.
var (
	ErrMissingToken         error = refusal("missing token")
	ErrMalformedToken       error = refusal("malformed token")
	ErrExpired              error = refusal("token expired")
	ErrNotYetValid          error = refusal("token not yet valid") // nbf or iat ahead of our clock by more than Leeway
	ErrUnknownKey           error = refusal("unknown signing key")
	ErrBadSignature         error = refusal("invalid signature")
	ErrUnsupportedAlgorithm error = refusal("unsupported signing algorithm")
	ErrWrongIssuer          error = refusal("wrong issuer")
	ErrWrongAudience        error = refusal("wrong audience")
	ErrInvalidClaims        error = refusal("claims break a token rule")
	// ErrUntrustedServiceRole: the service role (which may ask the access
	// oracle and act on behalf of end users) is honoured only on tokens
	// signed with the suite's own service key, never on an issuer's word.
	ErrUntrustedServiceRole error = refusal("service role on a token not signed with the suite's service key")
	// ErrServiceKeyMisused: the service key vouches for services only, so
	// where only it is trusted (stafett serve) it cannot admit users.
	ErrServiceKeyMisused error = refusal("the suite's service key signed a token that is not a service identity")
	// ErrOnBehalfOfNotService: only the suite's own services may name the end
	// user they act for; anyone else naming one is claiming to be a service.
	ErrOnBehalfOfNotService error = refusal("on_behalf_of from a caller that is not the suite's own service")
)

// refusal is a reason a token was refused.
type refusal string

func (r refusal) Error() string { return ErrUnauthenticated.Error() + ": " + string(r) }

// Is makes every refusal match ErrUnauthenticated.
func (r refusal) Is(target error) bool { return target == ErrUnauthenticated }
