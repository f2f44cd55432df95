package suite_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/telemetry"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// observed is a whole suite in one process reporting into memory: every
// service's spans in one recorder and each service's metrics in its reader.
type observed struct {
	env     *suitetest.Env
	spans   *tracetest.SpanRecorder
	mu      sync.Mutex
	readers map[string]*sdkmetric.ManualReader
}

func startObserved(t *testing.T) *observed {
	t.Helper()
	o := &observed{spans: tracetest.NewSpanRecorder(), readers: map[string]*sdkmetric.ManualReader{}}
	tel, err := telemetry.Setup(t.Context(), telemetry.Config{
		Services: suite.AllServices, ServiceVersion: "test", Environment: func(string) string { return "" },
		SpanProcessor: o.spans,
		MetricReader: func(service string) sdkmetric.Reader {
			r := sdkmetric.NewManualReader()
			o.mu.Lock()
			o.readers[service] = r
			o.mu.Unlock()
			return r
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	o.env = suitetest.StartConfigured(t, func(opts *suite.Options) { opts.Telemetry = tel })
	return o
}

func serviceOf(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Resource().Attributes() {
		if kv.Key == semconv.ServiceNameKey {
			return kv.Value.AsString()
		}
	}
	return ""
}

// A caller's own trace context: its traceparent, an opaque tracestate and
// baggage that holds the patient's national id.
const (
	callerTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	callerTraceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID      = "00f067aa0ba902b7"
)

func TestCallersBaggageIsNeverStoredAndTheReceiptIsANewTraceLinkedToTheCaller(t *testing.T) {
	o := startObserved(t)
	env := o.env
	ctx := metadata.AppendToOutgoingContext(env.As(t.Context(), integration(senderOrg)),
		"traceparent", callerTraceparent, "tracestate", "engine=opaque", "baggage", "fnr="+patientNID+",name=Kari")
	if _, err := client(env).ReceiveReferral(ctx, receiveRequest("r1")); err != nil {
		t.Fatal(err)
	}
	rec, err := env.Suite.Store.Get(t.Context(), env.LastSeq(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range rec.Header {
		joined := strings.Join(v, ",")
		if strings.EqualFold(k, "baggage") || strings.Contains(joined, patientNID) || strings.Contains(joined, "opaque") || strings.Contains(joined, callerTraceID) {
			t.Errorf("the stored commit keeps the caller's %s: %q", k, joined)
		}
	}
	stored := telemetry.ParseTraceparent(rec.Header.Get("traceparent"))
	if !stored.IsValid() {
		t.Fatalf("no traceparent stored: %v", rec.Header)
	}

	var server sdktrace.ReadOnlySpan
	// Started: the server ends its span after the answer is on the wire.
	for _, s := range o.spans.Started() {
		if s.SpanKind() == trace.SpanKindServer && s.Name() == "stafett.referral.v1.ReferralService/ReceiveReferral" {
			server = s
		}
	}
	if server == nil {
		t.Fatal("no server span for ReceiveReferral")
	}
	if server.Parent().IsValid() || server.SpanContext().TraceID() != stored.TraceID() {
		t.Errorf("receipt span (parent %v) is not the root of the stored commit's trace", server.Parent())
	}
	links := server.Links()
	if len(links) != 1 || links[0].SpanContext.TraceID().String() != callerTraceID || links[0].SpanContext.SpanID().String() != callerSpanID {
		t.Errorf("receipt span links %v, want the caller's span", links)
	}
}

func TestEveryServiceReportsItsOwnServiceNameInOneProcess(t *testing.T) {
	o := startObserved(t)
	env := o.env
	c := client(env)
	r, err := c.ReceiveReferral(env.As(t.Context(), integration(senderOrg)), receiveRequest("r1"))
	if err != nil {
		t.Fatal(err)
	}
	id := r.GetReferral().GetReferralId()
	if _, err := c.AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "a1", ReferralId: id,
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
			CareStartDeadline: "2026-04-30", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id}); err != nil {
		t.Fatal(err)
	}
	pwWaitForProcessManager(t, env, id)

	want := map[string]string{
		"server stafett.referral.v1.ReferralService/GetReferral": "stafett-referral",
		"client stafett.consent.v1.ConsentService/CheckAccess":   "stafett-referral",
		"server stafett.consent.v1.ConsentService/CheckAccess":   "stafett-consent",
		"producer send stafett.audit.{patient_id}":               "stafett-referral",
		"producer send stafett.events.referral.referral.{id}":    "stafett-referral",
		"consumer process stafett.events.referral.referral.{id}": "",
		"producer send stafett.events.pathway.pathway.{id}":      "stafett-pathway",
	}
	seen := map[string]map[string]bool{}
	// Started: a consumer's span ends after its handler has returned, which
	// may be after the watermark the test waited on.
	for _, s := range o.spans.Started() {
		key := s.SpanKind().String() + " " + s.Name()
		if seen[key] == nil {
			seen[key] = map[string]bool{}
		}
		seen[key][serviceOf(s)] = true
		if serviceOf(s) == "stafett" || serviceOf(s) == "" {
			t.Errorf("span %q reported without a service of its own", key)
		}
	}
	for key, service := range want {
		if len(seen[key]) == 0 {
			t.Errorf("no %q span", key)
		}
		if service != "" && !seen[key][service] {
			t.Errorf("%q reported by %v, want %s", key, seen[key], service)
		}
	}
	// Every consumer of referral commits reports under its own service.
	if !seen["consumer process stafett.events.referral.referral.{id}"]["stafett-pathway"] {
		t.Errorf("the pathway process manager's spans are reported by %v", seen["consumer process stafett.events.referral.referral.{id}"])
	}

	received := o.counter(t, "referral", "stafett.referrals.received")
	if len(received) != 1 || received[0].value != 1 || received[0].attrs["stafett.unit.her_id"] != dps.GetHerId() {
		t.Errorf("stafett.referrals.received from stafett-referral = %+v, want 1 at unit %s", received, dps.GetHerId())
	}
	assessed := o.counter(t, "referral", "stafett.referrals.assessed")
	if len(assessed) != 1 || assessed[0].attrs["stafett.assessment.outcome"] != "right_granted" {
		t.Errorf("stafett.referrals.assessed = %+v", assessed)
	}
	if got := o.counter(t, "pathway", "stafett.referrals.received"); len(got) != 0 {
		t.Errorf("the pathway service counts receipts it did not decide: %+v", got)
	}
}

type sample struct {
	value int64
	attrs map[string]string
}

// counter collects service's reader and returns the data points of name.
func (o *observed) counter(t *testing.T, service, name string) []sample {
	t.Helper()
	o.mu.Lock()
	r := o.readers[service]
	o.mu.Unlock()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []sample
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			add := func(v int64, set attribute.Set) {
				s := sample{value: v, attrs: map[string]string{}}
				for _, kv := range set.ToSlice() {
					s.attrs[string(kv.Key)] = kv.Value.Emit()
				}
				out = append(out, s)
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Value, dp.Attributes)
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Value, dp.Attributes)
				}
			}
		}
	}
	return out
}

