package fhirr4_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
)

// TestApplicationErrorsGetTheStatusFHIRGivesThem is the table pkg/grpcerr
// has for gRPC: each typed error's HTTP status and issue, the element it
// names, and nothing of an unknown error's text.
func TestApplicationErrorsGetTheStatusFHIRGivesThem(t *testing.T) {
	paths := map[string]string{"request_id": "ServiceRequest.identifier", "external_id": "ServiceRequest.identifier", "reason": "ServiceRequest.reasonCode"}
	expression := func(field string) string { return paths[field] }
	tests := []struct {
		name       string
		err        error
		status     int
		code       fhirr4.IssueCode
		expression string
	}{
		{"a field violation", errs.Invalid("reason", "is required"), http.StatusUnprocessableEntity, fhirr4.IssueInvalid, "ServiceRequest.reasonCode"},
		{"a request id reused", errs.RequestIDReused("request_id", "01J"), http.StatusUnprocessableEntity, fhirr4.IssueDuplicate, "ServiceRequest.identifier"},
		{"an external id reused", fmt.Errorf("receive: %w", errs.RequestIDReused("external_id", "01J")), http.StatusUnprocessableEntity, fhirr4.IssueDuplicate, "ServiceRequest.identifier"},
		{"absent or denied", errs.NotFound("referral"), http.StatusNotFound, fhirr4.IssueNotFound, ""},
		{"a wrong state", errs.Precondition("already assessed"), http.StatusConflict, fhirr4.IssueConflict, ""},
		{"a race lost too often", fmt.Errorf("append: %w", decider.ErrConflict), http.StatusConflict, fhirr4.IssueConflict, ""},
		{"a dependency down", errs.Unavailable("consent", errors.New("dial")), http.StatusServiceUnavailable, fhirr4.IssueTransient, ""},
		{"a deadline", context.DeadlineExceeded, http.StatusServiceUnavailable, fhirr4.IssueTransient, ""},
		{"anything else", errors.New("secret internals"), http.StatusInternalServerError, fhirr4.IssueProcessing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fhirr4.FromError(tt.err, expression)
			if got.Status != tt.status || len(got.Issues) != 1 || got.Issues[0].Code != tt.code {
				t.Fatalf("%d %+v, want %d %s", got.Status, got.Issues, tt.status, tt.code)
			}
			if got.Issues[0].Expression != tt.expression {
				t.Fatalf("expression %q, want %q", got.Issues[0].Expression, tt.expression)
			}
			if strings.Contains(got.Issues[0].Diagnostics, "secret") {
				t.Fatalf("internal text leaked: %q", got.Issues[0].Diagnostics)
			}
		})
	}
}
