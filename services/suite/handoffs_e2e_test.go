package suite_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs"
	"github.com/stafett/stafett/services/handoffs/workloadtest"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func handoffsClient(env *suitetest.Env) handoffsv1.HandoffServiceClient {
	return handoffsv1.NewHandoffServiceClient(env.Client)
}

func opsUser() authn.TokenSpec {
	return authn.TokenSpec{Subject: "ops-1", ChildOrgNumber: dpsOrg, Role: authn.RoleOps, Scopes: []string{"handoffs:read"}}
}

// dpsClinician is in the care team of a patient whose referral the DPS received.
func dpsClinician() authn.TokenSpec { return clinician("556", dpsOrg, "handoffs:read") }

func journeyKinds(es []*handoffsv1.JourneyEntry) []handoffsv1.EntryKind {
	var out []handoffsv1.EntryKind
	for _, e := range es {
		out = append(out, e.GetKind())
	}
	return out
}

func TestAFrontlineProfessionalWithoutAccessGetsTheSameNotFoundForAJourneyAsForAnUnknownPatient(t *testing.T) {
	env := suitetest.Start(t)
	pid := receive(t, env, "journey").GetPatientId()
	h := handoffsClient(env)

	got, err := h.GetPatientJourney(env.As(t.Context(), dpsClinician()), &handoffsv1.GetPatientJourneyRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	if k := journeyKinds(got.GetEntries()); len(k) != 1 || k[0] != handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED {
		t.Fatalf("journey = %v", k)
	}

	outsider := clinician("777", otherOrg, "handoffs:read")
	denied := wantCode(t, errOf(h.GetPatientJourney(env.As(t.Context(), outsider), &handoffsv1.GetPatientJourneyRequest{PatientId: pid})), codes.NotFound)
	unknown := wantCode(t, errOf(h.GetPatientJourney(env.As(t.Context(), outsider), &handoffsv1.GetPatientJourneyRequest{PatientId: env.PatientID("24050650088")})), codes.NotFound)
	if !proto.Equal(denied.Proto(), unknown.Proto()) {
		t.Fatalf("denied %v differs from unknown %v", denied.Proto(), unknown.Proto())
	}
	// Ops never see patient-level data, whatever else their token says.
	wantCode(t, errOf(h.GetPatientJourney(env.As(t.Context(), opsUser()), &handoffsv1.GetPatientJourneyRequest{PatientId: pid})), codes.NotFound)
	wantCode(t, errOf(h.GetContinuity(env.As(t.Context(), opsUser()), &handoffsv1.GetContinuityRequest{PatientId: pid})), codes.NotFound)
}

func errOf[T any](_ T, err error) error { return err }

func TestAWatchSendsTheJourneyThenNewEntriesAndEndsWithNotFoundWhenConsentIsWithdrawn(t *testing.T) {
	env := suitetest.Start(t)
	pid := receive(t, env, "watch").GetPatientId()
	asPatient := env.As(t.Context(), continuityPatient())
	// The patient lets a NAV case worker see their relationships.
	grant, err := consentClient(env).GrantConsent(asPatient, &consentv1.GrantConsentRequest{
		RequestId: "nav", PatientId: pid,
		Grantee:    &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: navCaseWorker}},
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_RELATIONSHIPS}, Purpose: consentv1.Purpose_PURPOSE_COORDINATION,
	})
	if err != nil {
		t.Fatal(err)
	}
	nav := authn.TokenSpec{Subject: "case-17", ChildOrgNumber: navOrg, Role: authn.RoleCoordinator, Scopes: []string{"handoffs:read"}}
	stream, err := handoffsClient(env).WatchPatientJourney(env.As(t.Context(), nav), &handoffsv1.WatchPatientJourneyRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	// The referral is not theirs to see: the journey so far is empty for them.
	if len(first.GetEntries()) != 0 {
		t.Fatalf("first = %v", journeyKinds(first.GetEntries()))
	}
	startTherapist(t, env, pid, "start", continuityTherapistHPR)
	next, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if k := journeyKinds(next.GetEntries()); len(k) != 1 || k[0] != handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED {
		t.Fatalf("next = %v", k)
	}
	if _, err := consentClient(env).WithdrawConsent(asPatient, &consentv1.WithdrawConsentRequest{RequestId: "stop", PatientId: pid, ConsentId: grant.GetConsentId()}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := stream.Recv()
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			t.Fatal("the watch ended without NOT_FOUND")
		}
		wantCode(t, err, codes.NotFound)
		return
	}
}

