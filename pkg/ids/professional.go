package ids

import (
	"errors"
	"strings"
)

// ParseHPRNumber accepts a Health Personnel Register number: 1 to 9 ASCII
// digits, without sign or leading zero. Leading zeros are refused rather than
// stripped because "hpr:0123" and "hpr:123" would otherwise be two spellings
// of one person, and ids are compared as strings in access rules.
func ParseHPRNumber(s string) (string, error) {
	if len(s) < 1 || len(s) > 9 || !allDigits(s) {
		return "", invalid(KindHPRNumber, "must be 1 to 9 digits")
	}
	if s[0] == '0' {
		return "", invalid(KindHPRNumber, "must not start with 0")
	}
	return s, nil
}

// ProfessionalID names a professional acting in Stafett: health personnel by
// HPR number ("hpr:<digits>"), everyone else (NAV, schools, municipal
// services without HPR authorisation) by their organisation and a local id
// ("ext:<organisation number>:<local id>"). It is comparable, so it can be a
// map key; the zero value names nobody.
type ProfessionalID struct {
	hpr   string
	org   string
	local string
}

const (
	prefixHPR = "hpr:"
	prefixExt = "ext:"
)

// ParseProfessionalID accepts exactly the canonical forms that String
// produces, so parse and format round-trip and equal ids have equal strings.
func ParseProfessionalID(s string) (ProfessionalID, error) {
	if rest, ok := strings.CutPrefix(s, prefixHPR); ok {
		return HPRProfessional(rest)
	}
	if rest, ok := strings.CutPrefix(s, prefixExt); ok {
		org, local, ok := strings.Cut(rest, ":")
		if !ok {
			return ProfessionalID{}, invalid(KindProfessionalID, "must be ext:<organisation number>:<local id>")
		}
		return ExternalProfessional(org, local)
	}
	return ProfessionalID{}, invalid(KindProfessionalID, `must start with "hpr:" or "ext:"`)
}

// HPRProfessional is the id of the health personnel with HPR number n.
func HPRProfessional(n string) (ProfessionalID, error) {
	if _, err := ParseHPRNumber(n); err != nil {
		return ProfessionalID{}, nested(err)
	}
	return ProfessionalID{hpr: n}, nil
}

// ExternalProfessional is the id of a professional without HPR number, known
// to the organisation org by local, a local id of 1 to 64 characters from
// A–Z, a–z, 0–9, '.', '_' and '-'. The narrow alphabet keeps ids safe to use
// in NATS subjects and URLs and leaves ':' free as the separator.
func ExternalProfessional(org, local string) (ProfessionalID, error) {
	if err := ValidateOrgNumber(org); err != nil {
		return ProfessionalID{}, nested(err)
	}
	if !validLocalID(local) {
		return ProfessionalID{}, invalid(KindProfessionalID,
			"local id must be 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'")
	}
	return ProfessionalID{org: org, local: local}, nil
}

// nested reports a failure of a component as a failure of the professional
// id, naming the component, so the caller's field violation points at the
// field it actually received.
func nested(err error) error {
	var ie *InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	return invalid(KindProfessionalID, ie.Kind+" "+ie.Reason)
}

func validLocalID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// String is the canonical form, "hpr:<digits>" or "ext:<org>:<local>"; ""
// for the zero value.
func (p ProfessionalID) String() string {
	switch {
	case p.hpr != "":
		return prefixHPR + p.hpr
	case p.org != "":
		return prefixExt + p.org + ":" + p.local
	}
	return ""
}

// IsZero reports whether p is the zero value.
func (p ProfessionalID) IsZero() bool { return p == ProfessionalID{} }

// IsHealthPersonnel reports whether p is identified by an HPR number. Only
// such ids may be cooperating personnel in consent decisions.
func (p ProfessionalID) IsHealthPersonnel() bool { return p.hpr != "" }

// HPR is the HPR number of health personnel, "" otherwise.
func (p ProfessionalID) HPR() string { return p.hpr }

// OrgNumber is the organisation number of an ext: id, "" otherwise. Health
// personnel carry their organisation in the token, not in their id.
func (p ProfessionalID) OrgNumber() string { return p.org }

// LocalID is the organisation's own id for an ext: professional, "" otherwise.
func (p ProfessionalID) LocalID() string { return p.local }
