// Package civil holds calendar dates without a time of day. Deadlines and birth
// dates are dates in Europe/Oslo, not instants, so they get their own type
// rather than a time.Time whose hour and zone would be meaningless.
package civil

import (
	"errors"
	"fmt"
	"time"
)

// Date is a calendar date. The zero value is not a valid date; use IsZero.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrInvalidDate is returned for strings that are not a real YYYY-MM-DD date.
var ErrInvalidDate = errors.New("not a valid YYYY-MM-DD date")

// Oslo is the zone every Stafett date is reckoned in. It is loaded once by the
// caller and passed in where needed; LoadOslo is a convenience for that.
func LoadOslo() (*time.Location, error) {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo: %w", err)
	}
	return loc, nil
}

// Of returns the date of t as seen in loc.
func Of(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{Year: y, Month: m, Day: d}
}

// New builds a date; it does not normalise, so Valid can reject 2024-02-30.
func New(year int, month time.Month, day int) Date { return Date{Year: year, Month: month, Day: day} }

// Parse reads an ISO YYYY-MM-DD date and rejects dates that do not exist.
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q: %w", s, ErrInvalidDate)
	}
	return Of(t, time.UTC), nil
}

// Valid reports whether d names a day that exists.
func (d Date) Valid() bool {
	if d.IsZero() {
		return false
	}
	n := d.utc()
	return n.Year() == d.Year && n.Month() == d.Month && n.Day() == d.Day
}

// IsZero reports whether d is the zero value.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD; the zero date formats as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Of(d.utc().AddDate(0, 0, n), time.UTC) }

// Weekday is the day of the week d falls on.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool { return d.utc().Before(o.utc()) }

// After reports whether d is strictly later than o.
func (d Date) After(o Date) bool { return d.utc().After(o.utc()) }

// DaysUntil is the number of calendar days from d to o (negative if o is earlier).
func (d Date) DaysUntil(o Date) int { return int(o.utc().Sub(d.utc()).Hours() / 24) }

// Start is the first instant of d in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// YearsOldOn is the age in whole years of someone born on d, on the date on.
func (d Date) YearsOldOn(on Date) int {
	age := on.Year - d.Year
	if on.Month < d.Month || (on.Month == d.Month && on.Day < d.Day) {
		age--
	}
	return age
}
