// Package workdays does working-day arithmetic on the Norwegian calendar, for
// deadlines such as "assessed within 10 working days of receipt" (Patient and
// User Rights Act §2-2): weekends and Norwegian public holidays, the
// Easter-dependent ones included, are not working days.
//
// Holiday dates come from github.com/rickar/cal/v2/no rather than our own
// Easter arithmetic, so there is one maintained source for them; the tests
// check that source against independently computed dates.
package workdays

import (
	"slices"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/no"

	"github.com/stafett/stafett/pkg/civil"
)

// Calendar knows which days are working days. It is immutable after
// construction and safe for concurrent use. The zero Calendar knows no
// holidays at all, only weekends; build one with Norway.
type Calendar struct {
	// holidays are private clones of the library's definitions: no.Holidays
	// is an exported, mutable package variable, and a deadline must not move
	// because some other code edited it.
	holidays []*cal.Holiday
}

// Norway is the calendar of Norwegian public holidays (helligdager and the
// statutory holidays of 1 and 17 May): New Year's Day, Maundy Thursday, Good
// Friday, Easter Monday, 1 May, 17 May, Ascension Day, Whit Monday, Christmas
// Day and Boxing Day. Easter Sunday and Whit Sunday are holidays too but
// always Sundays. Christmas Eve and New Year's Eve are working days in law,
// however short.
func Norway() *Calendar {
	hs := make([]*cal.Holiday, 0, len(no.Holidays))
	for _, h := range no.Holidays {
		hs = append(hs, h.Clone(nil))
	}
	return &Calendar{holidays: hs}
}

// Holidays returns the distinct public holiday dates of year in order. Two
// holidays can share a date (Whit Monday is 17 May in 2027, Ascension Day was
// 1 May in 2008), so there may be fewer dates than holidays.
func (c *Calendar) Holidays(year int) []civil.Date {
	days := make([]civil.Date, 0, len(c.holidays))
	for _, h := range c.holidays {
		// Norway does not move holidays that fall on a weekend, so the
		// actual date is the only one; the library reports the same date as
		// observed.
		act, _ := h.Calc(year)
		if act.IsZero() {
			continue
		}
		// The library builds midnight in its own default location; the
		// calendar fields are the date it means whatever that location is.
		y, m, d := act.Date()
		days = append(days, civil.New(y, m, d))
	}
	slices.SortFunc(days, compare)
	return slices.Compact(days)
}

// IsWorkday reports whether d is a weekday that is not a public holiday.
func (c *Calendar) IsWorkday(d civil.Date) bool {
	if isWeekend(d) {
		return false
	}
	for _, h := range c.holidays {
		if act, _ := h.Calc(d.Year); !act.IsZero() {
			if y, m, day := act.Date(); civil.New(y, m, day) == d {
				return false
			}
		}
	}
	return true
}

// Add returns the date n working days after d. Counting starts the day after
// d, and d itself need not be a working day: a referral received on a Saturday
// has Monday as working day 1. Add(d, 0) is d. A negative n counts backwards,
// as Subtract(d, -n) does.
//
// It walks day by day, so it takes time proportional to n.
func (c *Calendar) Add(d civil.Date, n int) civil.Date {
	if n < 0 {
		return c.walk(d, n, -1)
	}
	return c.walk(d, n, +1)
}

// Subtract returns the date n working days before d, counting from the day
// before d: for a deadline on a working day D, Subtract(D, 5) is the working
// day from which exactly 5 working days remain, Between(Subtract(D, 5), D) ==
// 5. Subtract(d, 0) is d. A negative n counts forwards, as Add(d, -n) does.
func (c *Calendar) Subtract(d civil.Date, n int) civil.Date {
	if n < 0 {
		return c.walk(d, n, +1)
	}
	return c.walk(d, n, -1)
}

// walk steps one day at a time in direction dir until |n| working days have
// passed. n is consumed towards zero from either side so that no negation
// can overflow.
func (c *Calendar) walk(d civil.Date, n, dir int) civil.Date {
	memo := &yearHolidays{}
	for n != 0 {
		d = d.AddDays(dir)
		if c.isWorkday(d, memo) {
			if n > 0 {
				n--
			} else {
				n++
			}
		}
	}
	return d
}

// Between is the number of working days in (from, to]: the days after from up
// to and including to. It is 0 when to is not after from. For every n ≥ 0,
// Between(d, Add(d, n)) == n.
//
// It counts weekdays arithmetically and then removes the holidays in range,
// so it costs time proportional to the number of years spanned, not days.
func (c *Calendar) Between(from, to civil.Date) int {
	if !from.Before(to) {
		return 0
	}
	n := weekdaysThrough(to) - weekdaysThrough(from)
	for y := from.Year; y <= to.Year; y++ {
		for _, h := range c.Holidays(y) {
			if h.After(from) && !h.After(to) && !isWeekend(h) {
				n--
			}
		}
	}
	return n
}

func (c *Calendar) isWorkday(d civil.Date, memo *yearHolidays) bool {
	if isWeekend(d) {
		return false
	}
	return !slices.Contains(memo.of(c, d.Year), d)
}

// yearHolidays remembers one year's holidays for the length of one walk, so
// stepping through a year computes Easter once, not once a day. It lives on
// the stack of a single call and is never shared.
type yearHolidays struct {
	year int
	days []civil.Date
	ok   bool
}

func (m *yearHolidays) of(c *Calendar, year int) []civil.Date {
	if !m.ok || m.year != year {
		m.year, m.days, m.ok = year, c.Holidays(year), true
	}
	return m.days
}

func isWeekend(d civil.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func compare(a, b civil.Date) int {
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

// weekdaysThrough counts the Monday–Friday days from a fixed Monday up to and
// including d (negative before it); only differences are meaningful. It uses
// Unix days rather than civil.Date.DaysUntil, whose time.Duration saturates
// beyond about 292 years.
func weekdaysThrough(d civil.Date) int {
	day := floorDiv(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix(), 86400)
	// Unix day 0, 1970-01-01, was a Thursday; shift so that Mondays are
	// multiples of 7 and the days of one week are x..x+6.
	x := day + 3 + 1
	weeks, rest := floorDiv(x, 7), x-7*floorDiv(x, 7)
	return int(5*weeks + min(rest, 5))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
