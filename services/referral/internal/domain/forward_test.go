package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/testkit"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func forwardCommand(t *testing.T) domain.Forward {
	t.Helper()
	return domain.Forward{
		By: assessor(), To: newUnit(), Reason: "patient lives in the other catchment area",
		At: testkit.At(t, "2026-03-05 10:00"),
	}
}

func TestForwardingKeepsTheReceiptAndAssessmentDueDatesAndMovesTheUnit(t *testing.T) {
	tests := []struct {
		name  string
		given func(*testing.T) []proto.Message
	}{
		{"just received", func(t *testing.T) []proto.Message { return []proto.Message{received(t)} }},
		{"awaiting information", func(t *testing.T) []proto.Message {
			return []proto.Message{received(t), informationRequested(t)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			history := tt.given(t)
			events, err := decideForward(given(history...), forwardCommand(t))
			expectErr(t, err, noError, "")
			testkit.ExpectEvents(t, events, []proto.Message{forwarded(t)})

			r := given(append(history, events...)...)
			if r.Unit != newUnit() {
				t.Errorf("unit = %+v, want %+v", r.Unit, newUnit())
			}
			if r.Status != referralv1.ReferralStatus_REFERRAL_STATUS_FORWARDED {
				t.Errorf("status = %v, want FORWARDED", r.Status)
			}
			if !r.ReceivedAt.Equal(testkit.At(t, standardReceipt)) {
				t.Errorf("received_at = %v, want the original %v", r.ReceivedAt, testkit.At(t, standardReceipt))
			}
			if r.AssessmentDue != testkit.Date(t, standardDue) {
				t.Errorf("assessment due = %v, want the original %v", r.AssessmentDue, standardDue)
			}
			if len(r.Forwardings) != 1 || r.Forwardings[0].From != receivingUnit() || r.Forwardings[0].To != newUnit() {
				t.Errorf("forwardings = %+v", r.Forwardings)
			}
		})
	}
}

func TestTheForwardingOrganisationKeepsItsRecordButOnlyTheNewUnitMayAct(t *testing.T) {
	r := given(received(t), forwarded(t))

	holds := []struct {
		org  string
		want bool
	}{
		{unitOrg, true},    // the forwarding unit keeps access to its own record
		{newUnitOrg, true}, // the new receiving unit
		{strangerOrg, false},
		{senderOrg, true}, // the sender keeps the record it wrote
		{"", false},
	}
	for _, h := range holds {
		if got := r.HeldBy(h.org); got != h.want {
			t.Errorf("HeldBy(%q) = %v, want %v", h.org, got, h.want)
		}
	}
	if r.ReceivedBy(unitOrg) || !r.ReceivedBy(newUnitOrg) {
		t.Errorf("ReceivedBy: forwarding org %v, new org %v; want false, true", r.ReceivedBy(unitOrg), r.ReceivedBy(newUnitOrg))
	}

	for _, cmd := range unitCommands() {
		if cmd.name == "schedule" {
			continue // needs a granted right; covered below
		}
		t.Run(cmd.name+" by the forwarding organisation is not found", func(t *testing.T) {
			events, err := cmd.decide(t, r, assessor())
			expectRejected(t, events, err, notFound, "")
		})
	}
	t.Run("only the new organisation may assess", func(t *testing.T) {
		cmd := grantCommand(t, "2026-05-29")
		cmd.By = newUnitAssessor()
		events, err := decideAssess(r, cmd, policy(t))
		expectErr(t, err, noError, "")
		e := testkit.Single[*referralv1.ReferralAssessed](t, events)
		if !proto.Equal(e.GetReceivingUnit(), newUnit().Ref()) {
			t.Errorf("assessed at %v, want the new unit", e.GetReceivingUnit())
		}
		granted := given(received(t), forwarded(t), e)
		if !granted.HeldBy(unitOrg) {
			t.Error("the forwarding organisation lost its record once the new unit assessed")
		}
		_, err = decideSchedule(granted, domain.Schedule{
			By: assessor(), Date: testkit.Date(t, "2026-04-14"), At: testkit.At(t, "2026-03-11 10:00"),
		}, policy(t))
		expectErr(t, err, notFound, "")
	})
	t.Run("the new organisation may request information and forward on", func(t *testing.T) {
		ri := requestInformationCommand(t)
		ri.By = newUnitAssessor()
		_, err := decideRequestInformation(r, ri)
		expectErr(t, err, noError, "")

		fw := forwardCommand(t)
		fw.By, fw.To = newUnitAssessor(), domain.Unit{HerID: "8300003", OrgNumber: "911111111"}
		events, err := decideForward(r, fw)
		expectErr(t, err, noError, "")
		again := given(received(t), forwarded(t), testkit.Single[*referralv1.ReferralForwarded](t, events))
		if !again.HeldBy(unitOrg) || !again.HeldBy(newUnitOrg) || !again.ReceivedBy("911111111") {
			t.Errorf("after a second forwarding: holders %v/%v, receiver %+v", again.HeldBy(unitOrg), again.HeldBy(newUnitOrg), again.Unit)
		}
		if again.AssessmentDue != testkit.Date(t, standardDue) {
			t.Errorf("assessment due = %v after two forwardings, want %v", again.AssessmentDue, standardDue)
		}
	})
}

func TestForwardingToTheSameUnitIsInvalid(t *testing.T) {
	t.Run("the original receiving unit", func(t *testing.T) {
		cmd := forwardCommand(t)
		cmd.To = receivingUnit()
		events, err := decideForward(given(received(t)), cmd)
		expectRejected(t, events, err, invalid, "to_unit")
	})
	t.Run("the unit it was forwarded to", func(t *testing.T) {
		cmd := forwardCommand(t)
		cmd.By, cmd.To = newUnitAssessor(), newUnit()
		events, err := decideForward(given(received(t), forwarded(t)), cmd)
		expectRejected(t, events, err, invalid, "to_unit")
	})
	t.Run("another unit of the same organisation is a different unit", func(t *testing.T) {
		cmd := forwardCommand(t)
		cmd.To = domain.Unit{HerID: "8100099", OrgNumber: unitOrg}
		_, err := decideForward(given(received(t)), cmd)
		expectErr(t, err, noError, "")
	})
}

func TestOnlyAReferralAwaitingAssessmentCanBeForwarded(t *testing.T) {
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
			events, err := decideForward(given(tt.given(t)...), forwardCommand(t))
			expectRejected(t, events, err, precondition, "")
		})
	}
}
