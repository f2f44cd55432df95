package suite_test

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const (
	continuityTherapistHPR = "601" // the therapist who leaves
	continuitySuccessorHPR = "602" // takes over
	navOrg                 = "889640782"
	navCaseWorker          = "ext:" + navOrg + ":case-17"
)

// continuityStaff is a clinician at the DPS that received the patient's
// referral, so in the patient's care team.
func continuityStaff() authn.TokenSpec {
	return clinician("556", dpsOrg, "continuity:read", "continuity:write")
}

func continuityPatient() authn.TokenSpec {
	return authn.TokenSpec{Subject: "patient", PatientNationalID: patientNID, Role: authn.RolePatient,
		Scopes: []string{"continuity:read", "continuity:write", "consent:read", "consent:write"}}
}

func navWorker() authn.TokenSpec {
	return authn.TokenSpec{Subject: "case-17", ChildOrgNumber: navOrg, Role: authn.RoleCoordinator, Scopes: []string{"continuity:read", "continuity:write"}}
}

func continuityClient(env *suitetest.Env) continuityv1.ContinuityServiceClient {
	return continuityv1.NewContinuityServiceClient(env.Client)
}

// continuityPatientWithReferral receives a referral at the DPS, which puts
// the DPS in the patient's care team, and returns the patient id.
func continuityPatientWithReferral(t *testing.T, env *suitetest.Env) string {
	t.Helper()
	return receive(t, env, "continuity-referral").GetPatientId()
}

