package subscriptions_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/grpcerr"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

func TestASubscriberDownForAWhileGetsEverythingInOrderWhenItIsBack(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Timeout: 1})
	e.handshake(r)
	if err := e.service().WaitStatus(t.Context(), id, "active"); err != nil {
		t.Fatal(err)
	}

	r.SetDown(true)
	e.receive("ref-1", dpsHer, dpsOrg)
	e.receive("ref-2", dpsHer, dpsOrg)
	e.assess("ref-1")
	// Two failed attempts: the first failure is recorded by then.
	if err := r.WaitAttempts(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	code, body := e.call(http.MethodGet, "Subscription/"+id+"/$status", e.token(dpsOrg, time.Hour), nil)
	if code != http.StatusOK || statusOf(t, body) != "active" {
		t.Fatalf("$status a moment into the failures: %d %s", code, body)
	}
	// Ten minutes of nothing but failures.
	e.clock.Advance(10 * time.Minute)
	if err := e.service().WaitStatus(t.Context(), id, "error"); err != nil {
		t.Fatal(err)
	}
	code, body = e.call(http.MethodGet, "Subscription/"+id+"/$status", e.token(dpsOrg, time.Hour), nil)
	if code != http.StatusOK || statusOf(t, body) != "error" || !contains(body, `"events-since-subscription-start"`) || !contains(body, `"3"`) {
		t.Fatalf("$status after ten minutes of failures: %d %s", code, body)
	}
	if got := len(r.Received()); got != 1 {
		t.Fatalf("%d notifications got through a receiver that was down", got)
	}

	r.SetDown(false)
	if err := e.service().WaitStatus(t.Context(), id, "active"); err != nil {
		t.Fatal(err)
	}
	got, err := r.Wait(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	distinct, err := subscriptionstest.Distinct(got)
	if err != nil {
		t.Fatal(err)
	}
	if ev := events(distinct[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-2#2", "ref-1#3"}) {
		t.Fatalf("after coming back: %v", ev)
	}
}

func TestARestartMidDeliveryLosesNothingAndSendsNothingTwiceUnderANewID(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Timeout: 1})
	e.handshake(r)

	held, release := r.Hold()
	e.receive("ref-1", dpsHer, dpsOrg)
	e.receive("ref-2", dpsHer, dpsOrg)
	e.assess("ref-2")
	<-held // the first change is in flight
	e.restart()
	release()
	e.assess("ref-1")

	got, err := r.Wait(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	distinct, err := subscriptionstest.Distinct(got)
	if err != nil {
		t.Fatal(err)
	}
	for len(distinct) < 5 {
		if got, err = r.Wait(t.Context(), len(got)+1); err != nil {
			t.Fatal(err)
		}
		if distinct, err = subscriptionstest.Distinct(got); err != nil {
			t.Fatal(err)
		}
	}
	if ev := events(distinct[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-2#2", "ref-2#3", "ref-1#4"}) {
		t.Fatalf("events across the restart %v", ev)
	}
}

func TestAPoisonCommitGoesToThePoisonQueueAndHoldsUpNoOne(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL})
	e.handshake(r)

	e.receive("ref-1", dpsHer, dpsOrg)
	poison := nats.NewMsg(eventstore.Subject("referral", "referral", "ref-garbled"))
	poison.Data = []byte("not a commit")
	ack, err := e.js.PublishMsg(t.Context(), poison)
	if err != nil {
		t.Fatal(err)
	}
	e.assess("ref-1")
	got, err := r.Wait(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	distinct, err := subscriptionstest.Distinct(got)
	if err != nil {
		t.Fatal(err)
	}
	if ev := events(distinct[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-1#2"}) {
		t.Fatalf("events around the poison commit %v", ev)
	}

	admin := e.admin(t, authn.RoleOps)
	list, err := admin.ListPoisonMessages(t.Context(), &subscriptionsv1.ListPoisonMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetPoisonMessages()) != 1 {
		t.Fatalf("poison queue %v", list.GetPoisonMessages())
	}
	p := list.GetPoisonMessages()[0]
	if p.GetStreamSequence() != ack.Sequence || p.GetSubject() != poison.Subject || p.GetReason() == "" {
		t.Fatalf("poison entry %v, want the commit at %d", p, ack.Sequence)
	}
	// It still cannot be built: a replay says so and leaves it listed.
	_, err = admin.ReplayPoisonMessage(t.Context(), &subscriptionsv1.ReplayPoisonMessageRequest{Name: p.GetName()})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("replaying a commit that still does not decode: %v", err)
	}
	if again, err := admin.ListPoisonMessages(t.Context(), &subscriptionsv1.ListPoisonMessagesRequest{}); err != nil || len(again.GetPoisonMessages()) != 1 {
		t.Fatalf("after a failed replay: %v %v", again, err)
	}
	// The poison queue is for operators.
	engine := e.admin(t, authn.RoleIntegration)
	if _, err := engine.ListPoisonMessages(t.Context(), &subscriptionsv1.ListPoisonMessagesRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("an engine listing the poison queue: %v", err)
	}
}

func TestReplayingAPoisonEntryQueuesItsNotificationOnceAndDropsTheEntry(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL})
	e.handshake(r)
	delivered := e.receive("ref-1", dpsHer, dpsOrg)
	if _, err := r.Wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	// What the fan-out does with a commit it cannot build: it leaves an
	// entry in the poison queue and moves on. Here it happens to one that
	// could be built after all (a fixed bug), and an entry is also left
	// for a commit whose notification went out.
	e.stopService()
	skipped := e.receive("ref-2", dpsHer, dpsOrg)
	e.skipInFanout(skipped)
	e.poisonEntry(skipped)
	e.poisonEntry(delivered)
	e.start()
	e.receive("ref-3", dpsHer, dpsOrg)
	if _, err := r.Wait(t.Context(), 3); err != nil {
		t.Fatal(err)
	}

	admin := e.admin(t, authn.RoleOps)
	list, err := admin.ListPoisonMessages(t.Context(), &subscriptionsv1.ListPoisonMessagesRequest{PageSize: 1})
	if err != nil || len(list.GetPoisonMessages()) != 1 || list.GetNextPageToken() == "" {
		t.Fatalf("first page %v %v", list, err)
	}
	rest, err := admin.ListPoisonMessages(t.Context(), &subscriptionsv1.ListPoisonMessagesRequest{PageSize: 1, PageToken: list.GetNextPageToken()})
	if err != nil || len(rest.GetPoisonMessages()) != 1 || rest.GetNextPageToken() != "" {
		t.Fatalf("second page %v %v", rest, err)
	}
	queued := map[uint64]int32{}
	for _, p := range append(list.GetPoisonMessages(), rest.GetPoisonMessages()...) {
		res, err := admin.ReplayPoisonMessage(t.Context(), &subscriptionsv1.ReplayPoisonMessageRequest{Name: p.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		queued[p.GetStreamSequence()] = res.GetNotificationsQueued()
		if _, err := admin.ReplayPoisonMessage(t.Context(), &subscriptionsv1.ReplayPoisonMessageRequest{Name: p.GetName()}); status.Code(err) != codes.NotFound {
			t.Fatalf("a replayed entry is still there: %v", err)
		}
	}
	if queued[skipped] != 1 || queued[delivered] != 0 {
		t.Fatalf("queued %v: want 1 for the skipped commit and 0 for the delivered one", queued)
	}
	got, err := r.Wait(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	distinct, err := subscriptionstest.Distinct(got)
	if err != nil {
		t.Fatal(err)
	}
	// The replayed change comes after what the subscriber got meanwhile.
	if ev := events(distinct[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-3#2", "ref-2#3"}) {
		t.Fatalf("events %v", ev)
	}
}

// admin is the operators' RPC over a real gRPC server, authenticated as
// someone of role.
func (e *env) admin(t *testing.T, role authn.Role) subscriptionsv1.SubscriptionAdminServiceClient {
	t.Helper()
	svc := e.service()
	verifier := e.signer.Verifier(e.clock.Now)
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcerr.UnaryServerInterceptor(nil), authn.UnaryServerInterceptor(verifier, svc.Scopes(), nil)),
	)
	svc.Register(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	spec := authn.TokenSpec{Subject: "ops-1", ParentOrgNumber: dpsOrg, Role: role, Scopes: []string{"subscriptions:read", "subscriptions:write"}}
	raw, err := e.signer.Mint(spec, e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return subscriptionsv1.NewSubscriptionAdminServiceClient(&authedConn{cc: cc, token: raw})
}

// authedConn sends a bearer token with every call.
type authedConn struct {
	cc    *grpc.ClientConn
	token string
}

func (a *authedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return a.cc.Invoke(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+a.token), method, args, reply, opts...)
}

func (a *authedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return a.cc.NewStream(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+a.token), desc, method, opts...)
}

func statusOf(t *testing.T, body []byte) string {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource struct {
				Parameter []struct {
					Name      string `json:"name"`
					ValueCode string `json:"valueCode"`
				} `json:"parameter"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil || len(b.Entry) == 0 {
		t.Fatalf("not a status bundle: %s", body)
	}
	for _, p := range b.Entry[0].Resource.Parameter {
		if p.Name == "status" {
			return p.ValueCode
		}
	}
	return ""
}
