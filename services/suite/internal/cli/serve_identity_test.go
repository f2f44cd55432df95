package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/authn/authntest"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// helseIDClaims is a token body as the external issuer writes it.
func helseIDClaims(subject string, role authn.Role, scopes ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"aud": authn.Audience, "sub": subject,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		authn.ClaimRole: string(role), authn.ClaimScope: strings.Join(scopes, " "),
	}
}

// The exploit this closes: under `serve --jwks-url`, the issuer's token
// claiming the service role asked CheckAccess whether someone is a patient,
// and granted consent "on behalf of" the patient so that an ordinary token
// of the same issuer could then read the referral, national id included.
func TestServeRefusesServiceIdentityFromTheExternalIssuer(t *testing.T) {
	issuer := authntest.NewIssuer(t, "https://helseid.example")
	addr, signingDir, stop := startServe(t, "--services", "consent,referral", "--jwks-url", issuer.JWKSURL(), "--issuer", issuer.Name())
	defer stop()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	referrals, consents := referralv1.NewReferralServiceClient(cc), consentv1.NewConsentServiceClient(cc)

	engine := helseIDClaims("client:974760673", authn.RoleIntegration, "referral:write", "referral:read")
	engine[authn.ClaimOrgChild] = "974760673"
	received, err := referrals.ReceiveReferral(bearer(t.Context(), issuer.Sign(t, engine)), &referralv1.ReceiveReferralRequest{
		RequestId: "r1", PatientNationalId: "31129998949", ReferrerHpr: "1234567", ReferrerOrgNumber: "974760673",
		ReceivingUnit: &eventsv1.UnitRef{HerId: "80001", OrgNumber: "983974724"}, Reason: "r", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	})
	if err != nil {
		t.Fatalf("the issuer's integration engine: %v", err)
	}
	patientID, referralID := received.GetReferral().GetPatientId(), received.GetReferral().GetReferralId()

	claimsService := helseIDClaims("consent", authn.RoleService, "consent:check", "consent:write", "consent:read")
	claimsService[authn.ClaimService] = "consent"
	asClaimedService := bearer(t.Context(), issuer.Sign(t, claimsService))
	stranger := helseIDClaims("hpr:777", authn.RoleClinician, "referral:read", "consent:write")
	stranger[authn.ClaimHPRNumber], stranger[authn.ClaimOrgChild] = "777", "923456783"
	asStranger := bearer(t.Context(), issuer.Sign(t, stranger))
	oracleQuestion := &consentv1.CheckAccessRequest{
		ActorProfessionalId: "hpr:777", ActorOrgNumber: "923456783", PatientId: patientID, Category: consentv1.Category_CATEGORY_REFERRAL,
	}
	grantForStranger := &consentv1.GrantConsentRequest{
		RequestId: "grant", PatientId: patientID,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "hpr:777"}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_ALL}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
		OnBehalfOf: &eventsv1.Actor{PatientId: patientID, Role: string(authn.RolePatient)},
	}
	strangerReads := func() codes.Code {
		_, err := referrals.GetReferral(asStranger, &referralv1.GetReferralRequest{ReferralId: referralID})
		return status.Code(err)
	}

	if _, err := consents.CheckAccess(asClaimedService, oracleQuestion); status.Code(err) != codes.Unauthenticated {
		t.Errorf("CheckAccess by the issuer's claimed service: %v, want Unauthenticated", err)
	}
	if _, err := consents.GrantConsent(asClaimedService, grantForStranger); status.Code(err) != codes.Unauthenticated {
		t.Errorf("GrantConsent on behalf of the patient by the issuer's claimed service: %v, want Unauthenticated", err)
	}
	if _, err := consents.GrantConsent(asStranger, grantForStranger); status.Code(err) != codes.Unauthenticated {
		t.Errorf("GrantConsent on behalf of the patient by the issuer's clinician: %v, want Unauthenticated", err)
	}
	if got := strangerReads(); got != codes.NotFound {
		t.Fatalf("the stranger reads the referral: %v, want NotFound", got)
	}
	// With an issuer configured, the suite's key vouches for no user.
	local := token(t, "--data-dir", signingDir, "--hpr", "555", "--org", "983974724", "--role", "assessor", "--scope", "referral:read")
	if _, err := referrals.GetReferral(bearer(t.Context(), local), &referralv1.GetReferralRequest{ReferralId: referralID}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a stafett token under serve --jwks-url: %v, want Unauthenticated", err)
	}

	// The suite's own service identity still does both, so the refusals
	// above are about who signed, not about the requests.
	signer, err := authn.LoadOrCreateSigner(signingDir)
	if err != nil {
		t.Fatal(err)
	}
	suite, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authn.ServiceCredentials(signer, "stafett-suite", []string{"consent:check", "consent:write"}, time.Now)))
	if err != nil {
		t.Fatal(err)
	}
	defer suite.Close()
	asSuite := consentv1.NewConsentServiceClient(suite)
	answer, err := asSuite.CheckAccess(t.Context(), oracleQuestion)
	if err != nil || answer.GetDecision() != consentv1.Decision_DECISION_DENY {
		t.Fatalf("CheckAccess by the suite: %v %v, want a deny", answer, err)
	}
	if _, err := asSuite.GrantConsent(t.Context(), grantForStranger); err != nil {
		t.Fatalf("GrantConsent on behalf of the patient by the suite: %v", err)
	}
	if got := strangerReads(); got != codes.OK {
		t.Errorf("the stranger reads the referral the patient consented to: %v, want OK", got)
	}
}

// Without an issuer (the compose deployment before HelseID) the suite's own
// key vouches for users, as in dev.
func TestServeWithoutAnIssuerAcceptsStafettTokens(t *testing.T) {
	addr, signingDir, stop := startServe(t, "--services", "consent,referral")
	defer stop()
	assessor := token(t, "--data-dir", signingDir, "--hpr", "555", "--org", "983974724", "--role", "assessor", "--scope", "referral:read")
	_, err := dial(t, addr).GetReferral(bearer(t.Context(), assessor), &referralv1.GetReferralRequest{ReferralId: "01JNOSUCHREFERRALNOSUCHREFX"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("a stafett token under serve: %v, want NotFound for an unknown referral", err)
	}
}

func TestStafettTokenCannotMintAServiceIdentity(t *testing.T) {
	// A dir with a key, as dev leaves it: the refusal must be the role's.
	dataDir := t.TempDir()
	if _, err := authn.LoadOrCreateSigner(dataDir); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Main(t.Context(), []string{"token", "--data-dir", dataDir, "--role", "service", "--subject", "consent", "--scope", "consent:check"}, &out, &errOut)
	if code == 0 {
		t.Fatalf("stafett token minted a service identity: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "service key") {
		t.Errorf("error %q does not say only the service key signs service identities", errOut.String())
	}
}