// storyGraph joins spans by parent and by link, in both directions.
type storyGraph struct {
	spans map[trace.SpanID]sdktrace.ReadOnlySpan
	edges map[trace.SpanID][]trace.SpanID
}

func newStoryGraph(spans []sdktrace.ReadOnlySpan) storyGraph {
	g := storyGraph{spans: map[trace.SpanID]sdktrace.ReadOnlySpan{}, edges: map[trace.SpanID][]trace.SpanID{}}
	join := func(a, b trace.SpanID) {
		g.edges[a] = append(g.edges[a], b)
		g.edges[b] = append(g.edges[b], a)
	}
	for _, s := range spans {
		id := s.SpanContext().SpanID()
		g.spans[id] = s
		if s.Parent().IsValid() {
			join(id, s.Parent().SpanID())
		}
		for _, l := range s.Links() {
			join(id, l.SpanContext.SpanID())
		}
	}
	return g
}

// reach walks from every span of trace through parents and links.
func (g storyGraph) reach(from trace.TraceID) map[trace.SpanID]bool {
	seen := map[trace.SpanID]bool{}
	var queue []trace.SpanID
	for id, s := range g.spans {
		if s.SpanContext().TraceID() == from {
			seen[id] = true
			queue = append(queue, id)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, next := range g.edges[id] {
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return seen
}

// correlated reports whether s carries referral as its story or among its stories.
func correlated(s sdktrace.ReadOnlySpan, referral string) bool {
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case telemetry.CorrelationIDKey:
			if kv.Value.AsString() == referral {
				return true
			}
		case telemetry.CorrelationIDsKey:
			if slices.Contains(kv.Value.AsStringSlice(), referral) {
				return true
			}
		}
	}
	return false
}

func TestOneReferralIsOneStoryFromItsReceiptThroughLinksAndParentsToEverySpanOfItsLife(t *testing.T) {
	o := startObserved(t)
	env := o.env
	// Another patient's referral runs beside it and must stay out of it.
	other := pwGranted(t, env, "story-other", "1985-01-20")
	r := pwGranted(t, env, "story", "1990-05-17")
	referral, pathway := r.GetReferralId(), "pw-"+r.GetReferralId()
	if _, err := pwClient(env).RecordFirstAttendance(env.As(t.Context(), pwStaff()), &pathwayv1.RecordFirstAttendanceRequest{
		RequestId: "first", PathwayId: pathway, AttendedAt: timestamppb.New(env.Clock.Now()),
	}); err != nil {
		t.Fatal(err)
	}
	// The relationship is on the patient's continuity record, not on the
	// referral: it names the patient's open referrals.
	if err := env.Suite.Stories.WaitApplied(t.Context(), env.LastSeq(t.Context())); err != nil {
		t.Fatal(err)
	}
	startTherapist(t, env, r.GetPatientId(), "story-rel", continuityTherapistHPR)

	// Started: each span is complete (attributes, links) once its call has
	// answered, though the server may not have ended it yet.
	var spans []sdktrace.ReadOnlySpan
	for _, s := range o.spans.Started() {
		spans = append(spans, s)
	}
	g := newStoryGraph(spans)
	server := func(method, id string) sdktrace.ReadOnlySpan {
		t.Helper()
		for _, s := range spans {
			if s.SpanKind() == trace.SpanKindServer && s.Name() == method && correlated(s, id) {
				return s
			}
		}
		t.Fatalf("no server span %s carrying %s", method, id)
		return nil
	}
	receipt := server("stafett.referral.v1.ReferralService/ReceiveReferral", referral)
	story := g.reach(receipt.SpanContext().TraceID())

	steps := map[string]sdktrace.ReadOnlySpan{
		"assessment":         server("stafett.referral.v1.ReferralService/AssessReferral", referral),
		"first attendance":   server("stafett.pathway.v1.PathwayService/RecordFirstAttendance", referral),
		"relationship start": server("stafett.continuity.v1.ContinuityService/StartRelationship", referral),
	}
	for _, s := range spans {
		if s.Name() == "send stafett.events.pathway.pathway.{id}" && correlated(s, referral) {
			steps["pathway start"] = s
		}
	}
	if steps["pathway start"] == nil {
		t.Fatal("no span of the pathway's start carries the referral id")
	}
	for step, s := range steps {
		if !story[s.SpanContext().SpanID()] {
			t.Errorf("the %s (%s) cannot be reached from the receipt's trace", step, s.Name())
		}
	}
	// Every span that says it belongs to the referral is in its story, and
	// none of the other referral's is.
	for _, s := range spans {
		if correlated(s, referral) && !story[s.SpanContext().SpanID()] {
			t.Errorf("span %q carries the referral id but is not reachable from its receipt", s.Name())
		}
		if correlated(s, other.GetReferralId()) && !correlated(s, referral) && story[s.SpanContext().SpanID()] {
			t.Errorf("span %q of another patient's referral is in this referral's story", s.Name())
		}
	}
	// Later commands link to the receipt itself, kept in the referral's state.
	for _, step := range []string{"assessment", "first attendance", "relationship start"} {
		if !linksTo(steps[step], receipt) {
			t.Errorf("the %s's span does not link to the receipt's span", step)
		}
	}
}

func linksTo(s, target sdktrace.ReadOnlySpan) bool {
	for _, l := range s.Links() {
		if l.SpanContext.SpanID() == target.SpanContext().SpanID() {
			return true
		}
	}
	return false
}
