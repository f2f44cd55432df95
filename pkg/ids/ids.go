// Package ids parses and validates the Norwegian identifiers Stafett meets at
// its edges — national identity numbers, organisation numbers, HPR numbers and
// professional ids — and turns national identity numbers into the keyed
// pseudonyms used everywhere inside the suite.
//
// Validation errors never contain the rejected input: a national identity
// number is personal data even when it is malformed (a typo is usually one
// digit away from a real person), and errors end up in logs and traces.
package ids

import "errors"

// ErrInvalid matches, via errors.Is, every validation failure this package
// reports, so callers can map all of them to INVALID_ARGUMENT in one place.
var ErrInvalid = errors.New("invalid identifier")

// Kinds of identifier named in InvalidError.Kind.
const (
	KindNationalID     = "national identity number"
	KindOrgNumber      = "organisation number"
	KindHPRNumber      = "HPR number"
	KindProfessionalID = "professional id"
)

// InvalidError says which kind of identifier was rejected and why, in words a
// caller can put into a google.rpc.BadRequest field violation as they are.
// It deliberately has no field for the input value.
type InvalidError struct {
	Kind   string // one of the Kind constants
	Reason string // human text, e.g. "first check digit does not match"
}

func (e *InvalidError) Error() string { return "invalid " + e.Kind + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) hold for every *InvalidError.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(kind, reason string) error { return &InvalidError{Kind: kind, Reason: reason} }

// FHIR identifier systems from the Norwegian base profiles (no-basis), for
// the adapter that will expose these identities as FHIR Identifier values.
const (
	FHIRSystemFodselsnummer = "urn:oid:2.16.578.1.12.4.1.4.1"
	FHIRSystemDNumber       = "urn:oid:2.16.578.1.12.4.1.4.2"
	FHIRSystemHPR           = "urn:oid:2.16.578.1.12.4.1.4.4"
	FHIRSystemOrgNumber     = "urn:oid:2.16.578.1.12.4.1.4.101"
)

// allDigits reports whether s is non-empty ASCII 0–9 only; strconv would
// accept signs and unicode.IsDigit would accept non-ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// mod11 returns the check digit for digits under weights, or -1 when the
// remainder leaves 10, which no single digit can represent; such digit
// sequences are simply never issued.
func mod11(digits string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	c := 11 - sum%11
	switch c {
	case 11:
		return 0
	case 10:
		return -1
	}
	return c
}

// Reason is the safe description of an identifier validation error for a
// field violation: an *InvalidError's reason, which never contains the
// rejected value, and a generic text for any other error.
func Reason(err error) string {
	if ie, ok := err.(*InvalidError); ok {
		return ie.Reason
	}
	return "is not valid"
}
