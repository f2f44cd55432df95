package workdays_test

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/workdays"
)

func d(y int, m time.Month, day int) civil.Date { return civil.New(y, m, day) }

// easterByHand lists Easter Sundays as printed in almanacs, so the library
// is checked against something other than an algorithm.
var easterByHand = map[int]civil.Date{
	2020: d(2020, time.April, 12), 2021: d(2021, time.April, 4), 2022: d(2022, time.April, 17),
	2023: d(2023, time.April, 9), 2024: d(2024, time.March, 31), 2025: d(2025, time.April, 20),
	2026: d(2026, time.April, 5), 2027: d(2027, time.March, 28), 2028: d(2028, time.April, 16),
	2029: d(2029, time.April, 1), 2030: d(2030, time.April, 21), 2031: d(2031, time.April, 13),
	2032: d(2032, time.March, 28), 2033: d(2033, time.April, 17), 2034: d(2034, time.April, 9),
	2035: d(2035, time.March, 25),
}

// easterGauss is Gauss's Easter algorithm in Lichtenberg's formulation, a
// different derivation from the Meeus/Jones/Butcher one the library uses.
func easterGauss(y int) civil.Date {
	k := y / 100
	m := 15 + (3*k+3)/4 - (8*k+13)/25
	s := 2 - (3*k+3)/4
	a := y % 19
	dd := (19*a + m) % 30
	r := (dd + a/11) / 29
	og := 21 + dd - r
	sz := 7 - (y+y/4+s)%7
	oe := 7 - (og-sz)%7
	return d(y, time.March, 1).AddDays(og + oe - 1) // og+oe is a day of March, possibly > 31
}

// norwegianHolidays derives the public holidays of a year from its Easter
// Sunday, following the Public Holidays Act and the 1 and 17 May Act.
func norwegianHolidays(y int, easter civil.Date) []civil.Date {
	days := []civil.Date{
		d(y, time.January, 1),
		easter.AddDays(-3), // Maundy Thursday
		easter.AddDays(-2), // Good Friday
		easter.AddDays(1),  // Easter Monday
		d(y, time.May, 1),
		d(y, time.May, 17),
		easter.AddDays(39), // Ascension Day
		easter.AddDays(50), // Whit Monday
		d(y, time.December, 25),
		d(y, time.December, 26),
	}
	slices.SortFunc(days, func(a, b civil.Date) int { return b.DaysUntil(a) })
	return slices.Compact(days)
}

func TestHolidaysMatchHandComputedDates(t *testing.T) {
	cal := workdays.Norway()
	tests := []struct {
		name string
		year int
		want []civil.Date
	}{
		{"2025 (Easter Sunday 20 April)", 2025, []civil.Date{
			d(2025, 1, 1), d(2025, 4, 17), d(2025, 4, 18), d(2025, 4, 21), d(2025, 5, 1),
			d(2025, 5, 17), d(2025, 5, 29), d(2025, 6, 9), d(2025, 12, 25), d(2025, 12, 26),
		}},
		{"2026 (Easter Sunday 5 April)", 2026, []civil.Date{
			d(2026, 1, 1), d(2026, 4, 2), d(2026, 4, 3), d(2026, 4, 6), d(2026, 5, 1),
			d(2026, 5, 14), d(2026, 5, 17), d(2026, 5, 25), d(2026, 12, 25), d(2026, 12, 26),
		}},
		{"2027 Whit Monday falls on 17 May, one date for two holidays", 2027, []civil.Date{
			d(2027, 1, 1), d(2027, 3, 25), d(2027, 3, 26), d(2027, 3, 29), d(2027, 5, 1),
			d(2027, 5, 6), d(2027, 5, 17), d(2027, 12, 25), d(2027, 12, 26),
		}},
		{"2008 Ascension Day falls on 1 May", 2008, []civil.Date{
			d(2008, 1, 1), d(2008, 3, 20), d(2008, 3, 21), d(2008, 3, 24), d(2008, 5, 1),
			d(2008, 5, 12), d(2008, 5, 17), d(2008, 12, 25), d(2008, 12, 26),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.Holidays(tt.year); !slices.Equal(got, tt.want) {
				t.Errorf("Holidays(%d)\n got %v\nwant %v", tt.year, got, tt.want)
			}
		})
	}
}

