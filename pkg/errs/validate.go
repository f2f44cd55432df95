package errs

import (
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stafett/stafett/pkg/ids"
)

// MaxRequestIDLen bounds a request id: it is stored with every commit.
const MaxRequestIDLen = 128

// Limit is the most bytes a free-text field may hold. Every free-text field
// of every request takes its limit from this one table, so no field is
// unbounded and the largest commit stays far below the NATS payload limit.
type Limit int

// The table of free-text limits.
const (
	// LimitID is for caller-chosen identifiers: external ids, local ids.
	LimitID Limit = 128
	// LimitLabel is for short labels: a goal's title, a service's name, a role.
	LimitLabel Limit = 500
	// LimitNote is for reasons, notes, summaries and requests for information.
	LimitNote Limit = 5000
	// LimitNarrative is for the one long text, a referral's clinical reason.
	LimitNarrative Limit = 20000
)

// Instants outside [EarliestInstant, LatestInstant) are refused: they are
// typos or overflow probes, and some (year 0001) read as "unset" elsewhere.
var (
	EarliestInstant = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestInstant   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// RequestID checks a command's request id (its idempotency key).
func (v *Validation) RequestID(id string) {
	switch {
	case strings.TrimSpace(id) == "":
		v.Add("request_id", "is required")
	case len(id) > MaxRequestIDLen:
		v.Add("request_id", "must be at most 128 characters")
	case !utf8.ValidString(id):
		v.Add("request_id", "must be UTF-8")
	}
}

// Text checks free text: present when required, valid UTF-8, and within its
// limit from the table.
func (v *Validation) Text(field, value string, required bool, limit Limit) {
	if required && strings.TrimSpace(value) == "" {
		v.Add(field, "is required")
		return
	}
	if len(value) > int(limit) {
		v.Add(field, "is too long")
		return
	}
	if !utf8.ValidString(value) {
		v.Add(field, "must be UTF-8")
	}
}

// ID checks an identifier the service issued (a referral id, a consent id):
// present and of bounded length. Whether it names anything is the domain's
// question, answered NOT_FOUND.
func (v *Validation) ID(field, value string) {
	v.Text(field, value, true, LimitID)
}

// Enum refuses an enum number the schema does not define (protobuf keeps
// unknown numbers, so 999 would otherwise be stored). The zero value is
// allowed here: a field that must be set says so with EnumSet.
func (v *Validation) Enum(field string, e protoreflect.Enum) {
	if e.Descriptor().Values().ByNumber(e.Number()) == nil {
		v.Add(field, "is not a known value")
	}
}

// EnumSet is Enum for a field that must not be left unspecified.
func (v *Validation) EnumSet(field string, e protoreflect.Enum) {
	if e.Number() == 0 {
		v.Add(field, "is required")
		return
	}
	v.Enum(field, e)
}

// Instant checks a point in time the caller sent: within the plausible range.
func (v *Validation) Instant(field string, t time.Time) {
	if t.Before(EarliestInstant) || !t.Before(LatestInstant) {
		v.Add(field, "must be between 1900-01-01 and 2100-01-01")
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
