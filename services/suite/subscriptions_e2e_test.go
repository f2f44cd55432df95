package suite_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/fhirr4"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/subscriptions"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// startWithFeeds runs every service with the HTTP site (and the FHIR API
// on it) on a random loopback port, rest-hooks allowed to loopback, and
// retries that take milliseconds.
func startWithFeeds(t testing.TB) *suitetest.Env {
	t.Helper()
	return suitetest.StartConfigured(t, func(o *suite.Options) {
		o.HTTPAddr = "127.0.0.1:0"
		o.Feeds = suite.FeedOptions{
			LoopbackRestHooks: true,
			Retry:             subscriptions.Retry{Attempts: 2, Initial: time.Millisecond, Max: 2 * time.Millisecond},
			Redelivery:        subscriptions.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond},
		}
	})
}

func engine(org string) authn.TokenSpec {
	return authn.TokenSpec{Subject: "engine:" + org, ChildOrgNumber: org, Role: authn.RoleIntegration,
		Scopes: []string{"subscriptions:read", "subscriptions:write", "referral:read", "referral:write"}}
}

// subscribeOverFHIR posts a Subscription the way an engine would and
// returns its id.
func subscribeOverFHIR(t testing.TB, env *suitetest.Env, org string, spec subscriptionstest.Spec) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.FHIRBase()+"/Subscription", bytes.NewReader(spec.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", fhirr4.ContentType)
	req.Header.Set("Authorization", "Bearer "+env.Token(engine(org)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create subscription: %d %s", res.StatusCode, body)
	}
	var s struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func TestAnEngineIsToldOfEachChangeOnceInOrderAlsoAcrossASuiteRestart(t *testing.T) {
	env := startWithFeeds(t)
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	dpsHook := subscriptionstest.NewReceiver(t, codec)
	gpHook := subscriptionstest.NewReceiver(t, codec)
	strangerHook := subscriptionstest.NewReceiver(t, codec)
	dpsSub := subscribeOverFHIR(t, env, dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: dpsHook.URL, Content: "full-resource"})
	subscribeOverFHIR(t, env, senderOrg, subscriptionstest.Spec{Filter: subscriptionstest.SentBy(senderOrg), Endpoint: gpHook.URL})
	subscribeOverFHIR(t, env, otherOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(otherOrg), Endpoint: strangerHook.URL})

	ctx := t.Context()
	received, err := client(env).ReceiveReferral(env.As(ctx, integration(senderOrg)), receiveRequest("sub-e2e"))
	if err != nil {
		t.Fatal(err)
	}
	id := received.GetReferral().GetReferralId()
	if _, err := client(env).AssessReferral(env.As(ctx, assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "assess-sub-e2e", ReferralId: id,
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	pwWaitForProcessManager(t, env, id)
	if _, err := dpsHook.Wait(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := env.Suite.Subscriptions.WaitDelivered(ctx, dpsSub); err != nil {
		t.Fatal(err)
	}

	env.Restart()
	if _, err := pwClient(env).RecordFirstAttendance(env.As(ctx, pwStaff()), &pathwayv1.RecordFirstAttendanceRequest{
		RequestId: "first-sub-e2e", PathwayId: "pw-" + id, AttendedAt: timestamppb.New(env.Clock.Now()),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := dpsHook.Wait(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	gp, err := gpHook.Wait(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for name, ns := range map[string][]subscriptionstest.Notification{"unit": got, "sender": gp} {
		distinct, err := subscriptionstest.Distinct(ns)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{id + "#1", id + "#2", id + "#3"}
		if ev := taskEvents(distinct[1:]); !slices.Equal(ev, want) {
			t.Errorf("%s: events %v, want %v (received, accepted, in progress)", name, ev, want)
		}
	}
	var statuses []string
	for _, n := range got[1:] {
		if len(n.Tasks) != 1 {
			t.Fatalf("a full-resource notification carries %d Tasks", len(n.Tasks))
		}
		statuses = append(statuses, n.Tasks[0].GetStatus().GetValue().String())
	}
	if !slices.Equal(statuses, []string{"RECEIVED", "ACCEPTED", "IN_PROGRESS"}) {
		t.Fatalf("Task statuses %v", statuses)
	}
	if n := len(strangerHook.Received()); n != 1 {
		t.Fatalf("the stranger got %d notifications, want only its handshake", n)
	}
	if bad := dpsHook.Malformed(); len(bad) > 0 {
		t.Fatal(bad)
	}
}

func taskEvents(ns []subscriptionstest.Notification) []string {
	var out []string
	for _, n := range ns {
		for _, ev := range n.Events {
			out = append(out, strings.TrimPrefix(ev.Focus[strings.LastIndex(ev.Focus, "Task/"):], "Task/")+"#"+strconv.FormatUint(ev.Number, 10))
		}
	}
	return out
}
