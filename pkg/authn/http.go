package authn

import "strings"

// BearerFromHeader reads the bearer token of an HTTP request's
// Authorization header values, with the gRPC interceptor's rule: exactly
// one header, scheme "Bearer", a non-empty token.
func BearerFromHeader(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
