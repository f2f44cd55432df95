package authn

import (
	"context"
	"errors"
	"testing"
)

// TestEveryEdgeAuthenticatesByTheOneRule: the header rule and the service
// role rule are Authenticate's, which the gRPC gate and the HTTP edges both
// call, so an HTTP request is held to exactly what a gRPC call is.
func TestEveryEdgeAuthenticatesByTheOneRule(t *testing.T) {
	user := Principal{Subject: "hpr:555", Role: RoleAssessor, Scopes: []string{"referral:read"}}
	claimedService := Principal{Subject: "pathway", Role: RoleService, Service: "pathway"}
	tests := []struct {
		name    string
		header  []string
		vouches Principal
		want    error
	}{
		{"no header", nil, user, ErrMissingToken},
		{"two headers", []string{"Bearer a", "Bearer b"}, user, ErrMalformedToken},
		{"not a bearer token", []string{"Basic dXNlcg=="}, user, ErrMalformedToken},
		{"an empty bearer token", []string{"Bearer   "}, user, ErrMissingToken},
		{"a service vouched for by a verifier from elsewhere", []string{"Bearer x"}, claimedService, ErrUntrustedServiceRole},
		{"a good token, scheme in any case", []string{"bEaReR x"}, user, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			v := verifierFunc(func(_ context.Context, raw string) (Principal, error) { seen = raw; return tt.vouches, nil })
			p, err := Authenticate(t.Context(), v, tt.header)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("%v does not match ErrUnauthenticated", err)
			}
			if tt.want == nil && (p.Subject != user.Subject || seen != "x") {
				t.Fatalf("principal %+v from token %q", p, seen)
			}
		})
	}
}
