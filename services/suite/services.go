package suite

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/audit"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/pkg/telemetry"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/pathway"
)

// deps is what every service builder may use.
type deps struct {
	store            *eventstore.Store
	audit            *audit.Log
	guard            *access.Guard
	clock            clock.Clock
	ids              idgen.Generator
	pseudonyms       *ids.Pseudonymizer
	zone             *time.Location
	logger           *slog.Logger
	deadlineInterval time.Duration
	// peers reaches the other services over gRPC with the suite's own
	// service identity.
	peers *grpc.ClientConn
	// watchRecheck is how often journey watches re-check access.
	watchRecheck time.Duration
	// pathwayTargets override the pathway service's default milestone targets.
	pathwayTargets map[eventsv1.PathwayType]pathway.Targets
	// js and replicas hold read views' checkpoint buckets and the
	// routers' durable consumers.
	js       jetstream.JetStream
	replicas int
	// telemetry, if set, traces the routers' handling of commits.
	telemetry *telemetry.Providers
	// feeds and fhirBase configure the subscriptions service.
	feeds    FeedOptions
	fhirBase string
}

// builder builds one service and records it on the suite.
type builder func(ctx context.Context, s *Suite, d deps) (service, error)

// builders maps service names to their builders; one file per service.
func builders() map[string]builder {
	return map[string]builder{
		"consent":       buildConsent,
		"referral":      buildReferral,
		"pathway":       buildPathway,
		"continuity":    buildContinuity,
		"handoffs":      buildHandoffs,
		"subscriptions": buildSubscriptions,
	}
}

// serviceScopes are what the suite's own identity may do when one service
// calls another: check access, read legal status, and record in the consent
// service a choice the patient made in another service. Every such write
// names the end user it is for and passes the same rules as if they had
// made it there themselves.
var serviceScopes = []string{"consent:check", "consent:read", "consent:write"}

// dialPeer connects to the services this suite calls, authenticating as
// the suite itself. Transport security between services is the mesh's job
// (see deploy/); the token says who is calling.
func dialPeer(addr string, opts Options) (*grpc.ClientConn, error) {
	dialOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(authn.ServiceCredentials(opts.Signer, "stafett-suite", serviceScopes, time.Now)),
	}
	if opts.Telemetry != nil {
		dialOpts = append(dialOpts, grpc.WithStatsHandler(opts.Telemetry.ClientStatsHandler()))
	}
	cc, err := grpc.NewClient(addr, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("suite: dial %s: %w", addr, err)
	}
	return cc, nil
}

// consentChecker adapts the generated client to the access guard.
type consentChecker struct {
	client consentv1.ConsentServiceClient
}

func (c consentChecker) CheckAccess(ctx context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	return c.client.CheckAccess(ctx, req)
}

func (c consentChecker) BatchCheckAccess(ctx context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	return c.client.BatchCheckAccess(ctx, req)
}
