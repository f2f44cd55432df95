package authn

import (
	"context"
	"time"
)

// SuiteCaller returns a check of whether an incoming gRPC call carries the
// suite's own service identity: a bearer token that own (the verifier of the
// suite's service key) accepts and that claims the service role. Tracing
// uses it to let calls between the suite's services continue the caller's
// trace while every other call starts its own (see telemetry.TrustInternalCalls).
// Successful checks are cached, so a service's reused token is verified once.
func SuiteCaller(own Verifier) func(ctx context.Context) bool {
	cached := NewCachingVerifier(own, time.Now, 0)
	return func(ctx context.Context) bool {
		raw, err := bearerToken(ctx)
		if err != nil {
			return false
		}
		p, err := cached.Verify(ctx, raw)
		return err == nil && p.IsService()
	}
}
