package suite

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// serviceNames records the gRPC service names a service registers, so that
// health can answer for each of them ("stafett.referral.v1.ReferralService").
type serviceNames struct {
	grpc.ServiceRegistrar
	names []string
}

func (r *serviceNames) RegisterService(desc *grpc.ServiceDesc, impl any) {
	r.names = append(r.names, desc.ServiceName)
	r.ServiceRegistrar.RegisterService(desc, impl)
}

// newHealth starts every service name, and the overall "", as NOT_SERVING
// until markServing: a probe must not pass before the port serves.
func newHealth(names []string) *health.Server {
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	for _, name := range names {
		h.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	return h
}

// markServing reports each service SERVING — each has replayed its write
// model or views by the time it is built — and then the suite as a whole.
// health.Server.Shutdown turns them all NOT_SERVING again.
func markServing(h *health.Server, names []string) {
	for _, name := range names {
		h.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
}
