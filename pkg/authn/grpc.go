package authn

import (
	"context"
	"errors"
	"maps"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Policy maps a full gRPC method name ("/stafett.referral.v1.ReferralService/GetReferral")
// to the scope a caller needs for it ("referral:read"). A method missing from
// the policy, or mapped to "", is denied to everyone: forgetting to protect a
// new RPC must not leave it open.
type Policy map[string]string

// Merge returns a new policy holding both. Each service owns its own method
// names, so a method can only appear twice by mistake; if the two entries
// disagree the method is denied (mapped to "") rather than either scope
// silently winning.
func (p Policy) Merge(other Policy) Policy {
	out := make(Policy, len(p)+len(other))
	maps.Copy(out, p)
	for m, s := range other {
		if prev, ok := out[m]; ok && prev != s {
			s = ""
		}
		out[m] = s
	}
	return out
}

// isPublic reports the services any caller may use without a token: load
// balancers and orchestrators probe health without credentials, and
// reflection only describes the API, which is public anyway.
func isPublic(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.v1.ServerReflection/") ||
		strings.HasPrefix(method, "/grpc.reflection.v1alpha.ServerReflection/")
}

// UnaryServerInterceptor authenticates every unary call except health and
// reflection, checks the scope p requires, and puts the Principal in the
// handler's context.
func UnaryServerInterceptor(v Verifier, p Policy) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if isPublic(info.FullMethod) {
			return handler(ctx, req)
		}
		ctx, err := authorize(ctx, v, p, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(v Verifier, p Policy) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if isPublic(info.FullMethod) {
			return handler(srv, ss)
		}
		ctx, err := authorize(ss.Context(), v, p, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
	}
}

// principalStream swaps in the context carrying the Principal; ServerStream
// has no other way to hand a new context to the handler.
type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }

// authorize authenticates before looking at the policy, so an unauthenticated
// caller learns nothing about which methods exist or what they require.
func authorize(ctx context.Context, v Verifier, p Policy, method string) (context.Context, error) {
	raw, ok := bearerToken(ctx)
	if !ok {
		return nil, unauthenticatedStatus()
	}
	principal, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, verifyStatus(ctx, err)
	}
	scope, ok := p[method]
	if !ok || scope == "" {
		return nil, status.Error(codes.PermissionDenied, "method has no access policy")
	}
	if !principal.HasScope(scope) {
		return nil, status.Errorf(codes.PermissionDenied, "requires scope %q", scope)
	}
	return NewContext(ctx, principal), nil
}

// unauthenticatedStatus says the same for a missing, malformed, expired or
// forged token: the reason would help an attacker more than a legitimate
// client, whose remedy is always to get a new token.
func unauthenticatedStatus() error {
	return status.Error(codes.Unauthenticated, "missing or invalid bearer token")
}

func verifyStatus(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	case errors.Is(err, ErrKeysUnavailable):
		return status.Error(codes.Unavailable, "cannot verify tokens right now")
	}
	return unauthenticatedStatus()
}

// bearerToken reads the single authorization header. More than one is
// refused: which one a proxy or a service honours would be a guess.
func bearerToken(ctx context.Context) (string, bool) {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return "", false
	}
	return BearerFromHeader(md.Get("authorization"))
}
