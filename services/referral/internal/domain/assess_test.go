package domain_test

import (
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func grantCommand(t *testing.T, deadline string) domain.Assess {
	t.Helper()
	return domain.Assess{
		By: assessor(), At: testkit.At(t, "2026-03-10 10:00"), RightGranted: true,
		CareStartDeadline: testkit.Date(t, deadline), PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		Priority: referralv1.Priority_PRIORITY_NORMAL,
	}
}

func noRightCommand(t *testing.T) domain.Assess {
	t.Helper()
	return domain.Assess{
		By: assessor(), At: testkit.At(t, "2026-03-10 10:00"),
		NoRightReason: "mild symptoms", FollowUp: "GP follow-up and the municipal service",
	}
}

func TestAssessingRecordsTheOutcomeAndClosesTheAssessment(t *testing.T) {
	tests := []struct {
		name       string
		cmd        func(*testing.T) domain.Assess
		want       func(*testing.T) proto.Message
		wantStatus referralv1.ReferralStatus
	}{
		{
			name:       "right granted with a binding care-start deadline, pathway and priority",
			cmd:        func(t *testing.T) domain.Assess { return grantCommand(t, "2026-05-29") },
			want:       func(t *testing.T) proto.Message { return grantedRight(t, "2026-05-29") },
			wantStatus: referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED,
		},
		{
			name:       "no right with the reason and what to do instead",
			cmd:        noRightCommand,
			want:       func(t *testing.T) proto.Message { return noRight(t) },
			wantStatus: referralv1.ReferralStatus_REFERRAL_STATUS_NO_RIGHT,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decideAssess(given(received(t)), tt.cmd(t), policy(t))
			expectErr(t, err, noError, "")
			testkit.ExpectEvents(t, events, []proto.Message{tt.want(t)})
			r := given(append([]proto.Message{received(t)}, events...)...)
			if r.Status != tt.wantStatus || r.Assessment == nil || r.AwaitingAssessment() {
				t.Errorf("folded: status %v, assessment %+v, awaiting %v", r.Status, r.Assessment, r.AwaitingAssessment())
			}
		})
	}
}

func TestEmergencyAndInternalReferralsCannotBeAssessed(t *testing.T) {
	tests := []struct {
		name  string
		given func(*testing.T) []proto.Message
		by    access.Actor
	}{
		{"emergency", func(t *testing.T) []proto.Message { return []proto.Message{received(t, emergency)} }, assessor()},
		{"internal", func(t *testing.T) []proto.Message { return []proto.Message{received(t, internal)} }, assessor()},
		{"emergency awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, emergency), informationRequested(t)}
		}, assessor()},
		{"internal forwarded, at the new unit", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t, internal), forwarded(t)}
		}, newUnitAssessor()},
	}
	for _, tt := range tests {
		for _, outcome := range []struct {
			name string
			cmd  func(*testing.T) domain.Assess
		}{
			{"right granted", func(t *testing.T) domain.Assess { return grantCommand(t, "2026-05-29") }},
			{"no right", noRightCommand},
		} {
			t.Run(tt.name+"/"+outcome.name, func(t *testing.T) {
				cmd := outcome.cmd(t)
				cmd.By = tt.by
				events, err := decideAssess(given(tt.given(t)...), cmd, policy(t))
				expectRejected(t, events, err, precondition, "")
			})
		}
	}
}

func TestAReferralIsAssessedOnlyOnce(t *testing.T) {
	tests := []struct {
		name  string
		first func(*testing.T) proto.Message
		again func(*testing.T) domain.Assess
	}{
		{"granted, then granted again", func(t *testing.T) proto.Message { return grantedRight(t, "2026-05-29") },
			func(t *testing.T) domain.Assess { return grantCommand(t, "2026-06-30") }},
		{"granted, then refused", func(t *testing.T) proto.Message { return grantedRight(t, "2026-05-29") },
			noRightCommand},
		{"refused, then granted", func(t *testing.T) proto.Message { return noRight(t) },
			func(t *testing.T) domain.Assess { return grantCommand(t, "2026-05-29") }},
		{"refused, then refused again", func(t *testing.T) proto.Message { return noRight(t) }, noRightCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decideAssess(given(received(t), tt.first(t)), tt.again(t), policy(t))
			expectRejected(t, events, err, precondition, "")
		})
	}
}

func TestAWithdrawnReferralCannotBeAssessed(t *testing.T) {
	events, err := decideAssess(given(received(t), withdrawn(t)), grantCommand(t, "2026-05-29"), policy(t))
	expectRejected(t, events, err, precondition, "")
}

func TestGrantingARightWithACareStartDeadlineInThePastIsInvalid(t *testing.T) {
	tests := []struct {
		name     string
		at       func(*testing.T) time.Time
		deadline func(*testing.T) civil.Date
		wantErr  testkit.Kind
	}{
		{"deadline yesterday", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-10 10:00") },
			func(t *testing.T) civil.Date { return testkit.Date(t, "2026-03-09") }, invalid},
		{"deadline today is not in the past", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-10 10:00") },
			func(t *testing.T) civil.Date { return testkit.Date(t, "2026-03-10") }, noError},
		{"deadline tomorrow", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-10 10:00") },
			func(t *testing.T) civil.Date { return testkit.Date(t, "2026-03-11") }, noError},
		{"today is reckoned in Oslo: 23:30 UTC is already the next day", func(t *testing.T) time.Time {
			return utc(t, "2026-03-10 23:30")
		}, func(t *testing.T) civil.Date { return testkit.Date(t, "2026-03-10") }, invalid},
		{"deadline missing", func(t *testing.T) time.Time { return testkit.At(t, "2026-03-10 10:00") },
			func(*testing.T) civil.Date { return civil.Date{} }, invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := grantCommand(t, "2026-05-29")
			cmd.At, cmd.CareStartDeadline = tt.at(t), tt.deadline(t)
			events, err := decideAssess(given(received(t)), cmd, policy(t))
			if tt.wantErr != noError {
				expectRejected(t, events, err, tt.wantErr, "right_granted.care_start_deadline")
				return
			}
			expectErr(t, err, noError, "")
			e := testkit.Single[*referralv1.ReferralAssessed](t, events)
			if got := e.GetRightGranted().GetCareStartDeadline(); got != tt.deadline(t).String() {
				t.Errorf("care_start_deadline = %q, want %q", got, tt.deadline(t))
			}
		})
	}
}

func TestAnOverdueReferralMustStillBeAssessed(t *testing.T) {
	cmd := grantCommand(t, "2026-05-29")
	cmd.At = testkit.At(t, "2026-03-18 09:00")
	events, err := decideAssess(given(received(t), assessmentBreached(t)), cmd, policy(t))
	expectErr(t, err, noError, "")
	want := grantedRight(t, "2026-05-29")
	want.AssessedAt = timestamppb.New(cmd.At)
	testkit.ExpectEvents(t, events, []proto.Message{want})
}
