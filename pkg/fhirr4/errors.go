package fhirr4

import (
	"context"
	"errors"
	"net/http"

	"github.com/stafett/stafett/pkg/errs"
)

// FromError is the FHIR answer to an application error (pkg/errs), the
// HTTP counterpart of pkg/grpcerr. expression maps a field of the command
// (errs.FieldViolation.Field) to the FHIRPath of the element it was read
// from; a field it does not know keeps no expression.
//
// Validation fails with 422 (the resource parsed but breaks a rule), a
// resource the caller may not see or that does not exist with 404, a wrong
// state or a lost race with 409, a dependency that cannot answer with 503.
// Anything else is the server's fault: 500, with nothing of its text.
func FromError(err error, expression func(field string) string) *Error {
	if err == nil {
		return nil
	}
	var (
		e   *Error
		ve  *errs.ValidationError
		nf  *errs.NotFoundError
		pre *errs.PreconditionError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &ve):
		out := &Error{Status: http.StatusUnprocessableEntity}
		for _, v := range ve.Violations {
			expr := ""
			if expression != nil {
				expr = expression(v.Field)
			}
			out.Add(IssueInvalid, expr, v.Field+" "+v.Description)
		}
		return out
	case errors.As(err, &nf):
		return NewError(http.StatusNotFound, IssueNotFound, "", nf.Error())
	case errors.As(err, &pre):
		return NewError(http.StatusConflict, IssueConflict, "", pre.Message)
	case errors.Is(err, errs.ErrConflict):
		return NewError(http.StatusConflict, IssueConflict, "", "the resource kept changing; retry")
	case errors.Is(err, errs.ErrPermission):
		return NewError(http.StatusForbidden, IssueForbidden, "", "not allowed")
	case errors.Is(err, errs.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return NewError(http.StatusServiceUnavailable, IssueTransient, "", "a service this answer needs is unavailable; retry")
	}
	return NewError(http.StatusInternalServerError, IssueProcessing, "", "the request could not be processed")
}
