package ids_test

import (
	"fmt"
	"testing"
)

// mod11 mirrors the check digit rule independently of the package under
// test: 11 − (weighted sum mod 11), 11 → 0, and 10 means "no check digit".
func mod11(digits string, weights ...int) (int, bool) {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	switch c := 11 - sum%11; c {
	case 11:
		return 0, true
	case 10:
		return 0, false
	default:
		return c, true
	}
}

// withCheckDigits completes nine digits to a national identity number, or
// reports false when K1 or K2 would be 10 (such prefixes are never issued).
func withCheckDigits(nine string) (string, bool) {
	k1, ok := mod11(nine, 3, 7, 6, 1, 8, 9, 4, 5, 2)
	if !ok {
		return "", false
	}
	ten := nine + fmt.Sprint(k1)
	k2, ok := mod11(ten, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
	if !ok {
		return "", false
	}
	return ten + fmt.Sprint(k2), true
}

// genNationalID builds a number with correct check digits from its encoded
// parts — day and month as written, i.e. already raised for D-numbers and
// synthetic numbers — using the first individual number in [lo, hi] for
// which both check digits exist. Any such number proves a rule about the
// range, and about one in six individual numbers has no check digits.
func genNationalID(t testing.TB, day, month, yy, lo, hi int) string {
	t.Helper()
	for ind := lo; ind <= hi; ind++ {
		if s, ok := withCheckDigits(fmt.Sprintf("%02d%02d%02d%03d", day, month, yy, ind)); ok {
			return s
		}
	}
	t.Fatalf("no individual number in %03d–%03d gives check digits for %02d%02d%02d", lo, hi, day, month, yy)
	return ""
}

// orgNumber completes eight digits to an organisation number.
func orgNumber(t testing.TB, eight string) string {
	t.Helper()
	c, ok := mod11(eight, 3, 2, 7, 6, 5, 4, 3, 2)
	if !ok {
		t.Fatalf("%s has no organisation number check digit", eight)
	}
	return eight + fmt.Sprint(c)
}
