package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/access"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// RequestInformation asks the referrer for what is missing.
type RequestInformation struct {
	By   access.Actor
	What string
	At   time.Time
}

// DecideRequestInformation records the request. An incomplete referral is
// never sent back unassessed: it stays with the unit and its due date stands.
func DecideRequestInformation(r Referral, cmd RequestInformation) ([]proto.Message, error) {
	if !r.AwaitingAssessment() {
		return nil, wrongState(r, "request information for")
	}
	return []proto.Message{&referralv1.InformationRequested{
		ReferralId: r.ID, RequestedBy: cmd.By.ProfessionalID, What: cmd.What, RequestedAt: timestamppb.New(cmd.At),
	}}, nil
}
