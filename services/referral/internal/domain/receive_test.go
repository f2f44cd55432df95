package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/testkit"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func receiveCommand(t *testing.T, receivedAt time.Time) domain.Receive {
	t.Helper()
	return domain.Receive{
		ReferralID:        referralID,
		RequestID:         "req-1",
		SenderOrgNumber:   senderOrg,
		PatientID:         patientID,
		PatientNationalID: "test-national-id",
		PatientBirthDate:  civil.New(1990, time.June, 15),
		ExternalID:        "ext-1",
		ReferrerHPR:       "hpr:2222222",
		ReferrerOrgNumber: senderOrg,
		Unit:              receivingUnit(),
		Reason:            "low mood and anxiety for six months",
		Urgency:           referralv1.Urgency_URGENCY_ROUTINE,
		ReceivedAt:        receivedAt,
	}
}

func TestReceivingAReferralRecordsItWithItsAssessmentDueDate(t *testing.T) {
	events, err := domain.DecideReceive(given(), receiveCommand(t, testkit.At(t, standardReceipt)), policy(t))
	expectErr(t, err, noError, "")
	testkit.ExpectEvents(t, events, []proto.Message{received(t)})

	r := given(events...)
	if r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_RECEIVED {
		t.Errorf("status = %v, want RECEIVED", r.Status)
	}
	if want := testkit.Date(t, standardDue); r.AssessmentDue != want {
		t.Errorf("state AssessmentDue = %v, want %v", r.AssessmentDue, want)
	}
	if !r.ReceivedAt.Equal(testkit.At(t, standardReceipt)) {
		t.Errorf("state ReceivedAt = %v, want %v", r.ReceivedAt, testkit.At(t, standardReceipt))
	}
}

