package suite_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/telemetry"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// A caller's W3C baggage is never stored: STAFETT_EVENTS denies delete and
// purge, so anything a caller put there could never be erased. The commit
// carries only the trace context the suite itself made.
func TestACallersBaggageIsNeverStored(t *testing.T) {
	tel, err := telemetry.Setup(t.Context(), telemetry.Config{Services: suite.AllServices, Environment: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	env := suitetest.StartConfigured(t, func(o *suite.Options) { o.Telemetry = tel })
	ctx := metadata.AppendToOutgoingContext(env.As(t.Context(), integration(senderOrg)),
		"baggage", "patient=31129998949", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if _, err := client(env).ReceiveReferral(ctx, receiveRequest("bag-1")); err != nil {
		t.Fatal(err)
	}
	records, _, err := env.Suite.Store.Load(t.Context(), eventstore.AllFilter, 0)
	if err != nil || len(records) == 0 {
		t.Fatalf("%d records, %v", len(records), err)
	}
	for _, r := range records {
		for k, v := range r.Header {
			if strings.EqualFold(k, "baggage") || strings.Contains(strings.Join(v, ","), "31129998949") {
				t.Fatalf("commit %d stores the caller's baggage: %s: %v", r.Seq, k, v)
			}
			if strings.EqualFold(k, "traceparent") && strings.Contains(strings.Join(v, ","), "4bf92f3577b34da6a3ce929d0e0e4736") {
				t.Fatalf("commit %d continues the caller's trace instead of the suite's own: %v", r.Seq, v)
			}
		}
	}
}
