package subscriptions_test

// Component-test fixtures: a real embedded JetStream with the real event
// store, access log, outbox and buckets; the real FHIR router over HTTP; a
// real rest-hook receiver on loopback; a fake clock for deadlines and the
// ten-minute error rule; short backoffs so retries take milliseconds.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/eventstore/eventstoretest"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/subscriptions"
	"github.com/stafett/stafett/services/subscriptions/subscriptionstest"
)

const (
	// dpsOrg receives referrals at its unit dpsHer; gpOrg sends them;
	// otherOrg is a stranger to both.
	dpsOrg   = "983974899"
	dpsHer   = "8100001"
	gpOrg    = "974600951"
	otherOrg = "923456783"
	otherHer = "8100009"
)

type env struct {
	t      *testing.T
	js     jetstream.JetStream
	store  *eventstore.Store
	audit  *audit.Log
	clock  *clock.Fake
	codec  *fhirr4.Codec
	signer *authn.Signer
	fhir   *httptest.Server
	// patient is the test patient's pseudonym and nationalID their number.
	patient    string
	nationalID string
	amqpURL    string
	resolver   subscriptions.Resolver

	mu      sync.Mutex
	svc     *subscriptions.Service
	handler http.Handler
	stop    func()
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with a change to the environment before the service
// starts.
func newEnvWith(t *testing.T, configure func(*env)) *env {
	t.Helper()
	store, nc := eventstoretest.Open(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(t.Context(), js, 1)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := authn.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	pseudonyms, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	nid, err := ids.ParseNationalID("31129998949")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, js: js, store: store, audit: log, codec: codec, signer: signer,
		// Tuesday 3 March 2026, 10:00 in Oslo.
		clock:   clock.NewFake(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)),
		patient: pseudonyms.PatientID(nid), nationalID: nid.String(),
	}
	e.fhir = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		h := e.handler
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.fhir.Close)
	if configure != nil {
		configure(e)
	}
	e.start()
	return e
}

// start builds the service afresh, as a restarted process would, and runs it.
func (e *env) start() *subscriptions.Service {
	e.t.Helper()
	svc, err := subscriptions.New(e.t.Context(), subscriptions.Config{
		Store: e.store, JetStream: e.js, Replicas: 1,
		AccessLog: access.NewGuard(nil, e.audit, e.clock), Clock: e.clock, IDs: idgen.NewULIDs(),
		Codec: e.codec, AllowLoopback: true, AMQPURL: e.amqpURL, Resolver: e.resolver,
		Retry:      subscriptions.Retry{Attempts: 2, Initial: time.Millisecond, Max: 2 * time.Millisecond},
		Redelivery: subscriptions.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond},
		Throttle:   1000, HeartbeatCheck: time.Hour,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	router, err := fhirr4.NewRouter(fhirr4.Config{
		Base: "/fhir/R4", Codec: e.codec, Verifier: e.signer.Verifier(e.clock.Now), Resources: svc.FHIRResources(),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("service stopped: %v", err)
		}
	}
	e.mu.Lock()
	e.svc, e.handler, e.stop = svc, router, stop
	e.mu.Unlock()
	e.t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.stop != nil {
			e.stop()
			e.stop = nil
		}
	})
	return svc
}

// restart stops the running service and starts a new one on the same stream.
func (e *env) restart() *subscriptions.Service {
	e.t.Helper()
	e.stopService()
	return e.start()
}

// stopService stops the running service, as a process that ends would.
func (e *env) stopService() {
	e.t.Helper()
	e.mu.Lock()
	stop := e.stop
	e.stop = nil
	e.mu.Unlock()
	stop()
}

