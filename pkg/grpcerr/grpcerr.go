// Package grpcerr is the one place typed errors become gRPC statuses. Every
// service installs its interceptors, so handlers just return errors.
package grpcerr

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
)

// ToStatus maps an error to the status a client sees. Internal details never
// leave: anything unrecognised becomes a bare INTERNAL.
func ToStatus(err error) *status.Status {
	if err == nil {
		return status.New(codes.OK, "")
	}
	if s, ok := status.FromError(err); ok {
		return s
	}
	var (
		invalid  *errs.ValidationError
		notFound *errs.NotFoundError
		precond  *errs.PreconditionError
	)
	switch {
	case errors.As(err, &invalid):
		br := &errdetails.BadRequest{}
		for _, v := range invalid.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		st := withDetails(status.New(codes.InvalidArgument, invalid.Error()), br)
		for _, c := range invalid.Conditions {
			st = withDetails(st, &errdetails.ErrorInfo{Reason: c.Reason, Domain: c.Domain, Metadata: c.Metadata})
		}
		return st
	case errors.As(err, &notFound):
		return status.New(codes.NotFound, notFound.Error())
	case errors.As(err, &precond):
		st := status.New(codes.FailedPrecondition, precond.Message)
		for _, c := range precond.Conditions {
			st = withDetails(st, &errdetails.ErrorInfo{Reason: c.Reason, Domain: c.Domain, Metadata: c.Metadata})
		}
		return st
	case errors.Is(err, errs.ErrPermission):
		return status.New(codes.PermissionDenied, "permission denied")
	case errors.Is(err, decider.ErrConflict):
		return status.New(codes.Aborted, "the resource changed concurrently; retry")
	case errors.Is(err, errs.ErrUnavailable):
		return status.New(codes.Unavailable, "a required service is unavailable; retry")
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "canceled")
	default:
		return status.New(codes.Internal, "internal error")
	}
}

func withDetails(st *status.Status, detail protoadapt.MessageV1) *status.Status {
	if detailed, err := st.WithDetails(detail); err == nil {
		return detailed
	}
	return st
}

// UnaryServerInterceptor refuses requests that did not decode (see
// ServerCodec), maps handler errors and logs the ones that are the server's
// fault (with the trace id, never the request).
func UnaryServerInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if malformed(req) {
			return nil, errMalformed()
		}
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, convert(ctx, logger, info.FullMethod, err)
		}
		return resp, nil
	}
}

// StreamServerInterceptor does the same for streaming RPCs.
func StreamServerInterceptor(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, markedStream{ss}); err != nil {
			return convert(ss.Context(), logger, info.FullMethod, err)
		}
		return nil
	}
}

func convert(ctx context.Context, logger *slog.Logger, method string, err error) error {
	st := ToStatus(err)
	switch st.Code() {
	case codes.Internal, codes.Unavailable, codes.Unknown:
		logger.ErrorContext(ctx, "request failed", "method", method, "code", st.Code().String(), "error", err)
	}
	return st.Err()
}
