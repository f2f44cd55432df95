package suite_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/eventstore"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// pwStaff is a clinician at the DPS that received and assessed the referral.
func pwStaff() authn.TokenSpec {
	return clinician("556", dpsOrg, "pathway:read", "pathway:write", "consent:write")
}

func pwClient(env *suitetest.Env) pathwayv1.PathwayServiceClient {
	return pathwayv1.NewPathwayServiceClient(env.Client)
}

// pwNationalID makes a valid fødselsnummer for a birth date, so each test
// patient can have the age the rule under test needs.
func pwNationalID(t *testing.T, birth string) string {
	t.Helper()
	d, err := civil.Parse(birth)
	if err != nil {
		t.Fatal(err)
	}
	first := 0 // 1900–1999: individual numbers 000–499
	if d.Year >= 2000 {
		first = 500 // 2000–2039: 500–999
	}
	for ind := first; ind < first+500; ind++ {
		base := fmt.Sprintf("%02d%02d%02d%03d", d.Day, int(d.Month), d.Year%100, ind)
		k1 := pwCheck(base, []int{3, 7, 6, 1, 8, 9, 4, 5, 2})
		if k1 < 0 {
			continue
		}
		k2 := pwCheck(base+fmt.Sprint(k1), []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
		if k2 < 0 {
			continue
		}
		return base + fmt.Sprint(k1) + fmt.Sprint(k2)
	}
	t.Fatalf("no national id for %s", birth)
	return ""
}

func pwCheck(digits string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	c := 11 - sum%11
	switch c {
	case 11:
		return 0
	case 10:
		return -1
	}
	return c
}

// pwGranted receives a referral for the patient born on birth, assesses it
// with a right granted, and waits for the process manager to have handled
// the assessment. It returns the referral.
func pwGranted(t *testing.T, env *suitetest.Env, requestID, birth string) *referralv1.Referral {
	t.Helper()
	ctx := t.Context()
	req := receiveRequest(requestID)
	req.PatientNationalId = pwNationalID(t, birth)
	received, err := client(env).ReceiveReferral(env.As(ctx, integration(senderOrg)), req)
	if err != nil {
		t.Fatal(err)
	}
	r := received.GetReferral()
	if _, err := client(env).AssessReferral(env.As(ctx, assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "assess-" + requestID, ReferralId: r.GetReferralId(),
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	pwWaitForProcessManager(t, env, r.GetReferralId())
	return r
}

// pwWaitForProcessManager waits until the pathway service's process manager
// has handled the referral's last commit: no sleeping, no polling.
func pwWaitForProcessManager(t *testing.T, env *suitetest.Env, referralID string) {
	t.Helper()
	seq, err := env.Suite.Store.LastSubjectSeq(t.Context(), eventstore.Subject("referral", "referral", referralID))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Suite.Pathway.WaitReferralsProcessed(t.Context(), seq); err != nil {
		t.Fatal(err)
	}
}

// pwEvents counts the events of each type on a pathway's subject.
func pwEvents(t *testing.T, env *suitetest.Env, pathwayID string) map[string]int {
	t.Helper()
	recs, _, err := env.Suite.Store.Load(t.Context(), eventstore.Subject("pathway", "pathway", pathwayID), 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, rec := range recs {
		for _, a := range rec.Commit.GetEvents() {
			counts[eventstore.TypeName(a.GetTypeUrl())]++
		}
	}
	return counts
}

func pwReasons(st *status.Status) []string {
	var reasons []string
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == "stafett.pathway" {
			reasons = append(reasons, info.GetReason())
		}
	}
	return reasons
}

func TestAGrantedReferralStartsExactlyOnePathwayAlsoAfterARestart(t *testing.T) {
	env := suitetest.Start(t)
	r := pwGranted(t, env, "pw-once", "1990-05-17")
	list := func() []*pathwayv1.Pathway {
		t.Helper()
		res, err := pwClient(env).ListPathways(env.As(t.Context(), pwStaff()), &pathwayv1.ListPathwaysRequest{
			Subject: &pathwayv1.ListPathwaysRequest_PatientId{PatientId: r.GetPatientId()},
		})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetPathways()
	}
	got := list()
	if len(got) != 1 || got[0].GetReferralId() != r.GetReferralId() || got[0].GetStatus() != pathwayv1.PathwayStatus_PATHWAY_STATUS_ACTIVE ||
		got[0].GetUnit().GetOrgNumber() != dpsOrg || got[0].GetPathwayType() != eventsv1.PathwayType_PATHWAY_TYPE_D11 {
		t.Fatalf("pathways: %v", got)
	}
	id := got[0].GetPathwayId()

	// The restarted process manager replays the whole referral history.
	env.Restart()
	pwWaitForProcessManager(t, env, r.GetReferralId())
	if got := list(); len(got) != 1 || got[0].GetPathwayId() != id {
		t.Fatalf("after restart: %v", got)
	}
	if n := pwEvents(t, env, id)["stafett.pathway.v1.PathwayStarted"]; n != 1 {
		t.Fatalf("%d PathwayStarted in the stream, want 1", n)
	}
}

func TestAThirdClinicalDecisionIsRefused(t *testing.T) {
	env := suitetest.Start(t)
	id := "pw-" + pwGranted(t, env, "pw-decisions", "1990-05-17").GetReferralId()
	c := pwClient(env)
	ctx := env.As(t.Context(), pwStaff())
	record := func(requestID string, code pathwayv1.ClinicalDecision, stage pathwayv1.ClinicalDecisionStage) error {
		_, err := c.RecordClinicalDecision(ctx, &pathwayv1.RecordClinicalDecisionRequest{RequestId: requestID, PathwayId: id, Code: code, Stage: stage})
		return err
	}
	wantCode(t, record("d0", pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC), codes.FailedPrecondition)
	if _, err := c.RecordFirstAttendance(ctx, &pathwayv1.RecordFirstAttendanceRequest{RequestId: "f", PathwayId: id, AttendedAt: timestamppb.New(env.Clock.Now())}); err != nil {
		t.Fatal(err)
	}
	if err := record("d1", pathwayv1.ClinicalDecision_CLINICAL_DECISION_CU, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC); err != nil {
		t.Fatal(err)
	}
	if err := record("d2", pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED); err != nil {
		t.Fatal(err)
	}
	before := env.LastSeq(t.Context())
	wantCode(t, record("d3", pathwayv1.ClinicalDecision_CLINICAL_DECISION_CK, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED), codes.FailedPrecondition)
	if env.LastSeq(t.Context()) != before {
		t.Fatal("the refused decision appended")
	}
	// A retry of an accepted decision is answered, not refused.
	if err := record("d2", pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

func TestMedicationFreeTreatmentIsGrantedOnlyToAnAdultWithCapacityOutsideCompulsoryCare(t *testing.T) {
	env := suitetest.Start(t)
	ctx := env.As(t.Context(), pwStaff())
	consent := consentv1.NewConsentServiceClient(env.Client)
	tests := []struct {
		name  string
		birth string
		given func(t *testing.T, patientID string)
		want  []string
	}{
		{name: "an adult with capacity", birth: "1990-05-17"},
		{name: "a 17-year-old", birth: "2008-09-10", want: []string{"UNDER_18"}},
		{name: "an adult assessed as lacking capacity for medication decisions", birth: "1985-01-20",
			given: func(t *testing.T, patientID string) {
				if _, err := consent.RecordCapacityAssessment(ctx, &consentv1.RecordCapacityAssessmentRequest{
					RequestId: "cap", PatientId: patientID, Domain: consentv1.CapacityDomain_CAPACITY_DOMAIN_MEDICATION, HasCapacity: false,
				}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"LACKS_CAPACITY"}},
		{name: "an adult under compulsory care", birth: "1979-11-02",
			given: func(t *testing.T, patientID string) {
				if _, err := consent.StartCompulsoryCare(ctx, &consentv1.StartCompulsoryCareRequest{
					RequestId: "tvang", PatientId: patientID, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE,
					DecisionMaker: "hpr:556", StartsOn: "2026-03-02",
				}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"COMPULSORY_CARE"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pwGranted(t, env, fmt.Sprintf("pw-medfree-%d", i), tt.birth)
			if tt.given != nil {
				tt.given(t, r.GetPatientId())
			}
			res, err := pwClient(env).RequestMedicationFreeTreatment(ctx, &pathwayv1.RequestMedicationFreeTreatmentRequest{
				RequestId: "mf", PathwayId: "pw-" + r.GetReferralId(), ChosenByPatient: true,
			})
			if tt.want == nil {
				if err != nil || !res.GetPathway().GetMedicationFreeTreatmentGranted() {
					t.Fatalf("not granted: %v %v", res, err)
				}
				return
			}
			st := wantCode(t, err, codes.FailedPrecondition)
			if got := pwReasons(st); !slices.Equal(got, tt.want) {
				t.Fatalf("reasons %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMovingTheClockPastATargetYieldsOneMilestoneOverdue(t *testing.T) {
	env := suitetest.Start(t)
	id := "pw-" + pwGranted(t, env, "pw-overdue", "1990-05-17").GetReferralId()
	c := pwClient(env)
	ctx := env.As(t.Context(), pwStaff())
	// Assigning the coordinator leaves one target open: the first attendance,
	// due 10 working days after the start on Monday 2 March, i.e. 16 March.
	if _, err := c.AssignPathwayCoordinator(ctx, &pathwayv1.AssignPathwayCoordinatorRequest{RequestId: "c", PathwayId: id, ProfessionalId: "hpr:556"}); err != nil {
		t.Fatal(err)
	}
	if n, err := env.Suite.Pathway.CheckDeadlines(t.Context()); err != nil || n != 0 {
		t.Fatalf("before the target: %d %v", n, err)
	}
	env.Clock.Set(time.Date(2026, 3, 17, 8, 0, 0, 0, time.UTC))
	for range 2 {
		if _, err := env.Suite.Pathway.CheckDeadlines(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	env.Restart()
	if _, err := env.Suite.Pathway.CheckDeadlines(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := pwEvents(t, env, id)["stafett.pathway.v1.MilestoneOverdue"]; n != 1 {
		t.Fatalf("%d MilestoneOverdue, want 1", n)
	}
	got, err := pwClient(env).GetPathway(env.As(t.Context(), pwStaff()), &pathwayv1.GetPathwayRequest{PathwayId: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got.GetPathway().GetMilestones() {
		if m.GetOverdue() != (m.GetMilestone() == pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE) {
			t.Errorf("milestone %v overdue %v", m.GetMilestone(), m.GetOverdue())
		}
	}
}

func TestOutsidersGetTheSameNotFoundForAPathwayAsForARandomID(t *testing.T) {
	env := suitetest.Start(t)
	id := "pw-" + pwGranted(t, env, "pw-outsider", "1990-05-17").GetReferralId()
	outsider := env.As(t.Context(), clinician("777", otherOrg, "pathway:read", "pathway:write"))
	_, real := pwClient(env).GetPathway(outsider, &pathwayv1.GetPathwayRequest{PathwayId: id})
	_, random := pwClient(env).GetPathway(outsider, &pathwayv1.GetPathwayRequest{PathwayId: "pw-01JRANDOMRANDOMRANDOMRANDOM"})
	a, b := wantCode(t, real, codes.NotFound), wantCode(t, random, codes.NotFound)
	if a.Message() != b.Message() {
		t.Fatalf("%q differs from %q", a.Message(), b.Message())
	}
	_, err := pwClient(env).CompletePathway(outsider, &pathwayv1.CompletePathwayRequest{RequestId: "x", PathwayId: id})
	wantCode(t, err, codes.NotFound)
}

func TestATransferMovesThePathwayAndTheCareTeamToTheNewUnit(t *testing.T) {
	env := suitetest.Start(t)
	id := "pw-" + pwGranted(t, env, "pw-transfer", "1990-05-17").GetReferralId()
	res, err := pwClient(env).TransferPathway(env.As(t.Context(), pwStaff()), &pathwayv1.TransferPathwayRequest{
		RequestId: "t", PathwayId: id, ToUnit: bup, Reason: "the patient moved",
	})
	if err != nil {
		t.Fatal(err)
	}
	next := res.GetNewPathway()
	if res.GetPathway().GetStatus() != pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED || next.GetPreviousPathwayId() != id || next.GetUnit().GetOrgNumber() != bupOrg {
		t.Fatalf("transfer: %v", res)
	}
	bupStaff := env.As(t.Context(), clinician("601", bupOrg, "pathway:read", "pathway:write"))
	if _, err := pwClient(env).GetPathway(bupStaff, &pathwayv1.GetPathwayRequest{PathwayId: next.GetPathwayId()}); err != nil {
		t.Fatalf("the new unit reads its pathway: %v", err)
	}
	_, err = pwClient(env).GetPathway(env.As(t.Context(), pwStaff()), &pathwayv1.GetPathwayRequest{PathwayId: next.GetPathwayId()})
	wantCode(t, err, codes.NotFound)
}
