package app

import (
	"testing"

	"google.golang.org/protobuf/proto"

	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

func TestTheProcessManagerFiltersOnReferralAssessedsStableName(t *testing.T) {
	if got := string(proto.MessageName(&referralv1.ReferralAssessed{})); got != assessedType {
		t.Fatalf("event type is %q, the filter looks for %q", got, assessedType)
	}
}