// The due dates below are counted by hand on the 2026–2028 almanac, not with
// the calendar under test. Easter Sunday 2026 is 5 April, so Maundy Thursday
// 2 April, Good Friday 3 April and Easter Monday 6 April are holidays;
// Ascension Day is 14 May and Whit Monday 25 May 2026; 17 May 2026 is a
// Sunday, but 17 May 2028 is a Wednesday (Ascension Day 2028 is 25 May).
func TestAssessmentIsDueTenWorkingDaysCountedFromTheDayAfterReceiptInOslo(t *testing.T) {
	tests := []struct {
		name       string
		receivedAt func(*testing.T) time.Time
		urgency    referralv1.Urgency
		wantDue    string
	}{
		{
			name:       "received on a Monday, two plain working weeks",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-02 09:00") },
			wantDue:    "2026-03-16",
		},
		{
			name:       "urgent referrals have the same legal deadline",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-02 09:00") },
			urgency:    referralv1.Urgency_URGENCY_URGENT,
			wantDue:    "2026-03-16",
		},
		{
			name: "late evening UTC on Thursday is already Friday in Oslo (winter time)",
			// 23:30 UTC is 00:30 CET on Friday 6 March; counting from the UTC date would give 19 March.
			receivedAt: func(t *testing.T) time.Time { return utc(t, "2026-03-05 23:30") },
			wantDue:    "2026-03-20",
		},
		{
			name: "late evening UTC on Wednesday is already Thursday in Oslo (summer time)",
			// 22:30 UTC is 00:30 CEST on Thursday 11 June; counting from the UTC date would give 24 June.
			receivedAt: func(t *testing.T) time.Time { return utc(t, "2026-06-10 22:30") },
			wantDue:    "2026-06-25",
		},
		{
			name:       "one minute before midnight in Oslo is still that day",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-05 23:59") },
			wantDue:    "2026-03-19",
		},
		{
			name: "received the Monday before Easter skips Maundy Thursday, Good Friday and Easter Monday",
			// 31 Mar (1), 1 Apr (2), 7–10 Apr (3–6), 13–16 Apr (7–10).
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-30 10:00") },
			wantDue:    "2026-04-16",
		},
		{
			name: "late evening UTC on Tuesday before Easter is Wednesday in Oslo",
			// Oslo date 1 April: 7–10 Apr (1–4), 13–17 Apr (5–9), 20 Apr (10).
			receivedAt: func(t *testing.T) time.Time { return utc(t, "2026-03-31 22:30") },
			wantDue:    "2026-04-20",
		},
		{
			name:       "received on Good Friday counts from Tuesday after Easter",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-04-03 12:00") },
			wantDue:    "2026-04-20",
		},
		{
			name: "received before 1 May (a Friday in 2026) skips it",
			// 28–30 Apr (1–3), 4–8 May (4–8), 11–12 May (9–10).
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-04-27 10:00") },
			wantDue:    "2026-05-12",
		},
		{
			name: "received before Ascension Day and 17 May 2026 skips Ascension and Whit Monday",
			// 12–13 May (1–2), 15 May (3), 18–22 May (4–8), 26–27 May (9–10).
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-05-11 10:00") },
			wantDue:    "2026-05-27",
		},
		{
			name: "received before 17 May 2028, a Wednesday, skips it and Ascension Day",
			// 15–16 May (1–2), 18–19 May (3–4), 22–24 May (5–7), 26 May (8), 29–30 May (9–10).
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2028-05-12 10:00") },
			wantDue:    "2028-05-30",
		},
		{
			name:       "received on a Friday counts from Monday",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-06 14:00") },
			wantDue:    "2026-03-20",
		},
		{
			name:       "received on a Saturday has Monday as working day one",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-07 11:00") },
			wantDue:    "2026-03-20",
		},
		{
			name:       "received on a Sunday has Monday as working day one",
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-03-08 11:00") },
			wantDue:    "2026-03-20",
		},
		{
			name: "received before Christmas skips 25 December and 1 January but not 24 and 31 December",
			// 24 Dec (1), 28–31 Dec (2–5), 4–8 Jan (6–10).
			receivedAt: func(t *testing.T) time.Time { return testkit.At(t, "2026-12-23 10:00") },
			wantDue:    "2027-01-08",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			receivedAt := tt.receivedAt(t)
			cmd := receiveCommand(t, receivedAt)
			if tt.urgency != referralv1.Urgency_URGENCY_UNSPECIFIED {
				cmd.Urgency = tt.urgency
			}
			events, err := domain.DecideReceive(given(), cmd, policy(t))
			expectErr(t, err, noError, "")
			e := testkit.Single[*referralv1.ReferralReceived](t, events)
			if e.GetAssessmentDue() != tt.wantDue {
				t.Errorf("assessment_due = %q, want %q", e.GetAssessmentDue(), tt.wantDue)
			}
			if !proto.Equal(e.GetReceivedAt(), timestamppb.New(receivedAt)) {
				t.Errorf("received_at = %v, want the instant itself %v", e.GetReceivedAt().AsTime(), receivedAt)
			}
			if got := given(e).AssessmentDue; got.String() != tt.wantDue {
				t.Errorf("folded AssessmentDue = %v, want %v", got, tt.wantDue)
			}
		})
	}
}

func TestEmergencyAndInternalReferralsGetNoAssessmentDueDate(t *testing.T) {
	tests := []struct {
		name     string
		urgency  referralv1.Urgency
		internal bool
	}{
		{"emergency", referralv1.Urgency_URGENCY_EMERGENCY, false},
		{"internal routine", referralv1.Urgency_URGENCY_ROUTINE, true},
		{"internal urgent", referralv1.Urgency_URGENCY_URGENT, true},
		{"internal emergency", referralv1.Urgency_URGENCY_EMERGENCY, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := receiveCommand(t, testkit.At(t, standardReceipt))
			cmd.Urgency, cmd.Internal = tt.urgency, tt.internal
			events, err := domain.DecideReceive(given(), cmd, policy(t))
			expectErr(t, err, noError, "")
			e := testkit.Single[*referralv1.ReferralReceived](t, events)
			if e.GetAssessmentDue() != "" {
				t.Errorf("assessment_due = %q, want none", e.GetAssessmentDue())
			}
			r := given(e)
			if !r.AssessmentDue.IsZero() || r.NeedsRightsAssessment() {
				t.Errorf("folded state: due %v, needs assessment %v; want no due date and no assessment",
					r.AssessmentDue, r.NeedsRightsAssessment())
			}
		})
	}
}

func TestAReferralIsReceivedOnlyOnce(t *testing.T) {
	events, err := domain.DecideReceive(given(received(t)), receiveCommand(t, testkit.At(t, standardReceipt)), policy(t))
	expectRejected(t, events, err, precondition, "")
}
