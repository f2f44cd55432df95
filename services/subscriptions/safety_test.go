package subscriptions_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/services/subscriptions/internal/adapters"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

func TestRestHooksToLinkLocalAndMetadataAddressesAreRefusedWhenMade(t *testing.T) {
	e := newEnv(t)
	token := e.token(dpsOrg, time.Hour)
	for _, endpoint := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"https://169.254.169.254/latest/meta-data/",
		"https://[fe80::1]/hook",
		"https://[fd00:ec2::254]/hook",
		"https://100.100.100.200/hook",
		"http://engine.example.org/hook", // not https
	} {
		code, body := e.call(http.MethodPost, "Subscription", token,
			subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: endpoint}.JSON())
		if code != http.StatusUnprocessableEntity || !contains(body, "Subscription.channel.endpoint") {
			t.Errorf("%s: %d %s", endpoint, code, body)
		}
	}
}

func TestTheRestHookClientChecksTheAddressItActuallyDials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(srv.Close)
	// localhost passes no literal-address check at creation; the dial
	// sees 127.0.0.1 and, outside dev, refuses it.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		_, err := adapters.SafeClient(domain.EndpointPolicy{}).Get(u)
		if !errors.Is(err, domain.ErrEndpointRefused) {
			t.Errorf("%s outside dev: %v, want the dial refused", u, err)
		}
		res, err := adapters.SafeClient(domain.EndpointPolicy{AllowLoopback: true}).Get(u)
		if err != nil {
			t.Errorf("%s in dev: %v", u, err)
		} else {
			res.Body.Close()
		}
	}
	// A redirect is a failed delivery, never a second request elsewhere.
	redirect := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/", http.StatusFound))
	t.Cleanup(redirect.Close)
	if _, err := adapters.SafeClient(domain.EndpointPolicy{AllowLoopback: true}).Get(redirect.URL); !errors.Is(err, app.ErrRedirect) {
		t.Fatalf("a redirect: %v", err)
	}
}

// resolver answers every name with fixed addresses.
type resolver []netip.Addr

func (r resolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) { return r, nil }

func TestAHostThatResolvesToAMetadataAddressIsRefused(t *testing.T) {
	e := newEnv(t)
	e.resolver = resolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("169.254.169.254")}
	e.restart()
	code, body := e.call(http.MethodPost, "Subscription", e.token(dpsOrg, time.Hour),
		subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: "https://engine.example.org/hook"}.JSON())
	if code != http.StatusUnprocessableEntity || !contains(body, "link-local") {
		t.Fatalf("%d %s", code, body)
	}
}

func TestHeaderSecretsStayOutOfTheEventStreamAndGoWithTheSubscription(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	const secret = "Bearer very-secret-engine-credential"
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{
		Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Headers: []string{"Authorization: " + secret},
	})
	e.handshake(r)
	if got := r.Received()[0].Header.Get("Authorization"); got != secret {
		t.Fatalf("the handshake went without the header: %q", got)
	}
	recs, _, err := e.store.Load(t.Context(), eventstore.Subject("subscriptions", "subscription", id), 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %v", recs, err)
	}
	raw, err := e.js.Stream(t.Context(), eventstore.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := raw.GetMsg(t.Context(), recs[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(msg.Data), "very-secret") || !strings.Contains(string(msg.Data), "Authorization") {
		t.Fatal("the event holds the header's value, or not even its name")
	}
	code, body := e.call(http.MethodGet, "Subscription/"+id, e.token(dpsOrg, time.Hour), nil)
	if code != http.StatusOK || contains(body, "very-secret") {
		t.Fatalf("read back: %d %s", code, body)
	}

	if code, body := e.call(http.MethodDelete, "Subscription/"+id, e.token(dpsOrg, time.Hour), nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", code, body)
	}
	kv, err := e.js.KeyValue(t.Context(), adapters.SecretsBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(t.Context(), id); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the secret outlived its subscription: %v", err)
	}
	if code, _ := e.call(http.MethodGet, "Subscription/"+id, e.token(dpsOrg, time.Hour), nil); code != http.StatusNotFound {
		t.Fatalf("a deleted subscription reads %d", code)
	}
	e.receive("ref-after", dpsHer, dpsOrg)
	e.receive("ref-witness", dpsHer, dpsOrg)
	// A second subscription made after the deletion sees the witness; the
	// deleted one never gets anything more.
	w := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: w.URL})
	e.handshake(w)
	e.receive("ref-last", dpsHer, dpsOrg)
	if _, err := w.Wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Received()); n != 1 {
		t.Fatalf("a deleted subscription got %d notifications", n)
	}
}

