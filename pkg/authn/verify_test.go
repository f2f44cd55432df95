package authn

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMintedTokenRoundTripsForEveryKindOfCaller(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	tests := []struct {
		name string
		spec TokenSpec
		want Principal
	}{
		{
			name: "clinician with HPR and organisations",
			spec: clinicianSpec(),
			want: Principal{
				Subject:         "clin-1",
				ProfessionalID:  "hpr:1234567",
				HPRNumber:       "1234567",
				ParentOrgNumber: testOrgParent,
				ChildOrgNumber:  testOrgChild,
				OrgNumber:       testOrgChild,
				Role:            RoleClinician,
				Scopes:          []string{"referral:read", "referral:write"},
			},
		},
		{
			name: "NAV worker without HPR gets an ext id",
			spec: navWorkerSpec(),
			want: Principal{
				Subject:         "nav-42",
				ProfessionalID:  "ext:" + testNAVOrg + ":nav-42",
				ParentOrgNumber: testNAVOrg,
				OrgNumber:       testNAVOrg,
				Role:            RoleCoordinator,
				Scopes:          []string{"continuity:read"},
			},
		},
		{
			name: "patient with national id",
			spec: patientSpec(),
			want: Principal{
				Subject:           "pat-1",
				PatientNationalID: testPID,
				Role:              RolePatient,
				Scopes:            []string{"handoffs:read"},
			},
		},
		{
			name: "service identity",
			spec: serviceSpec(),
			want: Principal{
				Subject:      "pathway",
				Role:         RoleService,
				Service:      "pathway",
				Scopes:       []string{"consent:read"},
				suiteService: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(t.Context(), mint(t, s, tt.spec, clk.Now()))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if want := clk.Now().Add(time.Hour); !got.ExpiresAt.Equal(want.Truncate(time.Second)) {
				t.Errorf("expires at %v, want %v", got.ExpiresAt, want)
			}
			got.ExpiresAt = time.Time{}
			if !principalsEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", fields(got), fields(tt.want))
			}
		})
	}
}

func principalsEqual(a, b Principal) bool {
	as, bs := a.Scopes, b.Scopes
	a.Scopes, b.Scopes = nil, nil
	return reflect.DeepEqual(a, b) && slices.Equal(as, bs)
}

// fields prints a principal in full; Principal's own formatting redacts.
func fields(p Principal) string {
	return fmt.Sprintf("{sub:%q prof:%q hpr:%q parent:%q child:%q org:%q pidset:%t role:%q scopes:%q service:%q}",
		p.Subject, p.ProfessionalID, p.HPRNumber, p.ParentOrgNumber, p.ChildOrgNumber, p.OrgNumber,
		p.PatientNationalID != "", p.Role, p.Scopes, p.Service)
}

func TestPrincipalPredicatesFollowRole(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	for _, spec := range []TokenSpec{clinicianSpec(), patientSpec(), serviceSpec()} {
		p, err := v.Verify(t.Context(), mint(t, s, spec, clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if p.IsPatient() != (spec.Role == RolePatient) || p.IsService() != (spec.Role == RoleService) {
			t.Errorf("role %s: IsPatient=%t IsService=%t", spec.Role, p.IsPatient(), p.IsService())
		}
		if !p.HasScope(spec.Scopes[0]) || p.HasScope("nope:read") || p.HasScope("") {
			t.Errorf("role %s: HasScope wrong for %q", spec.Role, p.Scopes)
		}
	}
}

func TestOrgNumberIsChildElseParent(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	tests := []struct {
		name          string
		parent, child string
		want          string
	}{
		{"child and parent", testOrgParent, testOrgChild, testOrgChild},
		{"parent only", testOrgParent, "", testOrgParent},
		{"child only", "", testOrgChild, testOrgChild},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := clinicianSpec()
			spec.ParentOrgNumber, spec.ChildOrgNumber = tt.parent, tt.child
			p, err := v.Verify(t.Context(), mint(t, s, spec, clk.Now()))
			if err != nil {
				t.Fatal(err)
			}
			if p.OrgNumber != tt.want {
				t.Errorf("OrgNumber = %q, want %q", p.OrgNumber, tt.want)
			}
		})
	}
}