func TestHolidaysFollowAlmanacEaster(t *testing.T) {
	cal := workdays.Norway()
	for y, easter := range easterByHand {
		if g := easterGauss(y); g != easter {
			t.Fatalf("test's own Gauss Easter %v disagrees with the almanac %v", g, easter)
		}
		if got, want := cal.Holidays(y), norwegianHolidays(y, easter); !slices.Equal(got, want) {
			t.Errorf("Holidays(%d)\n got %v\nwant %v", y, got, want)
		}
	}
}

func TestHolidaysFollowIndependentEasterAlgorithm(t *testing.T) {
	cal := workdays.Norway()
	for y := 1900; y <= 2200; y++ {
		if got, want := cal.Holidays(y), norwegianHolidays(y, easterGauss(y)); !slices.Equal(got, want) {
			t.Errorf("Holidays(%d)\n got %v\nwant %v", y, got, want)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	cal := workdays.Norway()
	tests := []struct {
		name string
		day  civil.Date
		want bool
	}{
		{"ordinary Tuesday", d(2025, 4, 15), true},
		{"Saturday", d(2025, 4, 12), false},
		{"Sunday", d(2025, 4, 13), false},
		{"Maundy Thursday 2025", d(2025, 4, 17), false},
		{"Good Friday 2025", d(2025, 4, 18), false},
		{"Easter Monday 2025", d(2025, 4, 21), false},
		{"Tuesday after Easter 2025", d(2025, 4, 22), true},
		{"Maundy Thursday 2026", d(2026, 4, 2), false},
		{"Wednesday before Easter 2026", d(2026, 4, 1), true},
		{"1 May on a Friday", d(2026, 5, 1), false},
		{"17 May on a Wednesday", d(2028, 5, 17), false},
		{"Ascension Day 2026", d(2026, 5, 14), false},
		{"Friday after Ascension Day is a working day", d(2026, 5, 15), true},
		{"Whit Monday 2026", d(2026, 5, 25), false},
		{"Christmas Eve is a working day", d(2025, 12, 24), true},
		{"Christmas Day", d(2025, 12, 25), false},
		{"Boxing Day", d(2025, 12, 26), false},
		{"New Year's Eve is a working day", d(2025, 12, 31), true},
		{"New Year's Day", d(2026, 1, 1), false},
		{"2 January", d(2026, 1, 2), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkday(tt.day); got != tt.want {
				t.Errorf("IsWorkday(%v) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestAddCountsFromTheDayAfter(t *testing.T) {
	cal := workdays.Norway()
	tests := []struct {
		name string
		from civil.Date
		n    int
		want civil.Date
	}{
		// 15, 16 | 17–21 Easter | 22, 23, 24, 25, 28, 29, 30 | 1 May | 2 May.
		{"10 days across Easter 2025 and 1 May", d(2025, 4, 14), 10, d(2025, 5, 2)},
		{"Wednesday before Easter 2025 plus 1 is the Tuesday after", d(2025, 4, 16), 1, d(2025, 4, 22)},
		{"receipt on Good Friday counts from the next working day", d(2025, 4, 18), 1, d(2025, 4, 22)},
		// 31 Mar, 1 Apr | 2–6 Easter | 7, 8, 9, 10, 13, 14, 15, 16.
		{"10 days across Easter 2026", d(2026, 3, 30), 10, d(2026, 4, 16)},
		{"receipt on Easter Sunday 2026", d(2026, 4, 5), 1, d(2026, 4, 7)},
		{"17 May on a Wednesday is skipped", d(2028, 5, 16), 1, d(2028, 5, 18)},
		{"17 May on a Friday and Whit Monday after the weekend", d(2024, 5, 16), 1, d(2024, 5, 21)},
		{"17 May on a Sunday costs nothing", d(2026, 5, 15), 1, d(2026, 5, 18)},
		{"Whit Monday on 17 May is skipped once", d(2027, 5, 14), 1, d(2027, 5, 18)},
		// 12, 13 | 14 Ascension | 15, 18, 19, 20, 21, 22 | 25 Whit Monday | 26, 27.
		{"10 days across Ascension Day and Whit Monday 2026", d(2026, 5, 11), 10, d(2026, 5, 27)},
		// 23, 24 | 25, 26 | 29, 30, 31 | 1 Jan | 2, 5, 6, 7, 8.
		{"10 days across Christmas and New Year", d(2025, 12, 22), 10, d(2026, 1, 8)},
		{"Christmas Eve counts", d(2025, 12, 23), 1, d(2025, 12, 24)},
		{"New Year's Eve counts", d(2025, 12, 30), 1, d(2025, 12, 31)},
		{"New Year's Day is skipped", d(2025, 12, 31), 1, d(2026, 1, 2)},
		{"receipt on a Saturday counts from Monday", d(2025, 3, 1), 1, d(2025, 3, 3)},
		{"10 days from a Saturday are two full weeks", d(2025, 3, 1), 10, d(2025, 3, 14)},
		{"Friday plus 1 is Monday", d(2025, 3, 7), 1, d(2025, 3, 10)},
		{"zero days is the day itself, even a holiday", d(2025, 12, 25), 0, d(2025, 12, 25)},
		{"negative days count backwards", d(2026, 4, 7), -1, d(2026, 4, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.Add(tt.from, tt.n); got != tt.want {
				t.Errorf("Add(%v, %d) = %v, want %v", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestSubtractCountsFromTheDayBefore(t *testing.T) {
	cal := workdays.Norway()
	tests := []struct {
		name string
		from civil.Date
		n    int
		want civil.Date
	}{
		// 15, 14, 13, 10, 9.
		{"5 days before a deadline after Easter 2026", d(2026, 4, 16), 5, d(2026, 4, 9)},
		{"1 day before the Tuesday after Easter 2026 skips all of Easter", d(2026, 4, 7), 1, d(2026, 4, 1)},
		{"2 days before the Tuesday after Easter 2026", d(2026, 4, 7), 2, d(2026, 3, 31)},
		// 30, 29, 28 Apr, 25, 24 (1 May is a holiday).
		{"5 days before 2 May 2025 skip 1 May", d(2025, 5, 2), 5, d(2025, 4, 24)},
		{"1 day before 2 January is New Year's Eve", d(2026, 1, 2), 1, d(2025, 12, 31)},
		{"1 day before the Monday after Christmas is Christmas Eve", d(2025, 12, 29), 1, d(2025, 12, 24)},
		{"1 day before a Saturday is the Friday", d(2025, 3, 1), 1, d(2025, 2, 28)},
		{"zero days is the day itself", d(2025, 12, 25), 0, d(2025, 12, 25)},
		{"negative days count forwards", d(2026, 4, 1), -1, d(2026, 4, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.Subtract(tt.from, tt.n); got != tt.want {
				t.Errorf("Subtract(%v, %d) = %v, want %v", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestBetweenCountsHalfOpenInterval(t *testing.T) {
	cal := workdays.Norway()
	tests := []struct {
		name     string
		from, to civil.Date
		want     int
	}{
		{"same day is zero", d(2025, 4, 14), d(2025, 4, 14), 0},
		{"to before from is zero", d(2025, 5, 2), d(2025, 4, 14), 0},
		{"next working day is one", d(2025, 4, 14), d(2025, 4, 15), 1},
		{"from itself is not counted", d(2025, 4, 15), d(2025, 4, 16), 1},
		{"Easter 2026 holds one working day from Wednesday to Tuesday", d(2026, 4, 1), d(2026, 4, 7), 1},
		{"Good Friday to Easter Monday is zero", d(2026, 4, 3), d(2026, 4, 6), 0},
		{"assessment window across Easter 2025", d(2025, 4, 14), d(2025, 5, 2), 10},
		{"Christmas Eve to 2 January", d(2025, 12, 24), d(2026, 1, 2), 4},
		// 261 weekdays (1 Jan and 31 Dec are Wednesdays); 17 May is a Saturday,
		// the other nine holidays fall on weekdays.
		{"all of 2025 has 252 working days", d(2024, 12, 31), d(2025, 12, 31), 252},
		// 261 weekdays; 17 May is a Sunday and 26 December a Saturday.
		{"all of 2026 has 253 working days", d(2025, 12, 31), d(2026, 12, 31), 253},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.Between(tt.from, tt.to); got != tt.want {
				t.Errorf("Between(%v, %v) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

// randomDate is a day between 1900 and 2100, from a seeded generator so a
// failure reproduces.
func randomDate(r *rand.Rand) civil.Date {
	return d(1900, time.January, 1).AddDays(r.IntN(200 * 366))
}

func TestAddThenBetweenRoundTrips(t *testing.T) {
	cal := workdays.Norway()
	r := rand.New(rand.NewPCG(2, 10))
	for range 1000 {
		from, n := randomDate(r), r.IntN(70)
		due := cal.Add(from, n)
		if got := cal.Between(from, due); got != n {
			t.Fatalf("Between(%v, Add(%v, %d) = %v) = %d", from, from, n, due, got)
		}
		if n == 0 {
			continue
		}
		// Add lands on the first day that completes the count: a working
		// day, and the day before it is one short.
		if !cal.IsWorkday(due) || cal.Between(from, due.AddDays(-1)) != n-1 {
			t.Fatalf("Add(%v, %d) = %v overshoots", from, n, due)
		}
	}
}

func TestSubtractInvertsAddOnWorkingDays(t *testing.T) {
	cal := workdays.Norway()
	r := rand.New(rand.NewPCG(3, 10))
	for range 1000 {
		day, n := randomDate(r), r.IntN(70)
		if !cal.IsWorkday(day) {
			continue
		}
		if got := cal.Subtract(cal.Add(day, n), n); got != day {
			t.Fatalf("Subtract(Add(%v, %d), %d) = %v", day, n, n, got)
		}
		if got := cal.Add(cal.Subtract(day, n), n); got != day {
			t.Fatalf("Add(Subtract(%v, %d), %d) = %v", day, n, n, got)
		}
		if got := cal.Between(cal.Subtract(day, n), day); got != n {
			t.Fatalf("Between(Subtract(%v, %d), %v) = %d", day, n, day, got)
		}
	}
}

// naiveBetween is the definition Between must agree with: count the working
// days after from up to and including to, one by one.
func naiveBetween(cal *workdays.Calendar, from, to civil.Date) int {
	n := 0
	for day := from.AddDays(1); !day.After(to); day = day.AddDays(1) {
		if cal.IsWorkday(day) {
			n++
		}
	}
	return n
}

func TestBetweenAgreesWithCountingDayByDay(t *testing.T) {
	cal := workdays.Norway()
	r := rand.New(rand.NewPCG(4, 10))
	for range 200 {
		from := randomDate(r)
		to := from.AddDays(r.IntN(900) - 100) // some spans are empty or reversed
		if got, want := cal.Between(from, to), naiveBetween(cal, from, to); got != want {
			t.Fatalf("Between(%v, %v) = %d, counting gives %d", from, to, got, want)
		}
	}
	// Spans longer than time.Duration can express (about 292 years).
	from, to := d(1790, time.March, 3), d(2100, time.February, 27)
	if got, want := cal.Between(from, to), naiveBetween(cal, from, to); got != want {
		t.Fatalf("Between(%v, %v) = %d, counting gives %d", from, to, got, want)
	}
}

func TestCalendarIsSafeForConcurrentUse(t *testing.T) {
	cal := workdays.Norway()
	want := d(2026, 1, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := cal.Add(d(2025, 12, 22), 10); got != want {
					t.Errorf("Add = %v, want %v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
