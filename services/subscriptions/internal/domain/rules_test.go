package domain_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/errs"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
)

const (
	ours   = "983974899"
	theirs = "974600951"
	herID  = "8100001"
)

var (
	restHook    = subscriptionsv1.ChannelType_CHANNEL_TYPE_REST_HOOK
	idOnly      = subscriptionsv1.PayloadContent_PAYLOAD_CONTENT_ID_ONLY
	ownerParam  = subscriptionsv1.FilterParameter_FILTER_PARAMETER_OWNER
	senderParam = subscriptionsv1.FilterParameter_FILTER_PARAMETER_REQUESTER
	now         = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	prod        = domain.EndpointPolicy{}
	dev         = domain.EndpointPolicy{AllowLoopback: true}
)

func TestAFilterNamesOnlyTheSubscribersOwnOrganisation(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   []domain.Filter
		err    string
	}{
		{filter: "Task?owner:identifier=" + domain.SystemOrgNumber + "|" + ours, want: []domain.Filter{{ownerParam, domain.SystemOrgNumber, ours}}},
		{filter: "Task?requester:identifier=" + domain.SystemOrgNumber + "|" + ours, want: []domain.Filter{{senderParam, domain.SystemOrgNumber, ours}}},
		{filter: "Task?owner:identifier=" + domain.SystemHERID + "|" + herID, want: []domain.Filter{{ownerParam, domain.SystemHERID, herID}}},
		{filter: "Task?owner:identifier=" + domain.SystemOrgNumber + "|" + theirs, err: "other than the subscriber"},
		{filter: "Task?requester:identifier=" + domain.SystemOrgNumber + "|" + theirs, err: "other than the subscriber"},
		{filter: "Task?requester:identifier=" + domain.SystemHERID + "|" + herID, err: "not supported"},
		{filter: "Task?owner:identifier=" + domain.SystemOrgNumber + "|123", err: "organisation number"},
		{filter: "Task?owner:identifier=" + ours, err: "system|value"},
		{filter: "Task?status=accepted", err: "not supported"},
		{filter: "ServiceRequest?performer:identifier=" + domain.SystemOrgNumber + "|" + ours, err: "Task search"},
		{filter: "Task?", err: "not a search"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			got, err := domain.ParseFilter(tc.filter, ours)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) || got[0] != tc.want[0] {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			if got[0].String() != tc.filter {
				t.Fatalf("renders as %q", got[0].String())
			}
		})
	}
}

func TestARestHookIsHTTPSExceptPlainHTTPToLoopbackInDev(t *testing.T) {
	for _, tc := range []struct {
		url    string
		policy domain.EndpointPolicy
		ok     bool
	}{
		{"https://engine.example.org/hook", prod, true},
		{"http://engine.example.org/hook", prod, false},
		{"http://engine.example.org/hook", dev, false},
		{"http://127.0.0.1:9000/hook", dev, true},
		{"http://[::1]:9000/hook", dev, true},
		{"http://localhost:9000/hook", dev, true},
		{"http://127.0.0.1:9000/hook", prod, false},
		{"https://user:secret@engine.example.org/hook", prod, false},
		{"https://engine.example.org/hook#x", prod, false},
		{"ftp://engine.example.org/hook", prod, false},
		{"/hook", prod, false},
		{"mailto:ops@example.org", prod, false},
	} {
		_, err := domain.ParseEndpoint(tc.url, tc.policy)
		if (err == nil) != tc.ok {
			t.Errorf("%s (loopback allowed %v): err %v, want ok=%v", tc.url, tc.policy.AllowLoopback, err, tc.ok)
		}
		if err != nil && !errors.Is(err, domain.ErrEndpointRefused) {
			t.Errorf("%s: %v is not ErrEndpointRefused", tc.url, err)
		}
	}
}