func TestExternalProfessionalIDUsesTheEffectiveOrganisation(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	spec := navWorkerSpec()
	spec.ChildOrgNumber = testOrgChild
	p, err := s.Verifier(clk.Now).Verify(t.Context(), mint(t, s, spec, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := "ext:" + testOrgChild + ":nav-42"; p.ProfessionalID != want {
		t.Errorf("ProfessionalID = %q, want %q", p.ProfessionalID, want)
	}
}

func TestPersonnelTokenPIDIsNeverTakenForAPatientID(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	spec := clinicianSpec()
	spec.PatientNationalID = testPID // HelseID puts the professional's own pid here
	p, err := s.Verifier(clk.Now).Verify(t.Context(), mint(t, s, spec, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if p.PatientNationalID != "" {
		t.Error("personnel token produced a PatientNationalID")
	}
}

func TestPatientTokenIgnoresOrganisationClaims(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	c := validClaims(clk.Now())
	c[ClaimRole] = string(RolePatient)
	c[ClaimPID] = testPID
	p, err := s.Verifier(clk.Now).Verify(t.Context(), signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c))
	if err != nil {
		t.Fatal(err)
	}
	if p.OrgNumber != "" || p.ProfessionalID != "" || p.HPRNumber != "" {
		t.Errorf("patient principal carries personnel identity: %s", fields(p))
	}
}

func TestScopeClaimAcceptsStringOrArray(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	want := []string{"referral:read", "pathway:write"}
	for name, scope := range map[string]any{
		"space separated string": "referral:read  pathway:write",
		"JSON array":             []string{"referral:read", "pathway:write"},
	} {
		t.Run(name, func(t *testing.T) {
			c := validClaims(clk.Now())
			c[ClaimScope] = scope
			p, err := v.Verify(t.Context(), signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Scopes, want) {
				t.Errorf("Scopes = %q, want %q", p.Scopes, want)
			}
		})
	}
	t.Run("number is rejected", func(t *testing.T) {
		c := validClaims(clk.Now())
		c[ClaimScope] = 42
		_, err := v.Verify(t.Context(), signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c))
		if !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("err = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestInvalidTokensAreRejectedAsUnauthenticated(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	other := newTestSigner(t)
	now := clk.Now()
	good := mint(t, s, clinicianSpec(), now)

	with := func(mutate func(jwt.MapClaims)) string {
		c := validClaims(now)
		mutate(c)
		return signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c)
	}
	withServiceKey := func(mutate func(jwt.MapClaims)) string {
		c := validClaims(now)
		mutate(c)
		return signWith(t, jwt.SigningMethodEdDSA, s.service.key, s.service.kid, c)
	}
	asService := func(c jwt.MapClaims) {
		delete(c, ClaimHPRNumber)
		delete(c, ClaimOrgParent)
		c[ClaimRole], c[ClaimService] = string(RoleService), "pathway"
	}
	rsaKey := testRSAKey(t)
	sig := strings.Split(good, ".")[2]
	flipped := []byte(sig)
	// A middle character, so real signature bits change (the last one may
	// carry only padding bits).
	flipped[10] = 'A'
	if sig[10] == 'A' {
		flipped[10] = 'B'
	}
	elevated := strings.Split(mint(t, s, clinicianSpec(), now), ".")
	var pay strings.Builder
	pay.WriteString(`{"iss":"stafett-dev","aud":["stafett"],"sub":"clin-1","exp":`)
	fmt.Fprintf(&pay, `%d,"stafett://claims/role":"clinician","helseid://claims/client/claims/orgnr_parent":"%s","scope":"consent:write"}`, now.Add(time.Hour).Unix(), testOrgParent)

	tests := []struct {
		name, raw, reason string
		is                error
	}{
		{"empty", "", "missing token", ErrMissingToken},
		{"garbage", "not-a-jwt", "malformed token", ErrMalformedToken},
		{"expired", mustMint(t, s, clinicianSpec(), now.Add(-2*time.Hour), time.Hour), "token expired", ErrExpired},
		{"not yet valid", mustMint(t, s, clinicianSpec(), now.Add(time.Hour), time.Hour), "token not yet valid", ErrNotYetValid},
		{"wrong audience", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), "wrong audience", ErrWrongAudience},
		{"no audience", with(func(c jwt.MapClaims) { delete(c, "aud") }), "token lacks exp, iss or aud", ErrInvalidClaims},
		{"wrong issuer", with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), "wrong issuer", ErrWrongIssuer},
		{"no expiry", with(func(c jwt.MapClaims) { delete(c, "exp") }), "token lacks exp, iss or aud", ErrInvalidClaims},
		{"issued in the future", with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }), "token issued in the future", ErrNotYetValid},
		{"tampered signature", replaceSegment(good, 2, string(flipped)), "invalid signature", ErrBadSignature},
		{"tampered payload", elevated[0] + "." + b64(pay.String()) + "." + elevated[2], "invalid signature", ErrBadSignature},
		{"signed by another key", signWith(t, jwt.SigningMethodEdDSA, other.user.key, s.user.kid, validClaims(now)), "invalid signature", ErrBadSignature},
		{"unknown kid", signWith(t, jwt.SigningMethodEdDSA, other.user.key, other.user.kid, validClaims(now)), "unknown signing key", ErrUnknownKey},
		{"no kid", signWith(t, jwt.SigningMethodEdDSA, s.user.key, "", validClaims(now)), "token has no key id", ErrUnknownKey},
		{"alg none", b64(`{"alg":"none","typ":"JWT","kid":"`+s.user.kid+`"}`) + "." + strings.Split(good, ".")[1] + ".", "unsupported signing algorithm", ErrUnsupportedAlgorithm},
		{"HS256 with the public key", signWith(t, jwt.SigningMethodHS256, []byte(s.user.key.Public().(ed25519.PublicKey)), s.user.kid, validClaims(now)), "unsupported signing algorithm", ErrUnsupportedAlgorithm},
		{"RS256 under an Ed25519 kid", signWith(t, jwt.SigningMethodRS256, rsaKey, s.user.kid, validClaims(now)), "signing algorithm does not match the key", ErrUnsupportedAlgorithm},
		{"no subject", with(func(c jwt.MapClaims) { delete(c, "sub") }), "token has no subject", ErrInvalidClaims},
		{"no role", with(func(c jwt.MapClaims) { delete(c, ClaimRole) }), "token has no known role", ErrInvalidClaims},
		{"unknown role", with(func(c jwt.MapClaims) { c[ClaimRole] = "admin" }), "token has no known role", ErrInvalidClaims},
		{"personnel without org", with(func(c jwt.MapClaims) { delete(c, ClaimOrgParent) }), "personnel token has no organisation number", ErrInvalidClaims},
		{"malformed org number", with(func(c jwt.MapClaims) { c[ClaimOrgParent] = "12:34" }), "organisation number is not 9 digits", ErrInvalidClaims},
		{"non-numeric HPR number", with(func(c jwt.MapClaims) { c[ClaimHPRNumber] = "12a" }), "HPR number is not numeric", ErrInvalidClaims},
		{"patient without pid", with(func(c jwt.MapClaims) { c[ClaimRole] = string(RolePatient) }), "patient token has no national identity number", ErrInvalidClaims},
		{"patient with malformed pid", with(func(c jwt.MapClaims) { c[ClaimRole] = string(RolePatient); c[ClaimPID] = "123" }), "patient token national identity number is not 11 digits", ErrInvalidClaims},
		{"service without service", withServiceKey(func(c jwt.MapClaims) { c[ClaimRole] = string(RoleService) }), "service token has no service claim", ErrInvalidClaims},
		{"service role under the dev user key", with(asService), "service role on a token not signed with the suite's service key", ErrUntrustedServiceRole},
		{"service key signing a clinician", withServiceKey(func(jwt.MapClaims) {}), "the suite's service key signed a token that is not a service identity", ErrServiceKeyMisused},
		{"service claim on personnel", with(func(c jwt.MapClaims) { c[ClaimService] = "consent" }), "service claim on a token that is not a service identity", ErrInvalidClaims},
		{"oversized", strings.Repeat("a", maxTokenBytes+1), "token too large", ErrMalformedToken},
	}
	v := s.Verifier(clk.Now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(t.Context(), tt.raw)
			if !errors.Is(err, ErrUnauthenticated) || !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want ErrUnauthenticated and %v (principal %s)", err, tt.is, fields(p))
			}
			// The reason pins down which rule fired, so a case cannot pass
			// by tripping over an unrelated one.
			if !strings.HasSuffix(err.Error(), ": "+tt.reason) {
				t.Errorf("err = %q, want reason %q", err, tt.reason)
			}
			if !principalsEqual(p, Principal{}) {
				t.Errorf("rejected token still produced principal %s", fields(p))
			}
		})
	}
}

