package fhirsub_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/fhirr4"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
	"github.com/stafett/stafett/services/subscriptions/internal/fhirsub"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

func codec(t *testing.T) *fhirr4.Codec {
	t.Helper()
	c, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTheTopicAndIdentifierSystemsAreTheSuitesOwn(t *testing.T) {
	if !strings.HasPrefix(domain.Topic, fhirr4.CanonicalBase+"/") {
		t.Errorf("topic %s is not under %s", domain.Topic, fhirr4.CanonicalBase)
	}
	if domain.SystemHERID != fhirr4.SystemHERID || domain.SystemOrgNumber != fhirr4.SystemOrgNumber {
		t.Error("the filter's identifier systems differ from the FHIR edge's")
	}
}

func TestAPostedSubscriptionReadsBackAsTheSameSubscription(t *testing.T) {
	c := codec(t)
	for _, spec := range []subscriptionstest.Spec{
		{Filter: subscriptionstest.OwnedBy("983974899"), Endpoint: "https://engine.example.org/hook", Heartbeat: 60, Timeout: 20},
		{Filter: subscriptionstest.SentBy("983974899"), Channel: "amqp", Content: "full-resource"},
		{Filter: subscriptionstest.OwnedBy("983974899"), Channel: "nats"},
	} {
		req, err := fhirsub.Parse(c, spec.JSON())
		if err != nil {
			t.Fatalf("%+v: %v", spec, err)
		}
		cmd, err := domain.Check(req, "sub-1", "983974899", time.Now(), domain.EndpointPolicy{})
		if err != nil {
			t.Fatalf("%+v: %v", spec, err)
		}
		events, err := domain.DecideCreate(domain.Initial("sub-1"), cmd)
		if err != nil {
			t.Fatal(err)
		}
		s := domain.Evolve(domain.Initial("sub-1"), events[0], nil)
		body, err := c.Marshal(fhirsub.Resource(s, domain.NewDelivery(), req.Channel.Endpoint))
		if err != nil {
			t.Fatal(err)
		}
		again, err := fhirsub.Parse(c, body)
		if err != nil {
			t.Fatalf("the rendered Subscription does not parse: %v\n%s", err, body)
		}
		again.Channel.Headers, req.Channel.Headers = nil, nil
		if req.Channel.Timeout == 0 {
			req.Channel.Timeout = domain.DefaultTimeout
		}
		if !reflect.DeepEqual(again, req) {
			t.Errorf("read back %+v\nposted    %+v", again, req)
		}
	}
}

func TestANotificationIsAHistoryBundleWithTheStatusFirst(t *testing.T) {
	c := codec(t)
	r := fhirsub.Renderer{Codec: c, Base: "https://stafett.example.no/fhir/R4"}
	body, err := r.Render(app.Notification{
		ID: app.NotificationID("sub-1", "01JCOMMIT"), Kind: app.KindEvent, Status: domain.StatusActive, EventsSinceStart: 7,
		Subscription: domain.Subscription{ID: "sub-1", Channel: domain.Channel{Content: subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_ID_ONLY}},
		Events:       []app.Event{{Number: 7, ReferralID: "ref-1", At: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)}},
		At:           time.Date(2026, 3, 3, 9, 0, 1, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := subscriptionstest.Parse(c, body)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != app.NotificationID("sub-1", "01JCOMMIT") || n.Type != "event-notification" || n.EventsSinceStart != 7 ||
		len(n.Events) != 1 || n.Events[0].Number != 7 || n.Events[0].Focus != "https://stafett.example.no/fhir/R4/Task/ref-1" {
		t.Fatalf("%+v", n)
	}
	cr, err := c.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if cr.GetBundle().GetType().GetValue().String() != "HISTORY" || cr.GetBundle().GetEntry()[0].GetResource().GetParameters() == nil {
		t.Fatalf("not a history Bundle with the status first: %s", body)
	}
}

func TestANotificationIDIsStableForACommitAndDiffersBetweenSubscriptions(t *testing.T) {
	a := app.NotificationID("sub-1", "01JCOMMIT")
	if a != app.NotificationID("sub-1", "01JCOMMIT") {
		t.Fatal("the same commit gave two ids")
	}
	if a == app.NotificationID("sub-2", "01JCOMMIT") || a == app.NotificationID("sub-1", "01JOTHER") {
		t.Fatal("different notifications share an id")
	}
}