func startTherapist(t *testing.T, env *suitetest.Env, pid, requestID, hpr string) string {
	t.Helper()
	res, err := continuityClient(env).StartRelationship(env.As(t.Context(), continuityStaff()), &continuityv1.StartRelationshipRequest{
		RequestId: requestID, PatientId: pid, ProfessionalId: "hpr:" + hpr, Role: continuityv1.Role_ROLE_THERAPIST,
		Unit: dps, Sector: continuityv1.Sector_SECTOR_SPECIALIST,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetRelationshipId()
}

// alertsFor counts PatientLeftWithoutContact in the patient's continuity commits.
func alertsFor(t *testing.T, env *suitetest.Env, pid string) int {
	t.Helper()
	records, _, err := env.Suite.Store.Load(t.Context(), eventstore.Subject("continuity", "patient", pid), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range records {
		events, err := r.Events()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if _, ok := e.(*continuityv1.PatientLeftWithoutContact); ok {
				n++
			}
		}
	}
	return n
}

func TestATherapistWhoLeavesWithAWarmHandoffPassesThePatientOnWithoutAnAlert(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	ctx := env.As(t.Context(), continuityStaff())
	pid := continuityPatientWithReferral(t, env)
	from := startTherapist(t, env, pid, "start", continuityTherapistHPR)

	planned, err := c.PlanHandoff(ctx, &continuityv1.PlanHandoffRequest{
		RequestId: "plan", FromRelationshipId: from, ToProfessionalId: "hpr:" + continuitySuccessorHPR,
		ToRole: continuityv1.Role_ROLE_THERAPIST, ToUnit: dps, Kind: continuityv1.HandoffKind_HANDOFF_KIND_WARM, JointMeeting: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The successor is health personnel: the planned handoff makes them
	// cooperating personnel, so the summary may be shared with them.
	done, err := c.CompleteHandoff(ctx, &continuityv1.CompleteHandoffRequest{RequestId: "complete", HandoffId: planned.GetHandoffId(), SummaryShared: true})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetRelationshipId() == "" || done.GetCompletedKind() != continuityv1.HandoffKind_HANDOFF_KIND_WARM {
		t.Fatalf("completed = %v", done)
	}
	ended, err := c.EndRelationship(ctx, &continuityv1.EndRelationshipRequest{RequestId: "end", RelationshipId: from, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT})
	if err != nil {
		t.Fatal(err)
	}
	if ended.GetPatientLeftWithoutContact() || alertsFor(t, env, pid) != 0 {
		t.Fatalf("a warm handoff raised an alert (response %v)", ended)
	}
	// The successor's relationship makes them care team: they read the care team.
	team, err := c.GetCareTeam(env.As(t.Context(), clinician(continuitySuccessorHPR, bupOrg, "continuity:read")), &continuityv1.GetCareTeamRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	if len(team.GetRelationships()) != 2 || team.GetRelationships()[1].GetFromHandoffId() != planned.GetHandoffId() || !team.GetRelationships()[1].GetActive() {
		t.Fatalf("care team = %v", team.GetRelationships())
	}
}

func TestATherapistWhoLeavesWithoutAHandoffRaisesExactlyOnePatientLeftWithoutContact(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	ctx := env.As(t.Context(), continuityStaff())
	pid := continuityPatientWithReferral(t, env)
	rel := startTherapist(t, env, pid, "start", continuityTherapistHPR)

	end := &continuityv1.EndRelationshipRequest{RequestId: "end", RelationshipId: rel, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT}
	for range 2 { // an integration engine's retry must not raise it again
		res, err := c.EndRelationship(ctx, end)
		if err != nil {
			t.Fatal(err)
		}
		if !res.GetPatientLeftWithoutContact() {
			t.Fatal("the response does not say the patient was left without contact")
		}
	}
	if n := alertsFor(t, env, pid); n != 1 {
		t.Fatalf("PatientLeftWithoutContact appended %d times, want 1", n)
	}

	// The care team lists the ended relationship with its reason.
	team, err := c.GetCareTeam(ctx, &continuityv1.GetCareTeamRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	r := team.GetRelationships()
	if len(r) != 1 || r[0].GetActive() || r[0].GetEndReason() != continuityv1.EndReason_END_REASON_PROVIDER_LEFT || r[0].GetEndedAt() == nil || !team.GetWithoutContact() {
		t.Fatalf("care team = %v", team)
	}
	// A new contact person clears the alert state; the next loss alerts again.
	startRes, err := c.StartRelationship(ctx, &continuityv1.StartRelationshipRequest{
		RequestId: "contact", PatientId: pid, ProfessionalId: "hpr:" + continuitySuccessorHPR, Role: continuityv1.Role_ROLE_CONTACT_PERSON,
		Unit: dps, Sector: continuityv1.Sector_SECTOR_SPECIALIST, ChosenByPatient: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if team, err = c.GetCareTeam(ctx, &continuityv1.GetCareTeamRequest{PatientId: pid}); err != nil || team.GetWithoutContact() {
		t.Fatalf("still without contact after a new contact person: %v %v", team, err)
	}
	if _, err := c.EndRelationship(ctx, &continuityv1.EndRelationshipRequest{RequestId: "end-2", RelationshipId: startRes.GetRelationshipId(), Reason: continuityv1.EndReason_END_REASON_DISCHARGED}); err != nil {
		t.Fatal(err)
	}
	if n := alertsFor(t, env, pid); n != 2 {
		t.Fatalf("alerts = %d after a second loss, want 2", n)
	}
}

func TestAnOutsiderGetsTheSameNotFoundForTheCareTeamAsForAnUnknownPatient(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	pid := continuityPatientWithReferral(t, env)
	startTherapist(t, env, pid, "start", continuityTherapistHPR)
	outsider := env.As(t.Context(), clinician(strangerHPR, otherOrg, "continuity:read", "continuity:write"))
	_, denied := c.GetCareTeam(outsider, &continuityv1.GetCareTeamRequest{PatientId: pid})
	// Another well-formed patient id that belongs to no one in the stream.
	other := []byte(pid)
	other[10] = map[bool]byte{true: 'c', false: 'b'}[other[10] == 'b']
	unknown := string(other)
	_, missing := c.GetCareTeam(outsider, &continuityv1.GetCareTeamRequest{PatientId: unknown})
	if status.Code(denied) != codes.NotFound || status.Convert(denied).Message() != status.Convert(missing).Message() || status.Code(missing) != codes.NotFound {
		t.Fatalf("denied %v, unknown %v: want the same NotFound", denied, missing)
	}
	// Nor may the outsider make themself part of the care team.
	_, err := c.StartRelationship(outsider, &continuityv1.StartRelationshipRequest{
		RequestId: "sneak", PatientId: pid, ProfessionalId: "hpr:" + strangerHPR, Role: continuityv1.Role_ROLE_THERAPIST,
		Unit: dps, Sector: continuityv1.Sector_SECTOR_SPECIALIST,
	})
	wantCode(t, err, codes.NotFound)
}

func TestAPlanningGroupMemberIsAddedOnlyWithConsentAndThePatientMayRemoveThem(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	pid := continuityPatientWithReferral(t, env)
	asPatient := env.As(t.Context(), continuityPatient())

	plan, err := c.CreateIndividualPlan(asPatient, &continuityv1.CreateIndividualPlanRequest{RequestId: "plan", PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	planID := plan.GetPlanId()
	if _, err := c.SetPlanGoal(asPatient, &continuityv1.SetPlanGoalRequest{RequestId: "goal", PlanId: planID, Text: "Klare å gå på skolen igjen"}); err != nil {
		t.Fatal(err)
	}
	add := &continuityv1.AddPlanningGroupMemberRequest{RequestId: "add-1", PlanId: planID, ProfessionalId: navCaseWorker, Role: continuityv1.Role_ROLE_NAV_CASEWORKER}

	// Without the patient's consent to share the plan with them: refused,
	// naming what is missing.
	_, err = c.AddPlanningGroupMember(asPatient, add)
	st := wantCode(t, err, codes.FailedPrecondition)
	if !hasErrorInfo(st, "SHARING_CONSENT_REQUIRED", "CATEGORY_PLAN") {
		t.Fatalf("refusal does not name the missing consent: %v %v", st.Message(), st.Details())
	}

	grant, err := consentClient(env).GrantConsent(asPatient, &consentv1.GrantConsentRequest{
		RequestId: "share-plan", PatientId: pid,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: navCaseWorker}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN}, Purpose: consentv1.Purpose_PURPOSE_COORDINATION,
	})
	if err != nil {
		t.Fatal(err)
	}
	add.RequestId = "add-2"
	added, err := c.AddPlanningGroupMember(asPatient, add)
	if err != nil {
		t.Fatal(err)
	}
	if added.GetConsentId() != grant.GetConsentId() {
		t.Fatalf("membership rests on consent %q, want %q", added.GetConsentId(), grant.GetConsentId())
	}

	// The member sees the plan, not the patient's other data.
	asNAV := env.As(t.Context(), navWorker())
	got, err := c.GetIndividualPlan(asNAV, &continuityv1.GetIndividualPlanRequest{PlanId: planID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetPlan().GetMembers()) != 1 || len(got.GetPlan().GetGoals()) != 1 {
		t.Fatalf("plan = %v", got.GetPlan())
	}
	_, err = c.GetCareTeam(asNAV, &continuityv1.GetCareTeamRequest{PatientId: pid})
	wantCode(t, err, codes.NotFound)

	// The patient removes the member with their own token.
	removed, err := c.RemovePlanningGroupMember(asPatient, &continuityv1.RemovePlanningGroupMemberRequest{RequestId: "remove", PlanId: planID, ProfessionalId: navCaseWorker})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := c.GetIndividualPlan(asPatient, &continuityv1.GetIndividualPlanRequest{PlanId: planID})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.GetPlan().GetMembers()) != 0 {
		t.Fatalf("members after removal = %v", mine.GetPlan().GetMembers())
	}
	// Removal also withdrew the plan consent given for the membership: the
	// former member reads the plan no more.
	if !removed.GetConsentWithdrawn() {
		t.Fatalf("the plan consent was not withdrawn: %s", removed.GetConsentNote())
	}
	_, err = c.GetIndividualPlan(asNAV, &continuityv1.GetIndividualPlanRequest{PlanId: planID})
	wantCode(t, err, codes.NotFound)

	// A professional may not remove a member on their own.
	_, err = c.RemovePlanningGroupMember(env.As(t.Context(), continuityStaff()), &continuityv1.RemovePlanningGroupMemberRequest{RequestId: "remove-2", PlanId: planID, ProfessionalId: navCaseWorker})
	if code := status.Code(err); code != codes.FailedPrecondition && code != codes.NotFound {
		t.Fatalf("professional's removal: %v", err)
	}
}

func TestAProfessionalCreatesAnIndividualPlanOnlyRecordingThePatientsConsent(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	pid := continuityPatientWithReferral(t, env)
	ctx := env.As(t.Context(), continuityStaff())
	_, err := c.CreateIndividualPlan(ctx, &continuityv1.CreateIndividualPlanRequest{RequestId: "p1", PatientId: pid})
	if st := wantCode(t, err, codes.FailedPrecondition); !hasErrorInfo(st, "PATIENT_CONSENT_REQUIRED", "") {
		t.Fatalf("details = %v", st.Details())
	}
	if _, err := c.CreateIndividualPlan(ctx, &continuityv1.CreateIndividualPlanRequest{RequestId: "p2", PatientId: pid, PatientConsents: true}); err != nil {
		t.Fatal(err)
	}
}

func hasErrorInfo(st *status.Status, reason, category string) bool {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == reason && (category == "" || info.GetMetadata()["category"] == category) {
			return true
		}
	}
	return false
}

func TestWantingContactAfterCareEndsIsRecordedInTheConsentService(t *testing.T) {
	env := suitetest.Start(t)
	c := continuityClient(env)
	pid := continuityPatientWithReferral(t, env)
	res, err := c.RecordContinuityPreference(env.As(t.Context(), continuityPatient()), &continuityv1.RecordContinuityPreferenceRequest{
		RequestId: "pref", PatientId: pid, KeepProfessionalId: "hpr:" + colleagueHPR,
		Closeness: continuityv1.Closeness_CLOSENESS_HIGH, ContactAfterEnd: true, ContactAfterEndProfessionalId: "hpr:" + colleagueHPR,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.GetContactAfterEndRecorded() {
		t.Fatalf("contact after end not recorded: %s", res.GetContactAfterEndNote())
	}
	// Recorded once: a retry of the same request says the same and adds nothing.
	before := env.LastSeq(t.Context())
	again, err := c.RecordContinuityPreference(env.As(t.Context(), continuityPatient()), &continuityv1.RecordContinuityPreferenceRequest{
		RequestId: "pref", PatientId: pid, KeepProfessionalId: "hpr:" + colleagueHPR,
		Closeness: continuityv1.Closeness_CLOSENESS_HIGH, ContactAfterEnd: true, ContactAfterEndProfessionalId: "hpr:" + colleagueHPR,
	})
	if err != nil || !again.GetContactAfterEndRecorded() {
		t.Fatalf("retry: %v %v", again, err)
	}
	if env.LastSeq(t.Context()) != before {
		t.Fatal("a retried preference appended again")
	}
}