func TestDeliveriesActAsTheOrganisationAndOutliveTheTokenThatMadeThem(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	token := e.token(dpsOrg, 5*time.Minute)
	code, body := e.call(http.MethodPost, "Subscription", token,
		subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Content: "full-resource"}.JSON())
	if code != http.StatusCreated {
		t.Fatalf("%d %s", code, body)
	}
	e.handshake(r)
	e.clock.Advance(time.Hour)
	if code, _ := e.call(http.MethodGet, "Subscription/any", token, nil); code != http.StatusUnauthorized {
		t.Fatalf("the expired token still works: %d", code)
	}
	e.receive("ref-1", dpsHer, dpsOrg)
	if _, err := r.Wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	entries, _, err := e.audit.List(t.Context(), e.patient, 0, 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%v %v", entries, err)
	}
	en := entries[0].Entry
	if en.GetActorOrgNumber() != dpsOrg || en.GetActorProfessionalId() != "" || en.GetService() != "subscriptions" || en.GetResource() != "Task/ref-1" {
		t.Fatalf("access log entry %v: the organisation's service identity read it", en)
	}
}

func TestEventsReturnsWhatASubscriberMissedAndStatusCountsIt(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Content: "full-resource"})
	e.handshake(r)
	e.receive("ref-1", dpsHer, dpsOrg)
	e.receive("ref-2", dpsHer, dpsOrg)
	e.assess("ref-1")
	if _, err := r.Wait(t.Context(), 4); err != nil {
		t.Fatal(err)
	}
	logged := e.accessLog()
	code, body := e.call(http.MethodGet, "Subscription/"+id+"/$events?eventsSinceNumber=2&eventsUntilNumber=3", e.token(dpsOrg, time.Hour), nil)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	cr, err := e.codec.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	b := cr.GetBundle()
	var numbers []string
	var tasks []string
	for _, p := range b.GetEntry()[0].GetResource().GetParameters().GetParameter() {
		switch p.GetName().GetValue() {
		case "type":
			if p.GetValue().GetCode().GetValue() != "query-event" {
				t.Errorf("type %s", p.GetValue().GetCode().GetValue())
			}
		case "events-since-subscription-start":
			if p.GetValue().GetStringValue().GetValue() != "3" {
				t.Errorf("events since start %s", p.GetValue().GetStringValue().GetValue())
			}
		case "notification-event":
			numbers = append(numbers, p.GetPart()[0].GetValue().GetStringValue().GetValue())
		}
	}
	for _, en := range b.GetEntry()[1:] {
		tasks = append(tasks, en.GetResource().GetTask().GetId().GetValue()+":"+en.GetResource().GetTask().GetStatus().GetValue().String())
	}
	if !slices.Equal(numbers, []string{"2", "3"}) || !slices.Equal(tasks, []string{"ref-2:RECEIVED", "ref-1:ACCEPTED"}) {
		t.Fatalf("events %v, tasks %v", numbers, tasks)
	}
	if n := e.accessLog(); n != logged+2 {
		t.Fatalf("$events disclosed 2 Tasks; the access log grew by %d", n-logged)
	}
}

func TestAHeartbeatCarriesTheEventCountAfterAQuietPeriod(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Heartbeat: 60})
	e.handshake(r)
	if err := e.service().WaitStatus(t.Context(), id, "active"); err != nil {
		t.Fatal(err)
	}
	e.receive("ref-1", dpsHer, dpsOrg)
	if _, err := r.Wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	if err := e.service().WaitDelivered(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if n, err := e.service().SendHeartbeats(t.Context()); err != nil || n != 0 {
		t.Fatalf("a heartbeat before the period passed: %d %v", n, err)
	}
	e.clock.Advance(time.Minute)
	if n, err := e.service().SendHeartbeats(t.Context()); err != nil || n != 1 {
		t.Fatalf("heartbeats %d %v, want 1", n, err)
	}
	got, err := r.Wait(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if hb := got[2]; hb.Type != "heartbeat" || hb.EventsSinceStart != 1 || len(hb.Events) != 0 {
		t.Fatalf("heartbeat %+v", hb)
	}
	if n, err := e.service().SendHeartbeats(t.Context()); err != nil || n != 0 {
		t.Fatalf("a second heartbeat right after the first: %d %v", n, err)
	}
}
