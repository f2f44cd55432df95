package suite_test

import (
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

const (
	patientNID  = "31129998949"
	senderOrg   = "974760673" // the GP office's integration engine
	dpsOrg      = "983974724" // the DPS that receives
	otherOrg    = "923456783" // an unrelated clinic
	bupOrg      = "934567897"
	referrerHPR = "1234567"
)

var (
	dps = &eventsv1.UnitRef{HerId: "80001", OrgNumber: dpsOrg}
	bup = &eventsv1.UnitRef{HerId: "80002", OrgNumber: bupOrg}
)

func integration(org string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "client:" + org, ChildOrgNumber: org, Role: authn.RoleIntegration, Scopes: []string{"referral:write", "referral:read"}}
}

func assessor(org string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "hpr:555", HPRNumber: "555", ChildOrgNumber: org, Role: authn.RoleAssessor, Scopes: []string{"referral:write", "referral:read"}}
}

func receiveRequest(requestID string) *referralv1.ReceiveReferralRequest {
	return &referralv1.ReceiveReferralRequest{
		RequestId: requestID, ExternalId: "ext-" + requestID, PatientNationalId: patientNID,
		ReferrerHpr: referrerHPR, ReferrerOrgNumber: senderOrg, ReceivingUnit: dps,
		Reason: "low mood for months", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
	}
}

func client(env *suitetest.Env) referralv1.ReferralServiceClient {
	return referralv1.NewReferralServiceClient(env.Client)
}

func wantCode(t *testing.T, err error, want codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("code = %v (%q), want %v", st.Code(), st.Message(), want)
	}
	return st
}

func TestReferralFlowReceiveAssessGetList(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	ctx := t.Context()

	received, err := c.ReceiveReferral(env.As(ctx, integration(senderOrg)), receiveRequest("r1"))
	if err != nil {
		t.Fatal(err)
	}
	r := received.GetReferral()
	// Received Monday 2 March 2026: ten working days later is Monday 16 March.
	if r.GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_RECEIVED || r.GetAssessmentDue() != "2026-03-16" {
		t.Fatalf("received: status %v due %q", r.GetStatus(), r.GetAssessmentDue())
	}
	if r.GetPatientId() != env.Pseudonyms.PatientID(mustNID(t, patientNID)) {
		t.Fatalf("patient id is not the keyed pseudonym")
	}

	assessed, err := c.AssessReferral(env.As(ctx, assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "a1", ReferralId: r.GetReferralId(),
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if assessed.GetReferral().GetStatus() != referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED {
		t.Fatalf("assessed status %v", assessed.GetReferral().GetStatus())
	}

	got, err := c.GetReferral(env.As(ctx, assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: r.GetReferralId()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetReferral().GetAssessment().GetRightGranted().GetCareStartDeadline() != "2026-04-30" {
		t.Fatalf("get: %v", got.GetReferral().GetAssessment())
	}

	list, err := c.ListReferrals(env.As(ctx, assessor(dpsOrg)), &referralv1.ListReferralsRequest{ReceivingUnit: dps, Status: referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetReferrals()) != 1 || list.GetReferrals()[0].GetReferralId() != r.GetReferralId() {
		t.Fatalf("list: %v", list.GetReferrals())
	}
}

func TestInvalidInputIsRejectedNamingTheFieldAndAppendsNothing(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	ctx := env.As(t.Context(), integration(senderOrg))
	future := timestamppb.New(env.Clock.Now().Add(time.Hour))
	tests := []struct {
		name  string
		edit  func(*referralv1.ReceiveReferralRequest)
		field string
	}{
		{"national id check digit", func(r *referralv1.ReceiveReferralRequest) { r.PatientNationalId = "31129998948" }, "patient_national_id"},
		{"national id length", func(r *referralv1.ReceiveReferralRequest) { r.PatientNationalId = "123" }, "patient_national_id"},
		{"organisation number", func(r *referralv1.ReceiveReferralRequest) {
			r.ReceivingUnit = &eventsv1.UnitRef{HerId: "1", OrgNumber: "983974725"}
		}, "receiving_unit.org_number"},
		{"referrer organisation", func(r *referralv1.ReceiveReferralRequest) { r.ReferrerOrgNumber = "12" }, "referrer_org_number"},
		{"missing request id", func(r *referralv1.ReceiveReferralRequest) { r.RequestId = "" }, "request_id"},
		{"missing reason", func(r *referralv1.ReceiveReferralRequest) { r.Reason = "" }, "reason"},
		{"missing urgency", func(r *referralv1.ReceiveReferralRequest) { r.Urgency = 0 }, "urgency"},
		{"missing unit", func(r *referralv1.ReceiveReferralRequest) { r.ReceivingUnit = nil }, "receiving_unit.her_id"},
		{"future receipt", func(r *referralv1.ReceiveReferralRequest) { r.ReceivedAt = future }, "received_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := env.LastSeq(t.Context())
			req := receiveRequest("bad-" + tt.name)
			tt.edit(req)
			_, err := c.ReceiveReferral(ctx, req)
			st := wantCode(t, err, codes.InvalidArgument)
			if !hasFieldViolation(st, tt.field) {
				t.Fatalf("no violation for %s in %v", tt.field, st.Details())
			}
			if after := env.LastSeq(t.Context()); after != before {
				t.Fatalf("a rejected command appended (%d → %d)", before, after)
			}
		})
	}
	t.Run("care start deadline in the past", func(t *testing.T) {
		r, err := c.ReceiveReferral(ctx, receiveRequest("past"))
		if err != nil {
			t.Fatal(err)
		}
		before := env.LastSeq(t.Context())
		_, err = c.AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
			RequestId: "a", ReferralId: r.GetReferral().GetReferralId(),
			Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-03-01", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11}},
		})
		if !hasFieldViolation(wantCode(t, err, codes.InvalidArgument), "right_granted.care_start_deadline") {
			t.Fatal("no violation for the deadline")
		}
		if env.LastSeq(t.Context()) != before {
			t.Fatal("a rejected assessment appended")
		}
	})
}

func hasFieldViolation(st *status.Status, field string) bool {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}

func TestRepeatedReceiveFromTheSameOrganisationReturnsTheOriginal(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	ctx := env.As(t.Context(), integration(senderOrg))
	first, err := c.ReceiveReferral(ctx, receiveRequest("same"))
	if err != nil {
		t.Fatal(err)
	}
	before := env.LastSeq(t.Context())

	again, err := c.ReceiveReferral(ctx, receiveRequest("same"))
	if err != nil {
		t.Fatal(err)
	}
	byExternal := receiveRequest("other-request")
	byExternal.ExternalId = "ext-same"
	third, err := c.ReceiveReferral(ctx, byExternal)
	if err != nil {
		t.Fatal(err)
	}
	id := first.GetReferral().GetReferralId()
	if again.GetReferral().GetReferralId() != id || third.GetReferral().GetReferralId() != id {
		t.Fatalf("retries made new referrals: %s %s %s", id, again.GetReferral().GetReferralId(), third.GetReferral().GetReferralId())
	}
	if env.LastSeq(t.Context()) != before {
		t.Fatal("a retry appended")
	}

	foreign, err := c.ReceiveReferral(env.As(t.Context(), integration(otherOrg)), receiveRequest("same"))
	if err != nil {
		t.Fatal(err)
	}
	if foreign.GetReferral().GetReferralId() == id {
		t.Fatal("another organisation's request id matched this sender's referral")
	}
}

func TestConcurrentRetriesOfOneReceiveCreateOneReferral(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	ctx := env.As(t.Context(), integration(senderOrg))
	const n = 8
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := c.ReceiveReferral(ctx, receiveRequest("burst"))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- res.GetReferral().GetReferralId()
		})
	}
	wg.Wait()
	close(ids)
	var first string
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Fatalf("concurrent retries created %s and %s", first, id)
		}
	}
}

