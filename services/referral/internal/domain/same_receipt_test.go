package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

func TestOnlyTheSameRequestIsTheSameReceipt(t *testing.T) {
	base := func(t *testing.T) domain.Receive {
		cmd := receiveCommand(t, at(t, standardReceipt))
		// What the referral was received as (helpers' received event).
		e := received(t)
		cmd.PatientNationalID, cmd.ExternalID, cmd.ReferrerHPR, cmd.ReferrerOrgNumber = e.GetPatientNationalId(), e.GetExternalId(), e.GetReferrerHpr(), e.GetReferrerOrgNumber()
		cmd.Reason, cmd.Urgency, cmd.Internal, cmd.SenderOrgNumber = e.GetReason(), e.GetUrgency(), e.GetInternal(), e.GetSenderOrgNumber()
		return cmd
	}
	tests := []struct {
		name   string
		events []proto.Message
		change func(*domain.Receive)
		want   bool
	}{
		{name: "the same request", change: func(*domain.Receive) {}, want: true},
		{name: "a later receipt time is still the same request", change: func(c *domain.Receive) { c.ReceivedAt = c.ReceivedAt.Add(48 * 3600e9) }, want: true},
		{name: "the same request after the referral was forwarded", events: []proto.Message{forwarded(t)}, change: func(*domain.Receive) {}, want: true},
		{name: "another patient", change: func(c *domain.Receive) { c.PatientNationalID = "another" }},
		{name: "another reason", change: func(c *domain.Receive) { c.Reason += " and more" }},
		{name: "another urgency", change: func(c *domain.Receive) { c.Urgency = referralv1.Urgency_URGENCY_EMERGENCY }},
		{name: "another unit", change: func(c *domain.Receive) { c.Unit = newUnit() }},
		{name: "another referrer", change: func(c *domain.Receive) { c.ReferrerHPR = "hpr:3333333" }},
		{name: "another referrer organisation", change: func(c *domain.Receive) { c.ReferrerOrgNumber = strangerOrg }},
		{name: "internal instead of external", change: func(c *domain.Receive) { c.Internal = !c.Internal }},
		{name: "another identifier", change: func(c *domain.Receive) { c.ExternalID += "-2" }},
		{name: "another sender", change: func(c *domain.Receive) { c.SenderOrgNumber = strangerOrg }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := given(append([]proto.Message{received(t)}, tt.events...)...)
			cmd := base(t)
			tt.change(&cmd)
			if got := r.SameReceipt(cmd); got != tt.want {
				t.Fatalf("SameReceipt = %v, want %v", got, tt.want)
			}
		})
	}
}
