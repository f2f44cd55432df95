package grpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/grpcerr"
)

func TestTypedErrorsMapToTheirCodes(t *testing.T) {
	secret := errors.New("nats: connection refused by jetstream node 3")
	tests := []struct {
		name string
		err  error
		code codes.Code
	}{
		{"validation is invalid argument", errs.Invalid("patient_national_id", "must be 11 digits"), codes.InvalidArgument},
		{"wrapped validation is invalid argument", fmt.Errorf("receive: %w", errs.Invalid("x", "y")), codes.InvalidArgument},
		{"not found", errs.NotFound("referral"), codes.NotFound},
		{"wrong state is failed precondition", errs.Precondition("referral is withdrawn"), codes.FailedPrecondition},
		{"conflict after retries is aborted", fmt.Errorf("assess: %w", decider.ErrConflict), codes.Aborted},
		{"unavailable dependency", errs.Unavailable("consent", secret), codes.Unavailable},
		{"permission", errs.Permission("patients cannot assess"), codes.PermissionDenied},
		{"deadline", context.DeadlineExceeded, codes.DeadlineExceeded},
		{"anything else is internal", secret, codes.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := grpcerr.ToStatus(tt.err)
			if st.Code() != tt.code {
				t.Fatalf("code = %v, want %v", st.Code(), tt.code)
			}
			if tt.code == codes.Internal || tt.code == codes.Unavailable {
				if st.Message() == secret.Error() || len(st.Details()) > 0 {
					t.Fatalf("internal detail leaked: %q", st.Message())
				}
			}
		})
	}
}

func TestValidationCarriesEveryFieldViolation(t *testing.T) {
	var v errs.Validation
	v.Require("", "request_id")
	v.Add("receiving_unit.org_number", "check digit does not match")
	st := grpcerr.ToStatus(v.Err())
	if len(st.Details()) != 1 {
		t.Fatalf("details = %v", st.Details())
	}
	br, ok := st.Details()[0].(*errdetails.BadRequest)
	if !ok {
		t.Fatalf("detail is %T, want BadRequest", st.Details()[0])
	}
	got := []string{}
	for _, fv := range br.GetFieldViolations() {
		got = append(got, fv.GetField())
	}
	if len(got) != 2 || got[0] != "request_id" || got[1] != "receiving_unit.org_number" {
		t.Fatalf("fields = %v", got)
	}
}

func TestPreconditionCarriesOneErrorInfoPerCondition(t *testing.T) {
	err := &errs.PreconditionError{Message: "not eligible", Conditions: []errs.Condition{
		{Reason: "UNDER_18", Domain: "stafett.pathway"}, {Reason: "COMPULSORY_CARE", Domain: "stafett.pathway"},
	}}
	st := grpcerr.ToStatus(err)
	var reasons []string
	for _, d := range st.Details() {
		reasons = append(reasons, d.(*errdetails.ErrorInfo).GetReason())
	}
	if len(reasons) != 2 || reasons[0] != "UNDER_18" || reasons[1] != "COMPULSORY_CARE" {
		t.Fatalf("reasons = %v", reasons)
	}
}

func TestDeniedAndAbsentLookTheSame(t *testing.T) {
	a, b := grpcerr.ToStatus(errs.NotFound("referral")), grpcerr.ToStatus(fmt.Errorf("denied: %w", errs.NotFound("referral")))
	if a.Code() != b.Code() || a.Message() != b.Message() {
		t.Fatalf("%v vs %v", a, b)
	}
}