func TestOnlyTheReceivingUnitReadsAndOutsidersGetTheSameNotFoundAsARandomID(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("x"))
	if err != nil {
		t.Fatal(err)
	}
	id := r.GetReferral().GetReferralId()
	_, errOutsider := c.GetReferral(env.As(t.Context(), assessor(otherOrg)), &referralv1.GetReferralRequest{ReferralId: id})
	_, errRandom := c.GetReferral(env.As(t.Context(), assessor(otherOrg)), &referralv1.GetReferralRequest{ReferralId: "01JRANDOMRANDOMRANDOMRANDOM"})
	a, b := wantCode(t, errOutsider, codes.NotFound), wantCode(t, errRandom, codes.NotFound)
	if a.Message() != b.Message() {
		t.Fatalf("outsider %q vs random %q", a.Message(), b.Message())
	}
	_, err = c.AssessReferral(env.As(t.Context(), assessor(otherOrg)), &referralv1.AssessReferralRequest{
		RequestId: "a", ReferralId: id, Outcome: &referralv1.AssessReferralRequest_NoRight{NoRight: &referralv1.NoRight{Reason: "r", FollowUp: "f"}},
	})
	wantCode(t, err, codes.NotFound)
	if _, err := c.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id}); err != nil {
		t.Fatalf("receiving unit cannot read: %v", err)
	}
}

func TestCallsNeedATokenAndTheRPCsScope(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	_, err := c.GetReferral(t.Context(), &referralv1.GetReferralRequest{ReferralId: "x"})
	wantCode(t, err, codes.Unauthenticated)
	readOnly := assessor(dpsOrg)
	readOnly.Scopes = []string{"referral:read"}
	_, err = c.ReceiveReferral(env.As(t.Context(), readOnly), receiveRequest("scope"))
	wantCode(t, err, codes.PermissionDenied)
}

