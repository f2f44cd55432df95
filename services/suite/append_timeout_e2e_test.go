package suite_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/natsembed/natstest"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite"
)

func TestReceiveReferralThatCannotBeAppendedIsUnavailableInTimeAndItsRetryMakesOneReferral(t *testing.T) {
	cluster := natstest.NewCluster(t, 3)
	signer, err := authn.LoadOrCreateSigner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pseudonyms, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	opts := suite.Options{
		Services: []string{"consent", "referral"}, Verifier: signer.Verifier(time.Now), Signer: signer, Pseudonyms: pseudonyms,
		Replicas: 3, AppendTimeout: time.Second, DeadlineInterval: time.Hour,
	}
	// Create the streams, then serve from a connection to the events stream's
	// leader alone, which is the node that stays up.
	opts.NATS = cluster.Connect()
	s, err := suite.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown(t.Context())
	leader := cluster.StreamLeader(eventstore.StreamName)
	opts.NATS = cluster.Connect(leader)
	s, err = suite.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	referrals := referralv1.NewReferralServiceClient(cc)
	tok, err := signer.Mint(integration(senderOrg), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The caller would wait a minute: the answer must come from the limit.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	engine := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)

	followers := cluster.Followers(leader)
	for _, f := range followers {
		cluster.Kill(f)
	}
	_, err = referrals.ReceiveReferral(engine, receiveRequest("r-quorum"))
	if ctx.Err() != nil {
		t.Fatalf("ReceiveReferral waited for the caller's deadline: %v", err)
	}
	wantCode(t, err, codes.Unavailable)

	// Quorum returns; the integration engine retries the same request as
	// long as it is told UNAVAILABLE.
	cluster.Restart(followers[0])
	var first *referralv1.Referral
	untilAvailable(t, func() (err error) {
		res, err := referrals.ReceiveReferral(engine, receiveRequest("r-quorum"))
		first = res.GetReferral()
		return err
	})
	again, err := referrals.ReceiveReferral(engine, receiveRequest("r-quorum"))
	if err != nil {
		t.Fatal(err)
	}
	if again.GetReferral().GetReferralId() != first.GetReferralId() {
		t.Fatal("retrying after UNAVAILABLE created a second referral")
	}
	assessorTok, err := signer.Mint(assessor(dpsOrg), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var list *referralv1.ListReferralsResponse
	untilAvailable(t, func() (err error) {
		list, err = referrals.ListReferrals(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+assessorTok),
			&referralv1.ListReferralsRequest{ReceivingUnit: dps, PageSize: 10})
		return err
	})
	if n := len(list.GetReferrals()); n != 1 {
		t.Fatalf("the unit has %d referrals after the retries, want 1", n)
	}
}

// untilAvailable calls call again, as a client does, for as long as it is
// answered UNAVAILABLE: the cluster is electing leaders.
func untilAvailable(t *testing.T, call func() error) {
	t.Helper()
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for {
		err := call()
		switch status.Code(err) {
		case codes.OK:
			return
		case codes.Unavailable:
			select {
			case <-retry.C:
			case <-t.Context().Done():
				t.Fatalf("still unavailable when the test ended: %v", err)
			}
		default:
			t.Fatalf("once quorum is back: %v", err)
		}
	}
}
