package suite

import (
	"context"
	"net/url"

	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/subscriptions"
)

func buildSubscriptions(ctx context.Context, s *Suite, d deps) (service, error) {
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		return nil, err
	}
	cfg := subscriptions.Config{
		Store: d.store, JetStream: d.js, Replicas: d.replicas, AccessLog: d.guard, Clock: d.clock, IDs: d.ids,
		Logger: d.logger.With("service", "subscriptions"), Codec: codec, FHIRPath: FHIRBase, FHIRBase: d.fhirBase,
		AllowLoopback: d.feeds.LoopbackRestHooks, AMQPURL: d.feeds.AMQPURL,
		Retry: d.feeds.Retry, Redelivery: d.feeds.Redelivery, Throttle: d.feeds.Throttle,
	}
	if d.telemetry != nil {
		cfg.Tracer, cfg.Propagator = d.telemetry.Tracer("stafett/subscriptions"), d.telemetry
	}
	svc, err := subscriptions.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.Subscriptions = svc
	return svc, nil
}

// publicFHIRBase is the FHIR base notifications refer to: under the public
// URL when one is configured, else the HTTP site's own address, else none
// (relative references).
func publicFHIRBase(public string, site *httpSite) string {
	if public != "" {
		u, err := url.Parse(public)
		if err == nil {
			return u.JoinPath(FHIRBase).String()
		}
	}
	if site == nil {
		return ""
	}
	return "http://" + site.listener.Addr().String() + FHIRBase
}