func TestForwardingKeepsTheReceiptDateAndMovesTheRightToAssess(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("fwd"))
	if err != nil {
		t.Fatal(err)
	}
	id := r.GetReferral().GetReferralId()
	env.Clock.Advance(72 * time.Hour)
	fwd, err := c.ForwardReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.ForwardReferralRequest{RequestId: "f", ReferralId: id, ToUnit: bup, Reason: "patient is 17"})
	if err != nil {
		t.Fatal(err)
	}
	if !fwd.GetReferral().GetReceivedAt().AsTime().Equal(r.GetReferral().GetReceivedAt().AsTime()) || fwd.GetReferral().GetAssessmentDue() != r.GetReferral().GetAssessmentDue() {
		t.Fatal("forwarding changed the receipt or due date")
	}
	noRight := &referralv1.AssessReferralRequest_NoRight{NoRight: &referralv1.NoRight{Reason: "r", FollowUp: "f"}}
	_, err = c.AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{RequestId: "a", ReferralId: id, Outcome: noRight})
	wantCode(t, err, codes.NotFound)
	if _, err := c.AssessReferral(env.As(t.Context(), assessor(bupOrg)), &referralv1.AssessReferralRequest{RequestId: "a", ReferralId: id, Outcome: noRight}); err != nil {
		t.Fatalf("new unit cannot assess: %v", err)
	}
	// The forwarding unit keeps its own record.
	if _, err := c.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id}); err != nil {
		t.Fatalf("forwarding unit lost its record: %v", err)
	}
}

func TestConcurrentAssessmentsLeaveExactlyOneOutcome(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("race"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := env.As(t.Context(), assessor(dpsOrg))
	const n = 6
	var wg sync.WaitGroup
	codesSeen := make(chan codes.Code, n)
	for i := range n {
		wg.Go(func() {
			_, err := c.AssessReferral(ctx, &referralv1.AssessReferralRequest{
				RequestId: string(rune('a' + i)), ReferralId: r.GetReferral().GetReferralId(),
				Outcome: &referralv1.AssessReferralRequest_NoRight{NoRight: &referralv1.NoRight{Reason: "r", FollowUp: "f"}},
			})
			codesSeen <- status.Code(err)
		})
	}
	wg.Wait()
	close(codesSeen)
	ok := 0
	for code := range codesSeen {
		switch code {
		case codes.OK:
			ok++
		case codes.FailedPrecondition:
		default:
			t.Fatalf("unexpected code %v", code)
		}
	}
	if ok != 1 {
		t.Fatalf("%d assessments succeeded, want exactly 1", ok)
	}
}

func TestMissedAssessmentDateEmitsOneBreachWhenTheClockPassesIt(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("late"))
	if err != nil {
		t.Fatal(err)
	}
	id := r.GetReferral().GetReferralId()
	get := func() *referralv1.Referral {
		got, err := c.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id})
		if err != nil {
			t.Fatal(err)
		}
		return got.GetReferral()
	}
	// On the due date itself (Monday 16 March) nothing is breached yet.
	env.Clock.Set(time.Date(2026, 3, 16, 20, 0, 0, 0, time.UTC))
	if n, err := env.Suite.Referral.CheckDeadlines(t.Context()); err != nil || n != 0 {
		t.Fatalf("on the due date: %d changes, %v", n, err)
	}
	env.Clock.Set(time.Date(2026, 3, 17, 8, 0, 0, 0, time.UTC))
	if n, err := env.Suite.Referral.CheckDeadlines(t.Context()); err != nil || n != 1 {
		t.Fatalf("day after: %d changes, %v", n, err)
	}
	if !get().GetAssessmentDeadlineBreached() {
		t.Fatal("breach not recorded")
	}
	before := env.LastSeq(t.Context())
	if n, err := env.Suite.Referral.CheckDeadlines(t.Context()); err != nil || n != 0 {
		t.Fatalf("second check: %d changes, %v", n, err)
	}
	if env.LastSeq(t.Context()) != before {
		t.Fatal("breach appended twice")
	}
}

func TestRestartKeepsEveryReferral(t *testing.T) {
	env := suitetest.Start(t)
	c := client(env)
	var idsBefore []string
	for _, req := range []string{"a", "b", "c"} {
		r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest(req))
		if err != nil {
			t.Fatal(err)
		}
		idsBefore = append(idsBefore, r.GetReferral().GetReferralId())
	}
	env.Restart()
	c = client(env)
	for _, id := range idsBefore {
		if _, err := c.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id}); err != nil {
			t.Fatalf("after restart %s: %v", id, err)
		}
	}
	// The request-key index is rebuilt too: a retry still finds the original.
	again, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("a"))
	if err != nil || again.GetReferral().GetReferralId() != idsBefore[0] {
		t.Fatalf("retry after restart: %v %v", again.GetReferral().GetReferralId(), err)
	}
}
