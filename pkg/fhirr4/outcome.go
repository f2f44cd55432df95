package fhirr4

import (
	"fmt"
	"net/http"
	"strings"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	oopb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_outcome_go_proto"
)

// IssueCode is an OperationOutcome issue type (http://hl7.org/fhir/issue-type).
type IssueCode string

// The issue types the suite reports.
const (
	IssueInvalid         IssueCode = "invalid"
	IssueStructure       IssueCode = "structure"
	IssueRequired        IssueCode = "required"
	IssueValue           IssueCode = "value"
	IssueBusinessRule    IssueCode = "business-rule"
	IssueDuplicate       IssueCode = "duplicate"
	IssueMultipleMatches IssueCode = "multiple-matches"
	IssueNotFound        IssueCode = "not-found"
	IssueNotSupported    IssueCode = "not-supported"
	IssueConflict        IssueCode = "conflict"
	IssueLogin           IssueCode = "login"
	IssueForbidden       IssueCode = "forbidden"
	IssueTransient       IssueCode = "transient"
	IssueTooCostly       IssueCode = "too-costly"
	IssueProcessing      IssueCode = "processing"
	IssueInformational   IssueCode = "informational"
)

var issueCodes = map[IssueCode]cpb.IssueTypeCode_Value{
	IssueInvalid:         cpb.IssueTypeCode_INVALID,
	IssueStructure:       cpb.IssueTypeCode_STRUCTURE,
	IssueRequired:        cpb.IssueTypeCode_REQUIRED,
	IssueValue:           cpb.IssueTypeCode_VALUE,
	IssueBusinessRule:    cpb.IssueTypeCode_BUSINESS_RULE,
	IssueDuplicate:       cpb.IssueTypeCode_DUPLICATE,
	IssueMultipleMatches: cpb.IssueTypeCode_MULTIPLE_MATCHES,
	IssueNotFound:        cpb.IssueTypeCode_NOT_FOUND,
	IssueNotSupported:    cpb.IssueTypeCode_NOT_SUPPORTED,
	IssueConflict:        cpb.IssueTypeCode_CONFLICT,
	IssueLogin:           cpb.IssueTypeCode_LOGIN,
	IssueForbidden:       cpb.IssueTypeCode_FORBIDDEN,
	IssueTransient:       cpb.IssueTypeCode_TRANSIENT,
	IssueTooCostly:       cpb.IssueTypeCode_TOO_COSTLY,
	IssueProcessing:      cpb.IssueTypeCode_PROCESSING,
	IssueInformational:   cpb.IssueTypeCode_INFORMATIONAL,
}

// Severity is an issue's severity (http://hl7.org/fhir/issue-severity).
type Severity string

// Severities.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

var severities = map[Severity]cpb.IssueSeverityCode_Value{
	SeverityFatal:       cpb.IssueSeverityCode_FATAL,
	SeverityError:       cpb.IssueSeverityCode_ERROR,
	SeverityWarning:     cpb.IssueSeverityCode_WARNING,
	SeverityInformation: cpb.IssueSeverityCode_INFORMATION,
}

// Issue is one OperationOutcome issue.
type Issue struct {
	// Severity defaults to error.
	Severity Severity
	Code     IssueCode
	// Expression is the FHIRPath of the element at fault, for example
	// "ServiceRequest.subject.identifier"; empty when no element is (a
	// missing token, an unknown id).
	Expression string
	// Diagnostics says what is wrong. It must never quote personal data.
	Diagnostics string
}

// Error is a refused request: the HTTP status FHIR uses for it and the
// issues of its OperationOutcome. Build one with NewError and Add.
type Error struct {
	Status int
	Issues []Issue
	// Header holds response headers the answer needs (WWW-Authenticate).
	Header http.Header
}

// NewError starts an error with one issue.
func NewError(status int, code IssueCode, expression, diagnostics string) *Error {
	return (&Error{Status: status}).Add(code, expression, diagnostics)
}

// Add appends an error issue and returns e, so issues chain.
func (e *Error) Add(code IssueCode, expression, diagnostics string) *Error {
	e.Issues = append(e.Issues, Issue{Severity: SeverityError, Code: code, Expression: expression, Diagnostics: diagnostics})
	return e
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = string(is.Code)
		if is.Expression != "" {
			parts[i] += " at " + is.Expression
		}
		if is.Diagnostics != "" {
			parts[i] += ": " + is.Diagnostics
		}
	}
	return fmt.Sprintf("fhir %d: %s", e.Status, strings.Join(parts, "; "))
}

// Outcome is the error as an OperationOutcome.
func (e *Error) Outcome() *oopb.OperationOutcome { return Outcome(e.Issues...) }

// Outcome builds an OperationOutcome from issues.
func Outcome(issues ...Issue) *oopb.OperationOutcome {
	oo := &oopb.OperationOutcome{}
	for _, is := range issues {
		sev := is.Severity
		if sev == "" {
			sev = SeverityError
		}
		issue := &oopb.OperationOutcome_Issue{
			Severity: &oopb.OperationOutcome_Issue_SeverityCode{Value: severities[sev]},
			Code:     &oopb.OperationOutcome_Issue_CodeType{Value: issueCodes[is.Code]},
		}
		if is.Diagnostics != "" {
			issue.Diagnostics = String(is.Diagnostics)
		}
		if is.Expression != "" {
			issue.Expression = []*dpb.String{String(is.Expression)}
		}
		oo.Issue = append(oo.Issue, issue)
	}
	return oo
}
