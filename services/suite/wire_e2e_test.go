package suite_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/stafett/stafett/pkg/natsembed"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func TestMalformedWireBytesToTheSuiteAreInvalidArgument(t *testing.T) {
	env := suitetest.StartWith(t, natsembed.Options{}, "consent", "referral")
	ctx := t.Context()
	// BytesValue writes its field 1 as bytes; ReceiveReferralRequest reads
	// field 1 as request_id, a string, and these bytes are not UTF-8.
	notUTF8 := &wrapperspb.BytesValue{Value: []byte("r1\xff")}
	before := env.LastSeq(ctx)
	err := env.Client.Invoke(env.As(ctx, integration(senderOrg)), referralv1.ReferralService_ReceiveReferral_FullMethodName, notUTF8, &referralv1.ReceiveReferralResponse{})
	wantCode(t, err, codes.InvalidArgument)
	if after := env.LastSeq(ctx); after != before {
		t.Errorf("a request that did not decode appended: last seq %d, was %d", after, before)
	}
}