func TestLinkLocalMetadataAndLoopbackAddressesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		policy domain.EndpointPolicy
		ok     bool
	}{
		{"169.254.169.254", prod, false}, // cloud metadata
		{"169.254.169.254", dev, false},
		{"fe80::1", prod, false},
		{"fd00:ec2::254", prod, false},
		{"100.100.100.200", prod, false},
		{"::ffff:169.254.169.254", prod, false},
		{"0.0.0.0", prod, false},
		{"::", prod, false},
		{"224.0.0.1", prod, false},
		{"255.255.255.255", prod, false},
		{"127.0.0.1", prod, false},
		{"::1", prod, false},
		{"127.0.0.1", dev, true},
		{"10.20.30.40", prod, true}, // hospital networks are private
		{"192.168.1.10", prod, true},
		{"93.184.216.34", prod, true},
		{"2001:db8::1", prod, true},
	} {
		err := domain.CheckAddress(netip.MustParseAddr(tc.addr), tc.policy)
		if (err == nil) != tc.ok {
			t.Errorf("%s (loopback allowed %v): err %v, want ok=%v", tc.addr, tc.policy.AllowLoopback, err, tc.ok)
		}
	}
	mixed := []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("169.254.169.254")}
	if err := domain.CheckAddresses(mixed, prod); err == nil {
		t.Error("a host with one metadata address among good ones was allowed")
	}
	if err := domain.CheckAddresses(nil, prod); err == nil {
		t.Error("a host without addresses was allowed")
	}
}

func request() domain.Request {
	return domain.Request{
		Status: "requested", Topic: domain.Topic,
		Filters: []string{"Task?owner:identifier=" + domain.SystemOrgNumber + "|" + ours},
		Channel: domain.ChannelRequest{
			Type: restHook, Endpoint: "https://engine.example.org/hook", Payload: "application/fhir+json", Content: idOnly,
			Headers: []string{"Authorization: Bearer engine-secret"}, Heartbeat: time.Minute,
		},
	}
}

func TestACheckedRequestKeepsHeaderValuesOutOfTheSubscription(t *testing.T) {
	cmd, err := domain.Check(request(), "sub-1", ours, now, prod)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Secrets["Authorization"] != "Bearer engine-secret" || len(cmd.Channel.HeaderNames) != 1 || cmd.Channel.HeaderNames[0] != "Authorization" {
		t.Fatalf("secrets %v, header names %v", cmd.Secrets, cmd.Channel.HeaderNames)
	}
	if cmd.Channel.Timeout != domain.DefaultTimeout {
		t.Fatalf("timeout %v", cmd.Channel.Timeout)
	}
	events, err := domain.DecideCreate(domain.Initial("sub-1"), cmd)
	if err != nil || len(events) != 1 {
		t.Fatalf("%v %v", events, err)
	}
	created := events[0].(*subscriptionsv1.SubscriptionCreated)
	if strings.Contains(created.String(), "engine-secret") {
		t.Fatal("a header value reached the event")
	}
	if created.GetOwnerOrgNumber() != ours || created.GetChannel().GetHeaderNames()[0] != "Authorization" {
		t.Fatalf("event %v", created)
	}
}

