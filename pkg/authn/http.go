package authn

import (
	"context"
	"fmt"
	"strings"
)

// BearerFromHeader reads the bearer token of a request's authorization
// header values (gRPC metadata or HTTP headers alike). More than one header
// is refused: which one a proxy or a service honours would be a guess. The
// error is one of the refusal reasons (errors.go), safe to log.
func BearerFromHeader(values []string) (string, error) {
	switch {
	case len(values) == 0:
		return "", ErrMissingToken
	case len(values) > 1:
		return "", fmt.Errorf("%w: more than one authorization header", ErrMalformedToken)
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", fmt.Errorf("%w: authorization is not a bearer token", ErrMalformedToken)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", ErrMissingToken
	}
	return token, nil
}

// Authenticate verifies the bearer token of a request's authorization header
// values: the one authentication rule of every edge (the gRPC interceptors
// and the HTTP ones), so none of them can drift from the others. Scopes are
// the caller's to check.
func Authenticate(ctx context.Context, v Verifier, header []string) (Principal, error) {
	raw, err := BearerFromHeader(header)
	if err != nil {
		return Principal{}, err
	}
	principal, err := v.Verify(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	if principal.Role == RoleService && !principal.IsService() {
		// A Verifier from outside this package vouched for a service.
		return Principal{}, ErrUntrustedServiceRole
	}
	return principal, nil
}
