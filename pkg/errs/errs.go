// Package errs holds the typed errors domain and application code return.
// It imports nothing from gRPC: one interceptor (pkg/grpcerr) maps these to
// status codes, so the rules never think about transport.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// FieldViolation names one bad field of a request and why it is bad.
type FieldViolation struct {
	// Field is the request field path, e.g. "receiving_unit.org_number".
	Field string
	// Description says what is wrong without echoing personal data.
	Description string
}

// ValidationError is bad input: INVALID_ARGUMENT with every field violation,
// and a machine-readable reason (google.rpc.ErrorInfo) where one helps the
// caller act on it.
type ValidationError struct {
	Violations []FieldViolation
	Conditions []Condition
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Validation collects field violations; Err returns nil when there are none.
type Validation struct{ violations []FieldViolation }

// Add records a violation.
func (v *Validation) Add(field, description string) {
	v.violations = append(v.violations, FieldViolation{Field: field, Description: description})
}

// Check adds a violation when cond is false.
func (v *Validation) Check(cond bool, field, description string) {
	if !cond {
		v.Add(field, description)
	}
}

// Require adds a violation when value is empty.
func (v *Validation) Require(value, field string) {
	if strings.TrimSpace(value) == "" {
		v.Add(field, "is required")
	}
}

// AddErr adds err's message as a violation of field when err is not nil.
func (v *Validation) AddErr(field string, err error) {
	if err != nil {
		v.Add(field, err.Error())
	}
}

// Err is the collected violations as one error, or nil.
func (v *Validation) Err() error {
	if len(v.violations) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.violations}
}

// Invalid is a single-field validation error.
func Invalid(field, description string) error {
	return &ValidationError{Violations: []FieldViolation{{Field: field, Description: description}}}
}

// Domain is the ErrorInfo domain of every reason Stafett gives.
const Domain = "stafett.no"

// ReasonRequestIDReused is the ErrorInfo reason for a request id sent again
// with a different request.
const ReasonRequestIDReused = "REQUEST_ID_REUSED"

// RequestIDReused refuses a request whose idempotency key (field, usually
// request_id) already made something else: the original is named so the
// caller can find it, and nothing new is appended. A silent replay would
// lose the new request (an urgent referral answered as the routine one).
func RequestIDReused(field, originalID string) error {
	return &ValidationError{
		Violations: []FieldViolation{{Field: field, Description: "was already used for a different request"}},
		Conditions: []Condition{{Reason: ReasonRequestIDReused, Domain: Domain, Metadata: map[string]string{"original_id": originalID}}},
	}
}

// Reused reports whether e refuses a reused idempotency key (RequestIDReused):
// the field of the key and the id of what the key made first. Edges other
// than gRPC, which has ErrorInfo for it, answer it in their own terms.
func (e *ValidationError) Reused() (field, originalID string, ok bool) {
	for _, c := range e.Conditions {
		if c.Reason == ReasonRequestIDReused && len(e.Violations) == 1 {
			return e.Violations[0].Field, c.Metadata["original_id"], true
		}
	}
	return "", "", false
}

// NotFoundError means the thing does not exist or the caller may not know it
// does: the two must be indistinguishable (Health Personnel Act §21).
type NotFoundError struct {
	// What names the kind of resource, e.g. "referral".
	What string
}

func (e *NotFoundError) Error() string { return e.What + " not found" }

// NotFound builds the one answer for both "absent" and "denied".
func NotFound(what string) error { return &NotFoundError{What: what} }

// Condition is one unmet precondition, reported as a google.rpc.ErrorInfo.
type Condition struct {
	Reason   string
	Domain   string
	Metadata map[string]string
}

// PreconditionError means the request is valid but the resource is in the
// wrong state for it: FAILED_PRECONDITION.
type PreconditionError struct {
	Message    string
	Conditions []Condition
}

func (e *PreconditionError) Error() string { return e.Message }

// Precondition builds a wrong-state error.
func Precondition(format string, args ...any) error {
	return &PreconditionError{Message: fmt.Sprintf(format, args...)}
}

// ErrUnavailable means a dependency needed for a safe answer could not be
// reached; the answer is refused rather than guessed.
var ErrUnavailable = errors.New("a required service is unavailable")

// Unavailable wraps a cause as ErrUnavailable, keeping the cause for logs.
func Unavailable(what string, cause error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, cause)
}

// ErrPermission means the caller is known but lacks the right to do this to
// something it may know about (e.g. its own data in a role that may not
// change it): PERMISSION_DENIED. Use NotFound instead whenever admitting the
// thing exists would leak.
var ErrPermission = errors.New("permission denied")

// Permission wraps a reason as ErrPermission.
func Permission(reason string) error { return fmt.Errorf("%w: %s", ErrPermission, reason) }
