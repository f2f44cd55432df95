package suite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const (
	colleagueHPR = "556" // works at the receiving DPS too
	strangerHPR  = "777" // works somewhere else
	grantedHPR   = "888" // works somewhere else, but the patient consents
	emergencyHPR = "999" // works somewhere else, opens emergency access
)

func clinician(hpr, org string, scopes ...string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "hpr:" + hpr, HPRNumber: hpr, ChildOrgNumber: org, Role: authn.RoleClinician, Scopes: scopes}
}

func patient(nationalID string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "patient", PatientNationalID: nationalID, Role: authn.RolePatient, Scopes: []string{"referral:read", "consent:read", "consent:write"}}
}

func consentClient(env *suitetest.Env) consentv1.ConsentServiceClient {
	return consentv1.NewConsentServiceClient(env.Client)
}

func receive(t *testing.T, env *suitetest.Env, requestID string) *referralv1.Referral {
	t.Helper()
	res, err := client(env).ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest(requestID))
	if err != nil {
		t.Fatal(err)
	}
	return res.GetReferral()
}

// getAs reads the referral as spec and returns the status code and message.
func getAs(t *testing.T, env *suitetest.Env, spec authn.TokenSpec, id string) *status.Status {
	t.Helper()
	_, err := client(env).GetReferral(env.As(t.Context(), spec), &referralv1.GetReferralRequest{ReferralId: id})
	st, _ := status.FromError(err)
	return st
}

