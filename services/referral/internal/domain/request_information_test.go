package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/testkit"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func requestInformationCommand(t *testing.T) domain.RequestInformation {
	t.Helper()
	return domain.RequestInformation{By: assessor(), What: "current medication", At: testkit.At(t, "2026-03-04 10:00")}
}

func TestRequestingInformationKeepsTheDueDateAndStillAllowsAssessment(t *testing.T) {
	history := []proto.Message{received(t)}

	events, err := decideRequestInformation(given(history...), requestInformationCommand(t))
	expectErr(t, err, noError, "")
	testkit.ExpectEvents(t, events, []proto.Message{informationRequested(t)})
	history = append(history, events...)

	r := given(history...)
	if r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_INFORMATION_REQUESTED {
		t.Errorf("status = %v, want INFORMATION_REQUESTED", r.Status)
	}
	if r.AssessmentDue != testkit.Date(t, standardDue) {
		t.Errorf("assessment due moved to %v, want %v", r.AssessmentDue, standardDue)
	}
	if !r.ReceivedAt.Equal(testkit.At(t, standardReceipt)) {
		t.Errorf("received_at moved to %v", r.ReceivedAt)
	}
	if len(r.InformationRequests) != 1 || r.InformationRequests[0].What != "current medication" {
		t.Errorf("information requests = %+v", r.InformationRequests)
	}

	// A second request is allowed: the referral is still waiting for assessment.
	again := requestInformationCommand(t)
	again.What, again.At = "previous discharge summary", testkit.At(t, "2026-03-06 10:00")
	events, err = decideRequestInformation(r, again)
	expectErr(t, err, noError, "")
	testkit.Single[*referralv1.InformationRequested](t, events)
	history = append(history, events...)
	if r := given(history...); len(r.InformationRequests) != 2 || r.AssessmentDue != testkit.Date(t, standardDue) {
		t.Errorf("after a second request: %d requests, due %v", len(r.InformationRequests), r.AssessmentDue)
	}

	// The referral is not sent back: the unit must still assess it.
	for _, cmd := range []domain.Assess{grantCommand(t, "2026-05-29"), noRightCommand(t)} {
		events, err := decideAssess(given(history...), cmd, policy(t))
		expectErr(t, err, noError, "")
		testkit.Single[*referralv1.ReferralAssessed](t, events)
	}
}

func TestInformationCannotBeRequestedOnceTheReferralIsAssessedOrWithdrawn(t *testing.T) {
	tests := []struct {
		name  string
		given func(*testing.T) []proto.Message
	}{
		{"right granted", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), grantedRight(t, "2026-05-29")}
		}},
		{"no right", func(t *testing.T) []proto.Message { return []proto.Message{received(t), noRight(t)} }},
		{"withdrawn", func(t *testing.T) []proto.Message { return []proto.Message{received(t), withdrawn(t)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decideRequestInformation(given(tt.given(t)...), requestInformationCommand(t))
			expectRejected(t, events, err, precondition, "")
		})
	}
}
