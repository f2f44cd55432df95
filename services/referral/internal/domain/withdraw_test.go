package domain_test

import (
	"testing"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func withdrawCommand(t *testing.T, by access.Actor) domain.Withdraw {
	t.Helper()
	return domain.Withdraw{By: by, Reason: "patient moved abroad", At: testkit.At(t, "2026-03-06 10:00")}
}

func TestTheSenderOrTheReceivingUnitMayWithdrawAnOpenReferral(t *testing.T) {
	states := []struct {
		name     string
		given    func(*testing.T) []proto.Message
		receiver access.Actor
	}{
		{"received", func(t *testing.T) []proto.Message { return []proto.Message{received(t)} }, assessor()},
		{"awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), informationRequested(t)}
		}, assessor()},
		{"forwarded, withdrawn at the new unit", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t)}
		}, newUnitAssessor()},
		{"right granted", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), grantedRight(t, "2026-05-29")}
		}, assessor()},
		{"emergency", func(t *testing.T) []proto.Message { return []proto.Message{received(t, emergency)} }, assessor()},
	}
	for _, s := range states {
		for _, by := range []struct {
			name  string
			actor access.Actor
		}{
			{"by the sender", senderActor()},
			{"by the receiving unit", s.receiver},
		} {
			t.Run(s.name+"/"+by.name, func(t *testing.T) {
				history := s.given(t)
				events, err := decideWithdraw(given(history...), withdrawCommand(t, by.actor))
				expectErr(t, err, noError, "")
				testkit.ExpectEvents(t, events, []proto.Message{&referralv1.ReferralWithdrawn{
					ReferralId: referralID, Reason: "patient moved abroad", WithdrawnBy: by.actor.ProfessionalID,
					WithdrawnAt: timestamppb.New(testkit.At(t, "2026-03-06 10:00")),
				}})
				r := given(append(history, events...)...)
				if r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN || !r.Closed() {
					t.Errorf("status = %v, closed %v; want WITHDRAWN and closed", r.Status, r.Closed())
				}
			})
		}
	}
}

func TestNoOneElseMayWithdrawAReferral(t *testing.T) {
	tests := []struct {
		name  string
		given func(*testing.T) []proto.Message
		by    access.Actor
	}{
		{"an unrelated organisation", func(t *testing.T) []proto.Message { return []proto.Message{received(t)} }, stranger()},
		{"a caller with no organisation number", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t)}
		}, access.Actor{ProfessionalID: "svc:integration", Service: "integration"}},
		{"a caller with no organisation number, when the sender is not recorded", func(t *testing.T) []proto.Message {
			// Events written before sender_org_number existed carry none;
			// an empty organisation must never match an empty sender.
			return []proto.Message{received(t, func(e *referralv1.ReferralReceived) { e.SenderOrgNumber = "" })}
		}, access.Actor{ProfessionalID: "svc:integration", Service: "integration"}},
		{"the unit that forwarded it, no longer the receiving unit", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), forwarded(t)}
		}, assessor()},
		{"anyone, for a missing referral", func(*testing.T) []proto.Message { return nil }, senderActor()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decideWithdraw(given(tt.given(t)...), withdrawCommand(t, tt.by))
			expectRejected(t, events, err, notFound, "")
		})
	}
}

func TestAClosedReferralCannotBeWithdrawn(t *testing.T) {
	tests := []struct {
		name  string
		given func(*testing.T) []proto.Message
	}{
		{"already withdrawn", func(t *testing.T) []proto.Message { return []proto.Message{received(t), withdrawn(t)} }},
		{"assessed with no right", func(t *testing.T) []proto.Message { return []proto.Message{received(t), noRight(t)} }},
	}
	for _, tt := range tests {
		for _, by := range []access.Actor{senderActor(), assessor()} {
			t.Run(tt.name+"/"+by.OrgNumber, func(t *testing.T) {
				events, err := decideWithdraw(given(tt.given(t)...), withdrawCommand(t, by))
				expectRejected(t, events, err, precondition, "")
			})
		}
	}
}