func accessLog(t *testing.T, env *suitetest.Env, patientID string) []*consentv1.AccessLogEntry {
	t.Helper()
	res, err := consentClient(env).ListAccessLog(env.As(t.Context(), patient(patientNID)), &consentv1.ListAccessLogRequest{PatientId: patientID, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetEntries()
}

func TestEveryKindOfCallerGetsTheAnswerAndLogRecordTheRulesGiveThem(t *testing.T) {
	env := suitetest.Start(t)
	ref := receive(t, env, "walk")
	pid, id := ref.GetPatientId(), ref.GetReferralId()
	c := consentClient(env)
	asPatient := env.As(t.Context(), patient(patientNID))
	notFound := getAs(t, env, assessor(dpsOrg), "01JNOSUCHREFERRALNOSUCHREFX")
	if notFound.Code() != codes.NotFound {
		t.Fatalf("random id: %v", notFound)
	}
	// A stranger from another organisation: the same NOT_FOUND as a random id.
	if st := getAs(t, env, clinician(strangerHPR, otherOrg, "referral:read"), id); st.Code() != notFound.Code() || st.Message() != notFound.Message() {
		t.Fatalf("stranger got %v, want exactly %v", st, notFound)
	}
	// A member of the receiving unit: the care team under §25.
	if st := getAs(t, env, clinician(colleagueHPR, dpsOrg, "referral:read"), id); st.Code() != codes.OK {
		t.Fatalf("receiving unit: %v", st)
	}
	// The patient objects to that colleague: §25 access is gone.
	if _, err := c.RecordObjection(asPatient, &consentv1.RecordObjectionRequest{
		RequestId: "obj-1", PatientId: pid,
		Against:    &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_ProfessionalId{ProfessionalId: "hpr:" + colleagueHPR}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_ALL},
	}); err != nil {
		t.Fatal(err)
	}
	if st := getAs(t, env, clinician(colleagueHPR, dpsOrg, "referral:read"), id); st.Code() != notFound.Code() || st.Message() != notFound.Message() {
		t.Fatalf("objected colleague got %v", st)
	}
	// A professional elsewhere the patient consents to: readable right after
	// the grant returns, and not right after the withdrawal returns.
	granted := clinician(grantedHPR, otherOrg, "referral:read")
	grant, err := c.GrantConsent(asPatient, &consentv1.GrantConsentRequest{
		RequestId: "grant-1", PatientId: pid,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "hpr:" + grantedHPR}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_REFERRAL}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := getAs(t, env, granted, id); st.Code() != codes.OK {
		t.Fatalf("consented grantee: %v", st)
	}
	if _, err := c.WithdrawConsent(asPatient, &consentv1.WithdrawConsentRequest{RequestId: "withdraw-1", PatientId: pid, ConsentId: grant.GetConsentId()}); err != nil {
		t.Fatal(err)
	}
	if st := getAs(t, env, granted, id); st.Code() != notFound.Code() || st.Message() != notFound.Message() {
		t.Fatalf("after withdrawal: %v", st)
	}
	// Emergency access opens it, is logged, and lists for review.
	opener := clinician(emergencyHPR, otherOrg, "referral:read", "consent:write", "consent:read")
	opened, err := c.UseEmergencyAccess(env.As(t.Context(), opener), &consentv1.UseEmergencyAccessRequest{RequestId: "em-1", PatientId: pid, Reason: "acute suicide risk, patient unconscious"})
	if err != nil {
		t.Fatal(err)
	}
	if st := getAs(t, env, opener, id); st.Code() != codes.OK {
		t.Fatalf("emergency opener: %v", st)
	}
	reviewer := clinician("1001", otherOrg, "consent:write", "consent:read")
	listed, err := c.ListEmergencyAccesses(env.As(t.Context(), reviewer), &consentv1.ListEmergencyAccessesRequest{UnreviewedOnly: true})
	if err != nil || len(listed.GetAccesses()) != 1 || listed.GetAccesses()[0].GetAccessId() != opened.GetAccessId() {
		t.Fatalf("review list: %v %v", listed.GetAccesses(), err)
	}
	if _, err := c.ReviewEmergencyAccess(env.As(t.Context(), reviewer), &consentv1.ReviewEmergencyAccessRequest{
		RequestId: "rev-1", PatientId: pid, AccessId: opened.GetAccessId(), Justified: true, Note: "documented in the journal",
	}); err != nil {
		t.Fatal(err)
	}
	if listed, _ := c.ListEmergencyAccesses(env.As(t.Context(), reviewer), &consentv1.ListEmergencyAccessesRequest{UnreviewedOnly: true}); len(listed.GetAccesses()) != 0 {
		t.Fatal("reviewed access still listed for review")
	}
	// The patient reads their own referral.
	if st := getAs(t, env, patient(patientNID), id); st.Code() != codes.OK {
		t.Fatalf("patient: %v", st)
	}

	// The log holds exactly the reads that were permitted, each with its basis.
	var got []string
	for _, e := range accessLog(t, env, pid) {
		if e.GetOperation() != "stafett.referral.v1.ReferralService/GetReferral" {
			continue
		}
		who := e.GetActorProfessionalId()
		if e.GetActorPatientId() != "" {
			who = "patient"
		}
		got = append(got, who+" "+e.GetBasis().String())
		if e.GetPatientId() != pid || e.GetResource() != "referrals/"+id || e.GetAt() == nil {
			t.Fatalf("incomplete log entry %v", e)
		}
	}
	want := []string{
		"hpr:" + colleagueHPR + " BASIS_CARE_TEAM",
		"hpr:" + grantedHPR + " BASIS_CONSENT",
		"hpr:" + emergencyHPR + " BASIS_EMERGENCY",
		"patient BASIS_OWN_DATA",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("access log\n got %v\nwant %v", got, want)
	}
}

func TestEveryDeniedAnswerEqualsTheNotFoundAnswer(t *testing.T) {
	env := suitetest.Start(t)
	var referralIDs []string
	for i := range 3 {
		referralIDs = append(referralIDs, receive(t, env, fmt.Sprintf("prop-%d", i)).GetReferralId())
	}
	absent := getAs(t, env, assessor(dpsOrg), "01JNOSUCHREFERRALNOSUCHREFX")
	rng := rand.New(rand.NewPCG(1, 2))
	// The sender is no outsider: it keeps the referral it wrote.
	orgs := []string{otherOrg, bupOrg}
	for i := range 40 {
		spec := clinician(fmt.Sprint(2000+rng.IntN(5000)), orgs[rng.IntN(len(orgs))], "referral:read")
		if rng.IntN(4) == 0 {
			spec = authn.TokenSpec{Subject: "nav", ChildOrgNumber: otherOrg, Role: authn.RoleCoordinator, Scopes: []string{"referral:read"}}
		}
		id := referralIDs[rng.IntN(len(referralIDs))]
		if rng.IntN(3) == 0 {
			id = fmt.Sprintf("01JRANDOM%018d", rng.IntN(1_000_000))
		}
		st := getAs(t, env, spec, id)
		if st.Code() != absent.Code() || st.Message() != absent.Message() || len(st.Details()) != 0 {
			t.Fatalf("case %d: an outsider got %v, not exactly %v", i, st, absent)
		}
	}
}

func TestOnlyServicesMayCheckAccess(t *testing.T) {
	env := suitetest.Start(t)
	pid := receive(t, env, "oracle").GetPatientId()
	everything := clinician(colleagueHPR, dpsOrg, "consent:check", "consent:read", "consent:write")
	_, err := consentClient(env).CheckAccess(env.As(t.Context(), everything), &consentv1.CheckAccessRequest{
		ActorProfessionalId: "hpr:" + colleagueHPR, ActorOrgNumber: dpsOrg, PatientId: pid, Category: consentv1.Category_CATEGORY_REFERRAL,
	})
	if code := status.Code(err); code != codes.PermissionDenied {
		t.Fatalf("a user asked the policy decision point: %v", code)
	}
}

func TestAccessDecisionsAreNeverStaleAcrossProcesses(t *testing.T) {
	env := suitetest.Start(t)
	// A second process runs only the consent service; the first process's
	// referral service asks it over the network.
	consentProc, consentConn := env.StartPeer([]string{"consent"}, "")
	_, referralConn := env.StartPeer([]string{"referral"}, consentProc.Addr())
	referrals := referralv1.NewReferralServiceClient(referralConn)
	consents := consentv1.NewConsentServiceClient(consentConn)
	for i := range 5 {
		res, err := referrals.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest(fmt.Sprintf("stale-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		// Right after the receipt returns, the receiving unit reads it: the
		// consent process must already count the unit as the care team.
		if _, err := referrals.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: res.GetReferral().GetReferralId()}); err != nil {
			t.Fatalf("read right after receipt %d: %v", i, err)
		}
		// Right after a withdrawal returns, the grantee is refused.
		pid := res.GetReferral().GetPatientId()
		grant, err := consents.GrantConsent(env.As(t.Context(), patient(patientNID)), &consentv1.GrantConsentRequest{
			RequestId: fmt.Sprintf("g-%d", i), PatientId: pid,
			Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "hpr:" + grantedHPR}},
			Categories: []consentv1.Category{consentv1.Category_CATEGORY_REFERRAL}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := referrals.GetReferral(env.As(t.Context(), clinician(grantedHPR, otherOrg, "referral:read")), &referralv1.GetReferralRequest{ReferralId: res.GetReferral().GetReferralId()}); err != nil {
			t.Fatalf("read right after grant %d: %v", i, err)
		}
		if _, err := consents.WithdrawConsent(env.As(t.Context(), patient(patientNID)), &consentv1.WithdrawConsentRequest{RequestId: fmt.Sprintf("w-%d", i), PatientId: pid, ConsentId: grant.GetConsentId()}); err != nil {
			t.Fatal(err)
		}
		_, err = referrals.GetReferral(env.As(t.Context(), clinician(grantedHPR, otherOrg, "referral:read")), &referralv1.GetReferralRequest{ReferralId: res.GetReferral().GetReferralId()})
		if status.Code(err) != codes.NotFound {
			t.Fatalf("read right after withdrawal %d: %v", i, err)
		}
	}
}

func TestReadsFailRatherThanGoUnloggedWhenTheAccessLogIsDown(t *testing.T) {
	env := suitetest.Start(t)
	id := receive(t, env, "audit-down").GetReferralId()
	if st := getAs(t, env, assessor(dpsOrg), id); st.Code() != codes.OK {
		t.Fatal(st)
	}
	js, err := jetstream.New(env.Conn)
	if err != nil {
		t.Fatal(err)
	}
	// Take the access log away from under the running suite.
	if err := js.DeleteStream(context.WithoutCancel(t.Context()), audit.StreamName); err != nil {
		t.Fatal(err)
	}
	if st := getAs(t, env, assessor(dpsOrg), id); st.Code() != codes.Unavailable {
		t.Fatalf("read without an access log: %v, want UNAVAILABLE", st)
	}
}

func TestAPatientReachesOnlyTheirOwnData(t *testing.T) {
	env := suitetest.Start(t)
	mine := receive(t, env, "mine")
	otherReq := receiveRequest("theirs")
	otherReq.PatientNationalId = "24050650088"
	res, err := client(env).ReceiveReferral(env.As(t.Context(), integration(senderOrg)), otherReq)
	if err != nil {
		t.Fatal(err)
	}
	theirs := res.GetReferral()
	me := patient(patientNID)
	if st := getAs(t, env, me, mine.GetReferralId()); st.Code() != codes.OK {
		t.Fatalf("own referral: %v", st)
	}
	if st := getAs(t, env, me, theirs.GetReferralId()); st.Code() != codes.NotFound {
		t.Fatalf("another patient's referral: %v", st)
	}
	c := consentClient(env)
	if _, err := c.ListAccessLog(env.As(t.Context(), me), &consentv1.ListAccessLogRequest{PatientId: theirs.GetPatientId()}); status.Code(err) != codes.NotFound {
		t.Fatalf("another patient's access log: %v", err)
	}
	_, err = c.GrantConsent(env.As(t.Context(), me), &consentv1.GrantConsentRequest{
		RequestId: "g", PatientId: theirs.GetPatientId(),
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "hpr:" + grantedHPR}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_ALL}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
	})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("consenting for another patient: %v", err)
	}
	if _, err := c.PermitContactAfterEnd(env.As(t.Context(), me), &consentv1.PermitContactAfterEndRequest{
		RequestId: "p", PatientId: mine.GetPatientId(), ProfessionalId: "hpr:" + colleagueHPR,
	}); err != nil {
		t.Fatalf("permitting contact after end for oneself: %v", err)
	}
	resolved, err := c.ResolvePatient(env.As(t.Context(), me), &consentv1.ResolvePatientRequest{NationalId: patientNID})
	if err != nil || resolved.GetPatientId() != mine.GetPatientId() {
		t.Fatalf("resolve: %v %v", resolved, err)
	}
}
