package suite

import (
	"context"
	"log/slog"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/telemetry"
	"github.com/stafett/stafett/pkg/telemetry/opsmetrics"
	"github.com/stafett/stafett/pkg/telemetry/stories"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// instrumentationScope names the spans and metrics the suite's shared
// packages (event store, access log) emit on a service's behalf.
const instrumentationScope = "github.com/stafett/stafett/pkg/eventstore"

// forService is d as the named service sees it. With telemetry, the store,
// the access log, the guard and the logger report through the service's own
// providers, so its spans, metrics and logs carry its own service.name even
// when every service shares one process, one stream and one connection.
func (d deps) forService(name string, tel *telemetry.Process, stories eventstore.Stories) (deps, error) {
	if tel != nil {
		p := tel.Service(name)
		d.telemetry = p
		counters, err := opsmetrics.New(p.Meter(instrumentationScope))
		if err != nil {
			return deps{}, err
		}
		if d.store, err = d.store.Instrumented(eventstore.Instrumentation{
			Tracer: p.Tracer(instrumentationScope), Meter: p.Meter(instrumentationScope), Propagator: p,
			Committed: counters.Committed, Stories: stories,
		}); err != nil {
			return deps{}, err
		}
		d.audit = d.audit.Instrumented(p.Tracer(instrumentationScope))
		d.logger = slog.New(p.LogHandler(d.logger.Handler()))
	}
	d.guard = access.NewGuard(consentChecker{consentv1.NewConsentServiceClient(d.peers)}, d.audit, d.clock)
	return d, nil
}

// reportStreamDrift logs how streams an operator configured differ from
// what the suite would have created; they were left as they are.
func reportStreamDrift(logger *slog.Logger, drifts []eventstore.Drift) {
	for _, d := range drifts {
		logger.LogAttrs(context.Background(), slog.LevelWarn, "stream kept as configured, which differs from the suite's default",
			slog.String("stream", d.Stream), slog.String("setting", d.Setting), slog.String("have", d.Have), slog.String("want", d.Want))
	}
}

// followStories keeps, for the commands' spans, each patient's open
// referrals and their receipts' spans, from one subscription per process.
func followStories(ctx context.Context, store *eventstore.Store) (*stories.Index, *eventstore.Subscription, error) {
	index := &stories.Index{}
	feed, err := index.Follow(ctx, store)
	if err != nil {
		return nil, nil, err
	}
	return index, feed, nil
}
