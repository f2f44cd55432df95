package authn

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
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
// handler's context. Each refused token is logged to logger with the reason
// (see errors.go), never the token; nil logs nothing.
func UnaryServerInterceptor(v Verifier, p Policy, logger *slog.Logger) grpc.UnaryServerInterceptor {
	g := newGate(v, p, logger)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if isPublic(info.FullMethod) {
			return handler(ctx, req)
		}
		principal, err := g.authorize(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		if err := g.admit(ctx, info.FullMethod, principal, req); err != nil {
			return nil, err
		}
		return handler(NewContext(ctx, principal), req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming calls.
func StreamServerInterceptor(v Verifier, p Policy, logger *slog.Logger) grpc.StreamServerInterceptor {
	g := newGate(v, p, logger)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if isPublic(info.FullMethod) {
			return handler(srv, ss)
		}
		principal, err := g.authorize(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &principalStream{ServerStream: ss, ctx: NewContext(ss.Context(), principal), gate: g, method: info.FullMethod, principal: principal})
	}
}

// principalStream swaps in the context carrying the Principal, since
// ServerStream has no other way to hand a new context to the handler, and
// admits each message the client sends as the unary path admits its request.
type principalStream struct {
	grpc.ServerStream
	ctx       context.Context
	gate      gate
	method    string
	principal Principal
}

func (s *principalStream) Context() context.Context { return s.ctx }

func (s *principalStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.gate.admit(s.ctx, s.method, s.principal, m)
}

// gate is what both interceptors share.
type gate struct {
	verifier Verifier
	policy   Policy
	logger   *slog.Logger
}

func newGate(v Verifier, p Policy, logger *slog.Logger) gate {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return gate{verifier: v, policy: p, logger: logger}
}

// authorize authenticates before looking at the policy, so an unauthenticated
// caller learns nothing about which methods exist or what they require.
func (g gate) authorize(ctx context.Context, method string) (Principal, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	principal, err := Authenticate(ctx, g.verifier, md.Get("authorization"))
	if err != nil {
		return Principal{}, g.refuse(ctx, method, err)
	}
	scope, ok := g.policy[method]
	if !ok || scope == "" {
		return Principal{}, status.Error(codes.PermissionDenied, "method has no access policy")
	}
	if !principal.HasScope(scope) {
		return Principal{}, status.Errorf(codes.PermissionDenied, "requires scope %q", scope)
	}
	return principal, nil
}

// admit refuses a request that names an end user to act for (on_behalf_of)
// unless the caller is the suite's own service. The handlers honour the
// field only for services anyway; refusing it here, for every RPC that has
// it, means no handler can forget to, and a caller trying it learns nothing.
func (g gate) admit(ctx context.Context, method string, p Principal, msg any) error {
	if p.IsService() || !namesOnBehalfOf(msg) {
		return nil
	}
	return g.refuse(ctx, method, ErrOnBehalfOfNotService)
}

// onBehalfOfField is the request field through which a service names the end
// user it records a choice for (stafett.consent.v1).
const onBehalfOfField protoreflect.Name = "on_behalf_of"

func namesOnBehalfOf(msg any) bool {
	m, ok := msg.(proto.Message)
	if !ok {
		return false
	}
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName(onBehalfOfField)
	return fd != nil && r.Has(fd)
}

// refuse logs why a call was refused and returns the status the caller gets.
// The log says why; the caller is told only that it needs a new token.
func (g gate) refuse(ctx context.Context, method string, err error) error {
	switch {
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	case errors.Is(err, ErrKeysUnavailable):
		g.logger.WarnContext(ctx, "cannot verify tokens", "method", method, "error", err)
		return status.Error(codes.Unavailable, "cannot verify tokens right now")
	}
	g.logger.InfoContext(ctx, "token refused", "method", method, "reason", err.Error())
	return unauthenticatedStatus()
}

// unauthenticatedStatus says the same for a missing, malformed, expired or
// forged token: the reason would help an attacker more than a legitimate
// client, whose remedy is always to get a new token.
func unauthenticatedStatus() error {
	return status.Error(codes.Unauthenticated, "missing or invalid bearer token")
}
