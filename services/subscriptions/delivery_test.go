package subscriptions_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"

	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

func TestARestHookGetsAHandshakeThenEachChangeOnceInOrderWithAStableID(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{
		Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Headers: []string{"Authorization: Bearer engine-secret"},
	})
	e.handshake(r)
	if err := e.service().WaitStatus(t.Context(), id, "active"); err != nil {
		t.Fatal(err)
	}

	e.receive("ref-1", dpsHer, dpsOrg)
	e.requestInformation("ref-1")
	e.receive("ref-2", dpsHer, dpsOrg)
	e.assess("ref-1")
	got, err := r.Wait(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ref-1#1", "ref-1#2", "ref-2#3", "ref-1#4"}
	if ev := events(got[1:]); !slices.Equal(ev, want) {
		t.Fatalf("events %v, want %v", ev, want)
	}
	ids := map[string]bool{}
	for i, n := range got[1:] {
		if n.Type != "event-notification" || n.EventsSinceStart != uint64(i+1) || n.Status != "active" {
			t.Errorf("notification %d: %+v", i, n)
		}
		if ids[n.ID] {
			t.Errorf("notification id %s used twice", n.ID)
		}
		ids[n.ID] = true
		if n.Header.Get("Authorization") != "Bearer engine-secret" {
			t.Errorf("the subscription's header did not come along: %v", n.Header)
		}
		if len(n.Tasks) != 0 {
			t.Errorf("an id-only notification carried a Task")
		}
	}
	if bad := r.Malformed(); len(bad) > 0 {
		t.Fatalf("notifications the FHIR library does not read: %v", bad)
	}
	if n := e.accessLog(); n != 0 {
		t.Fatalf("id-only notifications carry no patient data, yet %d access-log entries", n)
	}
}

func TestAFullResourceNotificationCarriesTheTaskAsItWasAfterTheChangeAndIsAccessLogged(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL, Content: "full-resource"})
	e.handshake(r)

	e.receive("ref-1", dpsHer, dpsOrg)
	e.assess("ref-1")
	pw := e.startPathway("ref-1") // adds a pathway, changes nothing a reader sees
	e.attend(pw)
	got, err := r.Wait(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := []cpb.TaskStatusCode_Value{cpb.TaskStatusCode_RECEIVED, cpb.TaskStatusCode_ACCEPTED, cpb.TaskStatusCode_IN_PROGRESS}
	for i, n := range got[1:] {
		if len(n.Tasks) != 1 {
			t.Fatalf("notification %d carries %d Tasks", i, len(n.Tasks))
		}
		if s := n.Tasks[0].GetStatus().GetValue(); s != wantStatus[i] {
			t.Errorf("notification %d: Task %v, want %v (the Task as of its change)", i, s, wantStatus[i])
		}
		if n.Tasks[0].GetId().GetValue() != "ref-1" {
			t.Errorf("Task id %s", n.Tasks[0].GetId().GetValue())
		}
	}
	if len(got) != 4 {
		t.Fatalf("%d notifications, want a handshake and 3 changes (the pathway's start shows nothing new)", len(got))
	}
	if n := e.accessLog(); n != 3 {
		t.Fatalf("access-log entries %d, want one per Task disclosed (3)", n)
	}
}

func TestASubscriberIsToldOnlyAboutReferralsItsOrganisationSentOrHolds(t *testing.T) {
	e := newEnv(t)
	dps := subscriptionstest.NewReceiver(t, e.codec)
	gp := subscriptionstest.NewReceiver(t, e.codec)
	other := subscriptionstest.NewReceiver(t, e.codec)
	e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: dps.URL})
	e.subscribe(gpOrg, subscriptionstest.Spec{Filter: subscriptionstest.SentBy(gpOrg), Endpoint: gp.URL})
	e.subscribe(otherOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(otherOrg), Endpoint: other.URL})
	for _, r := range []*subscriptionstest.Receiver{dps, gp, other} {
		e.handshake(r)
	}

	e.receive("ref-1", dpsHer, dpsOrg)
	e.forward("ref-1", otherHer, otherOrg) // the DPS is told it left; the other unit that it came
	e.assess("ref-1")                      // only the new holder and the sender
	gotDPS, err := dps.Wait(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	gotGP, err := gp.Wait(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	gotOther, err := other.Wait(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Each receiver's last notification is the assessment, which the DPS
	// may no longer see: a third notification would be it.
	if len(dps.Received()) != 3 || len(gotDPS) != 3 {
		t.Fatalf("the DPS got %d notifications", len(dps.Received()))
	}
	if ev := events(gotGP[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-1#2", "ref-1#3"}) {
		t.Fatalf("the sender's events %v", ev)
	}
	if ev := events(gotOther[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-1#2"}) {
		t.Fatalf("the new holder's events %v: it is told from the forwarding on", ev)
	}
	if ev := events(dps.Received()[1:]); !slices.Equal(ev, []string{"ref-1#1", "ref-1#2"}) {
		t.Fatalf("the first holder's events %v", ev)
	}
}

func TestAFilterNamingAnotherOrganisationIsRefusedNamingTheElement(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	code, body := e.call(http.MethodPost, "Subscription", e.token(otherOrg, time.Hour),
		subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL}.JSON())
	if code != http.StatusUnprocessableEntity || !contains(body, "Subscription.criteria.extension") {
		t.Fatalf("%d %s", code, body)
	}
	if r.Attempts() != 0 {
		t.Fatal("a refused subscription was called")
	}
}

func TestAStrangerGetsTheSame404ForASubscriptionAsForNone(t *testing.T) {
	e := newEnv(t)
	r := subscriptionstest.NewReceiver(t, e.codec)
	id := e.subscribe(dpsOrg, subscriptionstest.Spec{Filter: subscriptionstest.OwnedBy(dpsOrg), Endpoint: r.URL})
	stranger := e.token(otherOrg, time.Hour)
	for _, path := range []string{"Subscription/%s", "Subscription/%s/$status", "Subscription/%s/$events"} {
		codeTheirs, bodyTheirs := e.call(http.MethodGet, sprintf(path, id), stranger, nil)
		codeNone, bodyNone := e.call(http.MethodGet, sprintf(path, "01JNOSUCHSUBSCRIPTION0000"), stranger, nil)
		if codeTheirs != http.StatusNotFound || codeNone != http.StatusNotFound || string(bodyTheirs) != string(bodyNone) {
			t.Errorf("%s: %d %s / %d %s", path, codeTheirs, bodyTheirs, codeNone, bodyNone)
		}
	}
	if code, body := e.call(http.MethodDelete, "Subscription/"+id, stranger, nil); code != http.StatusNotFound {
		t.Fatalf("a stranger's delete: %d %s", code, body)
	}
	if code, _ := e.call(http.MethodGet, "Subscription/"+id, e.token(dpsOrg, time.Hour), nil); code != http.StatusOK {
		t.Fatalf("the owner's read: %d", code)
	}
}