// skipInFanout acknowledges the commit at seq on the fan-out's consumer
// while no service runs, as the poison queue does with a commit it parks.
func (e *env) skipInFanout(seq uint64) {
	e.t.Helper()
	cons, err := e.js.Consumer(e.t.Context(), eventstore.StreamName, "subscriptions-fanout")
	if err != nil {
		e.t.Fatal(err)
	}
	for {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			e.t.Fatal(err)
		}
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				e.t.Fatal(err)
			}
			if md.Sequence.Stream > seq {
				e.t.Fatalf("the fan-out's consumer is past %d", seq)
			}
			if err := m.DoubleAck(e.t.Context()); err != nil {
				e.t.Fatal(err)
			}
			if md.Sequence.Stream == seq {
				return
			}
		}
		if batch.Error() != nil {
			e.t.Fatal(batch.Error())
		}
	}
}

// poisonEntry leaves a poison-queue entry for the commit at seq.
func (e *env) poisonEntry(seq uint64) {
	e.t.Helper()
	rec, err := e.store.Get(e.t.Context(), seq)
	if err != nil {
		e.t.Fatal(err)
	}
	msg := nats.NewMsg("stafett.poison.subscriptions")
	msg.Header.Set("Stafett-Stream", eventstore.StreamName)
	msg.Header.Set("Stafett-Stream-Seq", strconv.FormatUint(seq, 10))
	msg.Header.Set("Stafett-Subject", rec.Subject)
	msg.Header.Set("reason_poisoned", "a test put it here")
	if _, err := e.js.PublishMsg(e.t.Context(), msg); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) service() *subscriptions.Service {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.svc
}

// token is an integration engine's token for org.
func (e *env) token(org string, ttl time.Duration) string {
	e.t.Helper()
	raw, err := e.signer.Mint(authn.TokenSpec{
		Subject: "engine-" + org, ParentOrgNumber: org, Role: authn.RoleIntegration,
		Scopes: []string{"subscriptions:read", "subscriptions:write"},
	}, e.clock.Now(), ttl)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// call makes a FHIR request and returns the status and body.
func (e *env) call(method, path, token string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.fhir.URL+"/fhir/R4/"+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, out
}

// subscribe posts a Subscription for org and returns its id.
func (e *env) subscribe(org string, spec subscriptionstest.Spec) string {
	e.t.Helper()
	code, body := e.call(http.MethodPost, "Subscription", e.token(org, time.Hour), spec.JSON())
	if code != http.StatusCreated {
		e.t.Fatalf("create subscription: %d %s", code, body)
	}
	var res struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		e.t.Fatal(err)
	}
	if res.Status != "requested" {
		e.t.Fatalf("a new subscription is %q", res.Status)
	}
	return res.ID
}

// handshake waits for the subscription's handshake at r.
func (e *env) handshake(r *subscriptionstest.Receiver) {
	e.t.Helper()
	got, err := r.Wait(e.t.Context(), 1)
	if err != nil {
		e.t.Fatal(err)
	}
	if got[0].Type != "handshake" || got[0].Status != "requested" {
		e.t.Fatalf("first notification %+v, want the handshake", got[0])
	}
}