func mustMint(t *testing.T, s *Signer, spec TokenSpec, now time.Time, ttl time.Duration) string {
	t.Helper()
	tok, err := s.Mint(spec, now, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestExpiryToleratesSmallClockSkewOnly(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	tok := mustMint(t, s, clinicianSpec(), clk.Now(), time.Minute)

	clk.Advance(time.Minute + Leeway - time.Second)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	clk.Advance(2 * time.Second)
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("past leeway: err = %v, want ErrUnauthenticated", err)
	}
}

func TestNotBeforeToleratesSmallClockSkewOnly(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	if _, err := v.Verify(t.Context(), mustMint(t, s, clinicianSpec(), clk.Now().Add(Leeway-time.Second), time.Hour)); err != nil {
		t.Fatalf("issuer slightly ahead: %v", err)
	}
	if _, err := v.Verify(t.Context(), mustMint(t, s, clinicianSpec(), clk.Now().Add(Leeway+time.Second), time.Hour)); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("issuer far ahead: err = %v, want ErrUnauthenticated", err)
	}
}

func TestRSAAndECDSATokensVerifyOnlyUnderTheirOwnAlgorithm(t *testing.T) {
	clk := newFakeClock()
	rsaKey := testRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]verificationKey{
		"rsa": {key: &rsaKey.PublicKey, alg: algRS256},
		"ec":  {key: &ecKey.PublicKey, alg: algES256},
	}
	verify := func(raw string) error {
		_, err := verifyToken(t.Context(), raw, DevIssuer, Audience, clk.Now, func(_ context.Context, kid string) (verificationKey, error) {
			k, ok := keys[kid]
			if !ok {
				return verificationKey{}, ErrUnknownKey
			}
			return k, nil
		})
		return err
	}
	c := validClaims(clk.Now())
	if err := verify(signWith(t, jwt.SigningMethodRS256, rsaKey, "rsa", c)); err != nil {
		t.Errorf("RS256: %v", err)
	}
	if err := verify(signWith(t, jwt.SigningMethodES256, ecKey, "ec", c)); err != nil {
		t.Errorf("ES256: %v", err)
	}
	if err := verify(signWith(t, jwt.SigningMethodPS256, rsaKey, "rsa", c)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("PS256 under an RS256 key: err = %v, want ErrUnauthenticated", err)
	}
	if err := verify(signWith(t, jwt.SigningMethodRS512, rsaKey, "rsa", c)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("RS512 under an RS256 key: err = %v, want ErrUnauthenticated", err)
	}
}

