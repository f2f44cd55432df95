package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Withdraw takes a referral back.
type Withdraw struct {
	By     access.Actor
	Reason string
	At     time.Time
}

// DecideWithdraw lets the sender or the receiving unit withdraw a referral
// that is still open.
func DecideWithdraw(r Referral, cmd Withdraw) ([]proto.Message, error) {
	if r.Closed() {
		return nil, wrongState(r, "withdraw")
	}
	return []proto.Message{&referralv1.ReferralWithdrawn{
		ReferralId: r.ID, Reason: cmd.Reason, WithdrawnBy: cmd.By.ProfessionalID, WithdrawnAt: timestamppb.New(cmd.At),
	}}, nil
}
