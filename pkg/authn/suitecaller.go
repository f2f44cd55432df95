package authn

import (
	"context"
	"net/http"
	"time"

	"google.golang.org/grpc/metadata"
)

// SuiteCaller returns a check of whether an incoming gRPC call carries the
// suite's own service identity: a bearer token that own (the verifier of the
// suite's service key) accepts and that claims the service role. Tracing
// uses it to let calls between the suite's services continue the caller's
// trace while every other call starts its own (see telemetry.TrustInternalCalls).
// Successful checks are cached, so a service's reused token is verified once.
func SuiteCaller(own Verifier) func(ctx context.Context) bool {
	isSuite := suiteToken(own)
	return func(ctx context.Context) bool {
		md, _ := metadata.FromIncomingContext(ctx)
		return isSuite(ctx, md.Get("authorization"))
	}
}

// SuiteRequest is SuiteCaller for HTTP edges.
func SuiteRequest(own Verifier) func(r *http.Request) bool {
	isSuite := suiteToken(own)
	return func(r *http.Request) bool {
		return isSuite(r.Context(), r.Header.Values("Authorization"))
	}
}

func suiteToken(own Verifier) func(ctx context.Context, header []string) bool {
	cached := NewCachingVerifier(own, time.Now, 0)
	return func(ctx context.Context, header []string) bool {
		raw, err := BearerFromHeader(header)
		if err != nil {
			return false
		}
		p, err := cached.Verify(ctx, raw)
		return err == nil && p.IsService()
	}
}