func TestRejectionReasonsNeverQuoteTheTokenOrNationalID(t *testing.T) {
	clk := newFakeClock()
	s := newTestSigner(t)
	v := s.Verifier(clk.Now)
	expired := mustMint(t, s, patientSpec(), clk.Now().Add(-2*time.Hour), time.Hour)
	c := validClaims(clk.Now())
	c[ClaimRole] = string(RolePatient)
	c[ClaimPID] = "0181701234X"
	badPID := signWith(t, jwt.SigningMethodEdDSA, s.user.key, s.user.kid, c)
	algEvil := b64(`{"alg":"`+testPID+`","kid":"x"}`) + "." + strings.Split(expired, ".")[1] + ".c2ln"

	for name, raw := range map[string]string{"expired": expired, "bad pid": badPID, "pid as alg": algEvil} {
		_, err := v.Verify(t.Context(), raw)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		msg := err.Error()
		for _, secret := range []string{testPID, "0181701234X", strings.Split(raw, ".")[1]} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: error %q quotes token contents", name, msg)
			}
		}
	}
}

func TestPrincipalFormattingRedactsNationalID(t *testing.T) {
	p := Principal{Subject: "pat-1", Role: RolePatient, PatientNationalID: testPID, Scopes: []string{"handoffs:read"}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("call", "principal", p)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("call", "principal", p)
	spec := patientSpec()
	out := fmt.Sprintf("%v %+v %#v %s %q %d", p, p, p, p, p, p) + buf.String() + fmt.Sprintf("%v %+v %#v", spec, spec, spec)
	if strings.Contains(out, testPID) {
		t.Errorf("national id leaked into formatted output: %s", out)
	}
	if !strings.Contains(out, "pat-1") {
		t.Errorf("formatted output lost the subject: %s", out)
	}
}

func TestMintRefusesTokensVerifiersWouldReject(t *testing.T) {
	s := newTestSigner(t)
	now := newFakeClock().Now()
	bad := map[string]func(*TokenSpec){
		"no subject":              func(sp *TokenSpec) { sp.Subject = "" },
		"no role":                 func(sp *TokenSpec) { sp.Role = "" },
		"personnel without org":   func(sp *TokenSpec) { sp.ParentOrgNumber, sp.ChildOrgNumber = "", "" },
		"patient without pid":     func(sp *TokenSpec) { sp.Role = RolePatient },
		"service without service": func(sp *TokenSpec) { sp.Role = RoleService },
	}
	for name, mutate := range bad {
		spec := clinicianSpec()
		mutate(&spec)
		if _, err := s.Mint(spec, now, time.Hour); err == nil {
			t.Errorf("%s: minted", name)
		}
	}
	if _, err := s.Mint(clinicianSpec(), now, 0); err == nil {
		t.Error("zero lifetime: minted")
	}
}

func TestPrincipalTravelsInContext(t *testing.T) {
	if _, ok := FromContext(t.Context()); ok {
		t.Fatal("empty context has a principal")
	}
	want := Principal{Subject: "clin-1", Role: RoleClinician}
	got, ok := FromContext(NewContext(t.Context(), want))
	if !ok || !principalsEqual(got, want) {
		t.Errorf("FromContext = %s, %t", fields(got), ok)
	}
}