// appendCommit appends a commit to an aggregate as its service would.
func (e *env) appendCommit(aggregate, id string, events ...proto.Message) uint64 {
	e.t.Helper()
	subject := eventstore.Subject(aggregate, aggregate, id)
	last, err := e.store.LastSubjectSeq(e.t.Context(), subject)
	if err != nil {
		e.t.Fatal(err)
	}
	recs, _, err := e.store.Load(e.t.Context(), subject, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var anys []*anypb.Any
	for _, ev := range events {
		a, err := anypb.New(ev)
		if err != nil {
			e.t.Fatal(err)
		}
		anys = append(anys, a)
	}
	commitID := idgen.NewULIDs().New(e.clock.Now())
	res, err := e.store.Append(e.t.Context(), eventstore.Append{Subject: subject, ExpectedSeq: last, Commit: &eventsv1.Commit{
		CommitId: commitID, AggregateType: aggregate, AggregateId: id, AggregateVersion: uint64(len(recs) + 1),
		CorrelationId: "corr-" + id, OccurredAt: timestamppb.New(e.clock.Now()), PatientId: e.patient, Events: anys,
		Actor: &eventsv1.Actor{OrgNumber: dpsOrg, Role: "assessor"},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Seq
}

// receive is a referral from gpOrg arriving at unit (her, org).
func (e *env) receive(referralID, her, org string) uint64 {
	e.t.Helper()
	return e.appendCommit("referral", referralID, &referralv1.ReferralReceived{
		ReferralId: referralID, PatientId: e.patient, PatientNationalId: e.nationalID, PatientBirthDate: "1999-12-31",
		ExternalId: "urn:oid:2.16.578.1.12.4.1.4.101.1|" + referralID, ReferrerHpr: "hpr:1234567", ReferrerOrgNumber: gpOrg,
		ReceivingUnit: &eventsv1.UnitRef{HerId: her, OrgNumber: org}, Reason: "a reason", Urgency: referralv1.Urgency_URGENCY_ROUTINE,
		ReceivedAt: timestamppb.New(e.clock.Now()), AssessmentDue: "2026-03-17", SenderOrgNumber: gpOrg,
	})
}

func (e *env) assess(referralID string) uint64 {
	e.t.Helper()
	return e.appendCommit("referral", referralID, &referralv1.ReferralAssessed{
		ReferralId: referralID, PatientId: e.patient, ReceivingUnit: &eventsv1.UnitRef{HerId: dpsHer, OrgNumber: dpsOrg},
		AssessedBy: "hpr:555", AssessedAt: timestamppb.New(e.clock.Now()), PatientBirthDate: "1999-12-31",
		Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	})
}

func (e *env) requestInformation(referralID string) uint64 {
	e.t.Helper()
	return e.appendCommit("referral", referralID, &referralv1.InformationRequested{
		ReferralId: referralID, RequestedBy: "hpr:555", What: "more", RequestedAt: timestamppb.New(e.clock.Now()),
	})
}

func (e *env) forward(referralID, toHer, toOrg string) uint64 {
	e.t.Helper()
	return e.appendCommit("referral", referralID, &referralv1.ReferralForwarded{
		ReferralId: referralID, FromUnit: &eventsv1.UnitRef{HerId: dpsHer, OrgNumber: dpsOrg},
		ToUnit: &eventsv1.UnitRef{HerId: toHer, OrgNumber: toOrg}, Reason: "r", ForwardedBy: "hpr:555",
		ForwardedAt: timestamppb.New(e.clock.Now()),
	})
}

// startPathway and attend are the pathway commits that move the Task on.
func (e *env) startPathway(referralID string) string {
	e.t.Helper()
	id := "pw-" + referralID
	e.appendCommit("pathway", id, &pathwayv1.PathwayStarted{
		PathwayId: id, ReferralId: referralID, PatientId: e.patient, PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		Unit: &eventsv1.UnitRef{HerId: dpsHer, OrgNumber: dpsOrg}, StartedOn: "2026-03-03", StartedAt: timestamppb.New(e.clock.Now()),
	})
	return id
}

func (e *env) attend(pathwayID string) uint64 {
	e.t.Helper()
	return e.appendCommit("pathway", pathwayID, &pathwayv1.FirstAttendanceRecorded{
		PathwayId: pathwayID, AttendedAt: timestamppb.New(e.clock.Now()), AttendedOn: "2026-03-10", RecordedBy: "hpr:555",
	})
}

// accessLog is the patient's access-log entries written by the subscriptions service.
func (e *env) accessLog() int {
	e.t.Helper()
	entries, _, err := e.audit.List(e.t.Context(), e.patient, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if en.Entry.GetService() == "subscriptions" {
			n++
		}
	}
	return n
}

// events is the numbers and foci of notifications' events, in order.
func events(ns []subscriptionstest.Notification) []string {
	var out []string
	for _, n := range ns {
		for _, ev := range n.Events {
			out = append(out, strings.TrimPrefix(ev.Focus, "Task/")+"#"+strconv.FormatUint(ev.Number, 10))
		}
	}
	return out
}

func contains(body []byte, s string) bool { return strings.Contains(string(body), s) }

func sprintf(format, id string) string { return strings.Replace(format, "%s", id, 1) }
