package authn

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Claim names. The helseid:// ones are HelseID's own, so a HelseID access
// token verifies without translation; the stafett:// ones are ours.
const (
	ClaimHPRNumber = "helseid://claims/hpr/hpr_number"
	ClaimOrgParent = "helseid://claims/client/claims/orgnr_parent"
	ClaimOrgChild  = "helseid://claims/client/claims/orgnr_child"
	ClaimPID       = "helseid://claims/identity/pid"
	ClaimScope     = "scope"
	ClaimRole      = "stafett://claims/role"
	ClaimService   = "stafett://claims/service"
)

// DevIssuer is the issuer of tokens the suite signs itself; Audience is the
// audience every Stafett token must name.
const (
	DevIssuer = "stafett-dev"
	Audience  = "stafett"
)

// Prefixes of Principal.ProfessionalID (DESIGN.md §5).
const (
	professionalHPR      = "hpr:"
	professionalExternal = "ext:"
)

// tokenClaims is the payload of a Stafett token. Struct tags must match the
// Claim constants above.
type tokenClaims struct {
	jwt.RegisteredClaims
	HPRNumber string    `json:"helseid://claims/hpr/hpr_number,omitempty"`
	OrgParent string    `json:"helseid://claims/client/claims/orgnr_parent,omitempty"`
	OrgChild  string    `json:"helseid://claims/client/claims/orgnr_child,omitempty"`
	PID       string    `json:"helseid://claims/identity/pid,omitempty"`
	Scope     scopeList `json:"scope,omitempty"`
	Role      Role      `json:"stafett://claims/role,omitempty"`
	Service   string    `json:"stafett://claims/service,omitempty"`
}

// scopeList accepts both encodings seen in the wild: RFC 9068's
// space-separated string and HelseID's JSON array.
type scopeList []string

func (s *scopeList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*s = strings.Fields(str)
		return nil
	case len(b) > 0 && b[0] == '[':
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		out := make([]string, 0, len(list))
		for _, v := range list {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		*s = out
		return nil
	}
	return errors.New("scope must be a string or an array of strings")
}

// claimError is a claim rule a token broke. Its text names the rule, never the
// value, so it is safe to return to callers and to log.
type claimError string

func (e claimError) Error() string { return string(e) }

// principalFromClaims applies the rules every token must follow, whoever
// issued it, and builds the Principal. Mint runs it too, so a token this
// package signs is one it would accept.
func principalFromClaims(c *tokenClaims) (Principal, error) {
	if c.Subject == "" {
		return Principal{}, claimError("token has no subject")
	}
	if !c.Role.Valid() {
		return Principal{}, claimError("token has no known role")
	}
	p := Principal{
		Subject: c.Subject,
		Role:    c.Role,
		Scopes:  []string(c.Scope),
	}
	// A service claim on a non-service token is ambiguous about who is
	// calling, and only services may ask the access oracle (CheckAccess).
	if c.Service != "" && c.Role != RoleService {
		return Principal{}, claimError("service claim on a token that is not a service identity")
	}
	switch {
	case c.Role == RolePatient:
		if c.PID == "" {
			return Principal{}, claimError("patient token has no national identity number")
		}
		if !allDigits(c.PID, 11) {
			return Principal{}, claimError("patient token national identity number is not 11 digits")
		}
		// Organisation claims are ignored for patients: an OrgNumber on a
		// patient's principal could satisfy a unit check meant for staff.
		p.PatientNationalID = c.PID
	case c.Role == RoleService:
		if c.Service == "" {
			return Principal{}, claimError("service token has no service claim")
		}
		p.Service = c.Service
	case c.Role.Personnel():
		if c.OrgParent == "" && c.OrgChild == "" {
			return Principal{}, claimError("personnel token has no organisation number")
		}
		// Only the format is checked: the check digit belongs to the ids
		// package, and the issuer is trusted for the value itself. The format
		// check keeps separators out of the ext: id built below.
		for _, org := range []string{c.OrgParent, c.OrgChild} {
			if org != "" && !allDigits(org, 9) {
				return Principal{}, claimError("organisation number is not 9 digits")
			}
		}
		if c.HPRNumber != "" && !allDigits(c.HPRNumber, 0) {
			return Principal{}, claimError("HPR number is not numeric")
		}
		p.HPRNumber = c.HPRNumber
		p.ParentOrgNumber = c.OrgParent
		p.ChildOrgNumber = c.OrgChild
		p.OrgNumber = c.OrgChild
		if p.OrgNumber == "" {
			p.OrgNumber = c.OrgParent
		}
		if p.HPRNumber != "" {
			p.ProfessionalID = professionalHPR + p.HPRNumber
		} else {
			p.ProfessionalID = professionalExternal + p.OrgNumber + ":" + p.Subject
		}
	}
	return p, nil
}

// allDigits reports whether s is ASCII digits only and, when n > 0, exactly n
// of them.
func allDigits(s string, n int) bool {
	if s == "" || (n > 0 && len(s) != n) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
