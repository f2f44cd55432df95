package ids

import (
	"log/slog"
	"time"

	"github.com/stafett/stafett/pkg/civil"
)

// NationalID is a validated Norwegian national identity number: a
// fødselsnummer or a D-number, possibly a synthetic test number. The zero
// value is not a valid number; only ParseNationalID makes one.
//
// It is personal data. Never put it in logs, traces, metrics or events; use
// Pseudonymizer.PatientID inside the suite instead.
type NationalID struct {
	digits string
}

// Reasons a national identity number is rejected.
const (
	reasonNIDLength  = "must be 11 digits"
	reasonNIDK1      = "first check digit does not match"
	reasonNIDK2      = "second check digit does not match"
	reasonNIDDate    = "not a real date"
	reasonNIDCentury = "individual number does not fit the birth year"
)

// ParseNationalID accepts exactly 11 ASCII digits forming a valid fødselsnummer
// or D-number, synthetic or not. Surrounding spaces or separators are not
// tolerated: the edge systems that send these numbers send them bare, and
// anything else is more likely a wrong field than a formatting variant.
//
// Check digits are verified before the date so that a typo is reported as
// the check digit failure it almost always is.
func ParseNationalID(s string) (NationalID, error) {
	if len(s) != 11 || !allDigits(s) {
		return NationalID{}, invalid(KindNationalID, reasonNIDLength)
	}
	k1 := mod11(s, []int{3, 7, 6, 1, 8, 9, 4, 5, 2})
	if k1 < 0 || k1 != int(s[9]-'0') {
		return NationalID{}, invalid(KindNationalID, reasonNIDK1)
	}
	k2 := mod11(s, []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
	if k2 < 0 || k2 != int(s[10]-'0') {
		return NationalID{}, invalid(KindNationalID, reasonNIDK2)
	}
	if _, err := birthDate(s); err != nil {
		return NationalID{}, err
	}
	return NationalID{digits: s}, nil
}

// birthDate decodes digits 1–6 and the individual number (digits 7–9) of a
// number whose check digits are already known to be right.
func birthDate(s string) (civil.Date, error) {
	num := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	day, month, yy, individual := num(0), num(2), num(4), num(6)*10+int(s[8]-'0')

	// D-numbers (for people without a fødselsnummer) add 4 to the first digit.
	if day > 40 {
		day -= 40
	}
	// Synthetic numbers from the national test environments move the month
	// out of the real range: +40 (NAV's synthetic identities) or +80
	// (Skatteetaten's Tenor test data), so they can never collide with a
	// real person's number.
	switch {
	case month > 80:
		month -= 80
	case month > 40:
		month -= 40
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return civil.Date{}, invalid(KindNationalID, reasonNIDDate)
	}

	var century int
	switch {
	case individual <= 499:
		century = 1900
	case individual <= 749 && yy >= 54:
		century = 1800
	case yy <= 39:
		century = 2000
	case individual >= 900:
		century = 1900
	default:
		// 500–749 with year 40–53, and 750–899 with year 40–99, were never
		// allocated.
		return civil.Date{}, invalid(KindNationalID, reasonNIDCentury)
	}

	d := civil.New(century+yy, time.Month(month), day)
	if !d.Valid() {
		return civil.Date{}, invalid(KindNationalID, reasonNIDDate)
	}
	return d, nil
}

// BirthDate is the birth date encoded in the number; the zero Date for the
// zero NationalID.
func (n NationalID) BirthDate() civil.Date {
	if n.IsZero() {
		return civil.Date{}
	}
	// Parse already proved the date decodes, so the error cannot occur.
	d, _ := birthDate(n.digits)
	return d
}

// IsDNumber reports whether n is a D-number (first digit raised by 4), the
// number given to people who live or work in Norway without a fødselsnummer.
func (n NationalID) IsDNumber() bool { return !n.IsZero() && n.digits[0] >= '4' }

// IsSynthetic reports whether n is a synthetic test number (month raised by
// 40 or 80). Production intake may want to refuse these.
func (n NationalID) IsSynthetic() bool { return !n.IsZero() && n.digits[2] >= '4' }

// IsZero reports whether n is the zero value rather than a parsed number.
func (n NationalID) IsZero() bool { return n.digits == "" }

// FHIRSystem is the FHIR identifier system for n: the D-number system for
// D-numbers, the fødselsnummer system otherwise.
func (n NationalID) FHIRSystem() string {
	if n.IsDNumber() {
		return FHIRSystemDNumber
	}
	return FHIRSystemFodselsnummer
}

// String returns the 11 digits. They are personal data: never log them, and
// never format a NationalID into an error, span attribute or metric label.
// Whatever needs to name the patient inside the suite uses the pseudonym.
func (n NationalID) String() string { return n.digits }

// LogValue keeps slog from ever writing the digits, as a second line of
// defence for code that passes a NationalID to a logger by mistake.
func (n NationalID) LogValue() slog.Value { return slog.StringValue("[national id redacted]") }
