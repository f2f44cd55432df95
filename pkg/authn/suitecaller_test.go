package authn_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/authn"
)

func TestOnlyTheSuitesOwnServiceTokenMakesACallInternal(t *testing.T) {
	t.Parallel()
	own, err := authn.LoadOrCreateSigner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := authn.LoadOrCreateSigner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	mint := func(s *authn.Signer, spec authn.TokenSpec) string {
		tok, err := s.Mint(spec, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	// Service identities are minted only by ServiceCredentials.
	serviceToken := func(s *authn.Signer) string {
		md, err := authn.ServiceCredentials(s, "stafett-suite", []string{"consent:check"}, time.Now).GetRequestMetadata(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return md["authorization"]
	}
	clinician := authn.TokenSpec{Subject: "hpr:123", Role: authn.RoleClinician, HPRNumber: "123", ChildOrgNumber: "974589095", Scopes: []string{"referral:read"}}
	internal := authn.SuiteCaller(own.Verifier(time.Now))
	for name, tc := range map[string]struct {
		auth string
		want bool
	}{
		"the suite's service token":                {serviceToken(own), true},
		"a user token signed with the suite's key": {mint(own, clinician), false},
		"a service token signed with another key":  {serviceToken(other), false},
		"no token":           {"", false},
		"not a bearer token": {"Basic abc", false},
	} {
		ctx := context.Background()
		if tc.auth != "" {
			ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", tc.auth))
		}
		if got := internal(ctx); got != tc.want {
			t.Errorf("%s: internal = %v, want %v", name, got, tc.want)
		}
	}
}
