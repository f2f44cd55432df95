package stories_test

import (
	"slices"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/telemetry"
	"github.com/stafett/stafett/pkg/telemetry/stories"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

func record(t *testing.T, seq uint64, origin trace.SpanContext, events ...proto.Message) eventstore.Record {
	t.Helper()
	c := &eventsv1.Commit{}
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			t.Fatal(err)
		}
		c.Events = append(c.Events, a)
	}
	h := nats.Header{}
	if tp := telemetry.FormatTraceparent(origin); tp != "" {
		h.Set(eventstore.HeaderOrigin, tp)
	}
	return eventstore.Record{Seq: seq, Commit: c, Header: h}
}

func TestAPatientsStoriesAreTheirReferralsUntilWithdrawnRefusedOrTheirPathwayCompletes(t *testing.T) {
	t.Parallel()
	receipt := func(b byte) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{b}, SpanID: trace.SpanID{b}, TraceFlags: trace.FlagsSampled})
	}
	var ix stories.Index
	for i, id := range []string{"r1", "r2", "r3", "r4"} {
		ix.Apply(record(t, uint64(i+1), receipt(byte(i+1)), &referralv1.ReferralReceived{ReferralId: id, PatientId: "pt_a"}))
	}
	ix.Apply(record(t, 5, trace.SpanContext{}, &referralv1.ReferralReceived{ReferralId: "other", PatientId: "pt_b"}))
	ix.Apply(record(t, 6, trace.SpanContext{}, &referralv1.ReferralWithdrawn{ReferralId: "r1"}))
	ix.Apply(record(t, 7, trace.SpanContext{}, &referralv1.ReferralAssessed{ReferralId: "r2", Outcome: &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{}}}))
	ix.Apply(record(t, 8, trace.SpanContext{}, &referralv1.ReferralAssessed{ReferralId: "r3", Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{}}}))
	ix.Apply(record(t, 9, trace.SpanContext{}, &pathwayv1.PathwayCompleted{ReferralId: "r4"}))

	ids, origins := ix.Open("pt_a")
	if !slices.Equal(ids, []string{"r3"}) || len(origins) != 1 || !origins[0].Equal(receipt(3).WithRemote(true)) {
		t.Errorf("open stories %v %v, want r3 with its receipt", ids, origins)
	}
	if ids, _ := ix.Open("pt_nobody"); len(ids) != 0 {
		t.Errorf("an unknown patient has stories %v", ids)
	}
	if err := ix.WaitApplied(t.Context(), 9); err != nil {
		t.Fatal(err)
	}
}
