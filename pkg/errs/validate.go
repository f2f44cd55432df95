package errs

import (
	"strings"

	"github.com/stafett/stafett/pkg/ids"
)

// MaxRequestIDLen bounds a request id: it is stored with every commit.
const MaxRequestIDLen = 128

// RequestID checks a command's request id (its idempotency key).
func (v *Validation) RequestID(id string) {
	switch {
	case strings.TrimSpace(id) == "":
		v.Add("request_id", "is required")
	case len(id) > MaxRequestIDLen:
		v.Add("request_id", "must be at most 128 characters")
	}
}

// Text checks free text: present when required, and at most maxLen bytes.
func (v *Validation) Text(field, value string, required bool, maxLen int) {
	if required && strings.TrimSpace(value) == "" {
		v.Add(field, "is required")
		return
	}
	if len(value) > maxLen {
		v.Add(field, "is too long")
	}
}

// Unit checks a unit's HER-id (up to 12 digits) and organisation number,
// reporting them as field.her_id and field.org_number.
func (v *Validation) Unit(field string, u ids.Unit) {
	if strings.TrimSpace(u.HerID) == "" {
		v.Add(field+".her_id", "is required")
	} else if !isDigits(u.HerID) || len(u.HerID) > 12 {
		v.Add(field+".her_id", "must be up to 12 digits")
	}
	if err := ids.ValidateOrgNumber(u.OrgNumber); err != nil {
		v.Add(field+".org_number", ids.Reason(err))
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