func TestAWatchEndsWithNotFoundWhenEmergencyAccessRunsOut(t *testing.T) {
	env := suitetest.Start(t)
	pid := receive(t, env, "emergency-watch").GetPatientId()
	opener := clinician(emergencyHPR, otherOrg, "handoffs:read", "consent:write")
	if _, err := consentClient(env).UseEmergencyAccess(env.As(t.Context(), opener), &consentv1.UseEmergencyAccessRequest{
		RequestId: "em", PatientId: pid, Reason: "unconscious in the emergency room",
	}); err != nil {
		t.Fatal(err)
	}
	stream, err := handoffsClient(env).WatchPatientJourney(env.As(t.Context(), opener), &handoffsv1.WatchPatientJourneyRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := stream.Recv(); err != nil || len(first.GetEntries()) == 0 {
		t.Fatalf("journey under emergency access: %v %v", first, err)
	}
	// No event marks the end of an emergency access: time does.
	env.Clock.Advance(5 * time.Hour)
	for {
		_, err := stream.Recv()
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			t.Fatal("the watch ended without NOT_FOUND")
		}
		wantCode(t, err, codes.NotFound)
		return
	}
}

func TestOpsSeeNoPatientIdAndNoCountUnderFive(t *testing.T) {
	env := suitetest.Start(t)
	// Seven young people move from the BUP to the DPS; every fifth is later
	// left without contact (so 2 of them: under 5).
	w := workloadtest.NewWriter(env.Suite.Store)
	for i := range 7 {
		if err := workloadtest.Journey(t.Context(), w, i, env.Clock.Now().AddDate(0, -6, 0)); err != nil {
			t.Fatal(err)
		}
		if err := workloadtest.PendingReferral(t.Context(), w, i, env.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// One more patient through the real services, handed on alone.
	pid := receive(t, env, "ops").GetPatientId()
	startTherapist(t, env, pid, "start", continuityTherapistHPR)

	h := handoffsClient(env)
	ctx := env.As(t.Context(), opsUser())
	graph, err := h.GetHandoffGraph(ctx, &handoffsv1.GetHandoffGraphRequest{})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := h.ListPatientsWithoutContact(ctx, &handoffsv1.ListPatientsWithoutContactRequest{})
	if err != nil {
		t.Fatal(err)
	}
	risks, err := h.ListDeadlineRisks(ctx, &handoffsv1.ListDeadlineRisksRequest{WithinDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	unsuppressed := 0
	for _, m := range []proto.Message{graph, alone, risks} {
		js := protojson.Format(m)
		if strings.Contains(js, "pt_") || strings.Contains(js, "patientId") {
			t.Fatalf("an ops answer names a patient: %s", js)
		}
	}
	for _, n := range graph.GetNodes() {
		checkCell(t, n.Patients, n.GetSuppressed())
		checkCell(t, n.Dropped, n.GetDroppedSuppressed())
		if n.Patients != nil {
			unsuppressed++
		}
	}
	for _, e := range graph.GetEdges() {
		checkCell(t, e.Handoffs, e.GetSuppressed())
		if e.Handoffs != nil {
			unsuppressed++
		}
	}
	for _, c := range append(alone.GetCounts(), risks.GetCounts()...) {
		checkCell(t, c.Patients, c.GetSuppressed())
	}
	if unsuppressed == 0 || len(alone.GetCounts()) == 0 || len(risks.GetCounts()) == 0 || len(alone.GetPatients())+len(risks.GetRisks()) != 0 {
		t.Fatalf("ops views: graph %v, alone %v, risks %v", graph, alone, risks)
	}
	// The cohort's BUP→DPS therapist edge shows its numbers.
	var cohort *handoffsv1.Edge
	for _, e := range graph.GetEdges() {
		if e.GetFrom().GetUnit().GetHerId() == workloadtest.BUP.GetHerId() && e.GetTo().GetUnit().GetHerId() == workloadtest.DPS.GetHerId() {
			cohort = e
		}
	}
	if cohort == nil || cohort.GetHandoffs() != 7 || cohort.GetWarmShare() != 1 {
		t.Fatalf("cohort edge = %v", cohort)
	}
}

func checkCell(t *testing.T, n *int32, suppressed bool) {
	t.Helper()
	if n != nil && (*n < 5 || suppressed) {
		t.Fatalf("a count of %d reached ops (suppressed %v)", *n, suppressed)
	}
	if n == nil && !suppressed {
		t.Fatal("a count is absent without being marked suppressed")
	}
}

func TestFrontlineListsShowOnlyPatientsTheCallerMaySee(t *testing.T) {
	env := suitetest.Start(t)
	pid := receive(t, env, "alone").GetPatientId()
	rel := startTherapist(t, env, pid, "start", continuityTherapistHPR)
	if _, err := continuityClient(env).EndRelationship(env.As(t.Context(), continuityStaff()), &continuityv1.EndRelationshipRequest{
		RequestId: "end", RelationshipId: rel, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT}); err != nil {
		t.Fatal(err)
	}
	h := handoffsClient(env)
	mine, err := h.ListPatientsWithoutContact(env.As(t.Context(), dpsClinician()), &handoffsv1.ListPatientsWithoutContactRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.GetPatients()) != 1 || mine.GetPatients()[0].GetPatientId() != pid || len(mine.GetCounts()) != 0 {
		t.Fatalf("the DPS sees %v", mine)
	}
	risks, err := h.ListDeadlineRisks(env.As(t.Context(), dpsClinician()), &handoffsv1.ListDeadlineRisksRequest{WithinDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	if len(risks.GetRisks()) != 1 || risks.GetRisks()[0].GetKind() != handoffsv1.RiskKind_RISK_KIND_ASSESSMENT || risks.GetRisks()[0].GetDaysLeft() != 14 {
		t.Fatalf("risks = %v", risks)
	}
	other, err := h.ListPatientsWithoutContact(env.As(t.Context(), clinician("777", otherOrg, "handoffs:read")), &handoffsv1.ListPatientsWithoutContactRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.GetPatients())+len(other.GetCounts()) != 0 {
		t.Fatalf("another organisation sees %v", other)
	}
	// Bad input names the field; patients get no unit views.
	wantCode(t, errOf(h.GetPatientJourney(env.As(t.Context(), dpsClinician()), &handoffsv1.GetPatientJourneyRequest{PatientId: "12345678901"})), codes.InvalidArgument)
	wantCode(t, errOf(h.ListDeadlineRisks(env.As(t.Context(), dpsClinician()), &handoffsv1.ListDeadlineRisksRequest{WithinDays: -1})), codes.InvalidArgument)
	asPatient := authn.TokenSpec{Subject: "patient", PatientNationalID: patientNID, Role: authn.RolePatient, Scopes: []string{"handoffs:read"}}
	wantCode(t, errOf(h.GetHandoffGraph(env.As(t.Context(), asPatient), &handoffsv1.GetHandoffGraphRequest{})), codes.PermissionDenied)
	if own, err := h.GetPatientJourney(env.As(t.Context(), asPatient), &handoffsv1.GetPatientJourneyRequest{PatientId: pid}); err != nil || len(own.GetEntries()) == 0 {
		t.Fatalf("the patient's own journey: %v, %v", own, err)
	}
	c, err := h.GetContinuity(env.As(t.Context(), dpsClinician()), &handoffsv1.GetContinuityRequest{PatientId: pid})
	if err != nil {
		t.Fatal(err)
	}
	if c.GetRelationshipsStarted() != 1 || c.GetRelationshipsEnded() != 1 || c.Coc != nil || c.Upc != nil {
		t.Fatalf("continuity = %v", c)
	}
}

func TestTheRebuiltViewEqualsTheLiveOneAlsoAfterARestart(t *testing.T) {
	env := suitetest.Start(t)
	w := workloadtest.NewWriter(env.Suite.Store)
	for i := range 6 {
		if err := workloadtest.Journey(t.Context(), w, i, env.Clock.Now().AddDate(0, -6, 0)); err != nil {
			t.Fatal(err)
		}
	}
	pid := receive(t, env, "rebuild").GetPatientId()
	startTherapist(t, env, pid, "start", continuityTherapistHPR)
	// Through the API: the live view answers with everything appended.
	if _, err := handoffsClient(env).GetPatientJourney(env.As(t.Context(), dpsClinician()), &handoffsv1.GetPatientJourneyRequest{PatientId: pid}); err != nil {
		t.Fatal(err)
	}
	now := env.Clock.Now()
	// compare rebuilds from sequence 1 and compares with the live view once
	// that has reached the same sequence: services may still append on
	// their own (process managers), so the two are compared at one point.
	compare := func() string {
		t.Helper()
		fresh, err := handoffs.New(t.Context(), handoffs.Config{Store: env.Suite.Store})
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Stop()
		for range 20 {
			head := env.LastSeq(t.Context())
			for _, v := range []*handoffs.Service{fresh, env.Suite.Handoffs} {
				if err := v.WaitApplied(t.Context(), head); err != nil {
					t.Fatal(err)
				}
			}
			live, rebuilt := env.Suite.Handoffs.Views(now), fresh.Views(now)
			if live.Applied == rebuilt.Applied {
				return live.Diff(rebuilt)
			}
		}
		t.Fatal("the stream kept moving")
		return ""
	}
	if d := compare(); d != "" {
		t.Fatalf("live differs from a rebuild: %s", d)
	}
	// A restart restores the checkpoint written on the way down and replays
	// only what came after it.
	env.Restart()
	if env.Suite.Handoffs.Restored() == 0 {
		t.Fatal("the restarted service replayed everything: no checkpoint")
	}
	startTherapist(t, env, pid, "again", continuitySuccessorHPR)
	if d := compare(); d != "" {
		t.Fatalf("restarted view differs from a rebuild: %s", d)
	}
}