func TestABadSubscriptionRequestNamesEachElementAtFault(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.Request)
		field  string
	}{
		{"status", func(r *domain.Request) { r.Status = "off" }, domain.FieldStatus},
		{"topic", func(r *domain.Request) { r.Topic = "http://example.org/other" }, domain.FieldCriteria},
		{"no filter", func(r *domain.Request) { r.Filters = nil }, domain.FieldFilter},
		{"stranger filter", func(r *domain.Request) {
			r.Filters = []string{"Task?owner:identifier=" + domain.SystemOrgNumber + "|" + theirs}
		}, domain.FieldFilter},
		{"end", func(r *domain.Request) { r.HasEnd = true }, domain.FieldEnd},
		{"plain http", func(r *domain.Request) { r.Channel.Endpoint = "http://engine.example.org/hook" }, domain.FieldEndpoint},
		{"channel type", func(r *domain.Request) { r.Channel.Type = 0 }, domain.FieldType},
		{"payload", func(r *domain.Request) { r.Channel.Payload = "application/xml" }, domain.FieldPayload},
		{"content", func(r *domain.Request) { r.Channel.Content = 0 }, domain.FieldContent},
		{"host header", func(r *domain.Request) { r.Channel.Headers = []string{"Host: elsewhere"} }, domain.FieldHeader},
		{"header shape", func(r *domain.Request) { r.Channel.Headers = []string{"no colon"} }, domain.FieldHeader},
		{"heartbeat", func(r *domain.Request) { r.Channel.Heartbeat = time.Second }, domain.FieldChannel},
		{"timeout", func(r *domain.Request) { r.Channel.Timeout = 5 * time.Minute }, domain.FieldChannel},
		{"amqp endpoint", func(r *domain.Request) {
			r.Channel.Type, r.Channel.Headers = subscriptionsv1.ChannelType_CHANNEL_TYPE_AMQP, nil
		}, domain.FieldEndpoint},
		{"nats headers", func(r *domain.Request) {
			r.Channel.Type, r.Channel.Endpoint = subscriptionsv1.ChannelType_CHANNEL_TYPE_NATS, ""
		}, domain.FieldHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := request()
			tc.change(&r)
			_, err := domain.Check(r, "sub-1", ours, now, prod)
			var v *errs.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err %v, want a validation error", err)
			}
			if len(v.Violations) != 1 || v.Violations[0].Field != tc.field {
				t.Fatalf("violations %v, want one on %s", v.Violations, tc.field)
			}
		})
	}
}

func TestOnlyTheOwnerDeletesASubscriptionAndToOthersItIsAbsent(t *testing.T) {
	live := domain.Subscription{ID: "sub-1", Owner: ours}
	deleted := live
	deleted.Deleted = true
	for _, tc := range []struct {
		name string
		s    domain.Subscription
		org  string
		ok   bool
	}{
		{"owner", live, ours, true},
		{"stranger", live, theirs, false},
		{"no org", live, "", false},
		{"already deleted", deleted, ours, false},
		{"never created", domain.Initial("sub-1"), ours, false},
	} {
		events, err := domain.DecideDelete(tc.s, tc.org, now)
		if tc.ok != (err == nil) || tc.ok != (len(events) == 1) {
			t.Errorf("%s: %v %v", tc.name, events, err)
		}
		var nf *errs.NotFoundError
		if !tc.ok && !errors.As(err, &nf) {
			t.Errorf("%s: %v is not NotFound", tc.name, err)
		}
	}
}

func TestASubscriberIsToldOnlyAboutReferralsItsOrganisationSentOrHolds(t *testing.T) {
	ownerOrg := domain.Filter{Parameter: ownerParam, System: domain.SystemOrgNumber, Value: ours}
	ownerUnit := domain.Filter{Parameter: ownerParam, System: domain.SystemHERID, Value: herID}
	sender := domain.Filter{Parameter: senderParam, System: domain.SystemOrgNumber, Value: ours}
	sub := func(fs ...domain.Filter) domain.Live {
		return domain.Live{Subscription: domain.Subscription{ID: "s", Owner: ours, Filters: fs}, StartSeq: 10}
	}
	atUs := domain.TaskView{Exists: true, Owner: domain.Unit{HerID: herID, OrgNumber: ours}, Sender: theirs}
	atThem := domain.TaskView{Exists: true, Owner: domain.Unit{HerID: "8100002", OrgNumber: theirs}, Sender: theirs}
	fromUs := domain.TaskView{Exists: true, Owner: domain.Unit{HerID: "8100002", OrgNumber: theirs}, Sender: ours}
	// A unit whose HER-id a subscriber names but that belongs to another organisation.
	ourHerTheirOrg := domain.TaskView{Exists: true, Owner: domain.Unit{HerID: herID, OrgNumber: theirs}, Sender: theirs}
	deleted := sub(ownerOrg)
	deleted.Deleted = true
	for _, tc := range []struct {
		name string
		sub  domain.Live
		c    domain.Change
		want bool
	}{
		{"received here", sub(ownerOrg), domain.Change{Seq: 11, After: atUs}, true},
		{"received elsewhere", sub(ownerOrg), domain.Change{Seq: 11, Before: atThem, After: atThem}, false},
		{"forwarded away tells the unit it left", sub(ownerOrg), domain.Change{Seq: 11, Before: atUs, After: atThem}, true},
		{"after it left", sub(ownerOrg), domain.Change{Seq: 12, Before: atThem, After: atThem}, false},
		{"unit filter", sub(ownerUnit), domain.Change{Seq: 11, Before: atUs, After: atUs}, true},
		{"unit filter on another organisation's unit", sub(ownerUnit), domain.Change{Seq: 11, Before: ourHerTheirOrg, After: ourHerTheirOrg}, false},
		{"sent by us", sub(sender), domain.Change{Seq: 11, After: fromUs}, true},
		{"not sent by us", sub(sender), domain.Change{Seq: 11, After: atUs}, false},
		{"both filters must hold", sub(ownerOrg, sender), domain.Change{Seq: 11, After: atUs}, false},
		{"committed before the subscription", sub(ownerOrg), domain.Change{Seq: 10, After: atUs}, false},
		{"deleted", deleted, domain.Change{Seq: 11, After: atUs}, false},
		{"no filters", sub(), domain.Change{Seq: 11, After: atUs}, false},
	} {
		if got := tc.sub.Concerns(tc.c); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTenMinutesOfFailuresShowErrorAndTheFirstSuccessActiveAgain(t *testing.T) {
	d := domain.NewDelivery()
	if d.Status != domain.StatusRequested {
		t.Fatalf("new: %s", d.Status)
	}
	d = d.Failed(now, "no-response")
	d = d.Failed(now.Add(9*time.Minute), "no-response")
	if d.Status != domain.StatusRequested {
		t.Fatalf("after 9 minutes of failures: %s", d.Status)
	}
	d = d.Failed(now.Add(10*time.Minute), "no-response")
	if d.Status != domain.StatusError || d.LastError != "no-response" {
		t.Fatalf("after 10 minutes of failures: %+v", d)
	}
	d = d.Succeeded(now.Add(11*time.Minute), 7)
	if d.Status != domain.StatusActive || !d.FailingSince.IsZero() || d.DeliveredThrough != 7 {
		t.Fatalf("after a success: %+v", d)
	}
	// A new run of failures counts from its own start.
	d = d.Failed(now.Add(20*time.Minute), "no-response")
	d = d.Failed(now.Add(29*time.Minute), "no-response")
	if d.Status != domain.StatusActive {
		t.Fatalf("9 minutes into a new run: %s", d.Status)
	}
}

func TestHeartbeatsGoOutOnlyForActiveSubscriptionsAfterAQuietPeriod(t *testing.T) {
	d := domain.NewDelivery().Succeeded(now, 1)
	for _, tc := range []struct {
		d      domain.Delivery
		at     time.Time
		period time.Duration
		want   bool
	}{
		{d, now.Add(59 * time.Second), time.Minute, false},
		{d, now.Add(time.Minute), time.Minute, true},
		{d, now.Add(time.Hour), 0, false},
		{domain.NewDelivery(), now.Add(time.Hour), time.Minute, false},
		{d.Failed(now, "x").Failed(now.Add(time.Hour), "x"), now.Add(2 * time.Hour), time.Minute, false},
	} {
		if got := tc.d.HeartbeatDue(tc.at, tc.period); got != tc.want {
			t.Errorf("%+v at %v every %v: %v, want %v", tc.d, tc.at, tc.period, got, tc.want)
		}
	}
}
