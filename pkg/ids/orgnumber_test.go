package ids_test

import (
	"errors"
	"testing"

	"github.com/stafett/stafett/pkg/ids"
)

func TestValidateOrgNumberAcceptsValidNumbers(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		// Hand-checked: 9 7 4 7 6 0 6 7 under 3 2 7 6 5 4 3 2 sum to 173,
		// 173 mod 11 = 8, check digit 3 (Brønnøysundregistrene).
		{"hand-checked Brønnøysund register centre", "974760673"},
		// Hand-checked: sum 196, mod 11 = 9, check digit 2 (NAV).
		{"hand-checked NAV", "889640782"},
		// Hand-checked: sum 152, mod 11 = 9, check digit 2 (Helsedirektoratet).
		{"hand-checked Directorate of Health", "983544622"},
		// 8 8 9 6 0 0 0 2 sum to 24+16+63+36+4 = 143 = 13·11, so 11 − 0 = 11
		// becomes 0.
		{"check digit 11 is written 0", "889600020"},
		{"generated", orgNumber(t, "91234568")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ids.ValidateOrgNumber(tt.in); err != nil {
				t.Fatalf("ValidateOrgNumber: %v", err)
			}
		})
	}
}

func TestValidateOrgNumberRejectsWithReason(t *testing.T) {
	const (
		length = "must be 9 digits"
		check  = "check digit does not match"
	)
	tests := []struct {
		name       string
		in         string
		wantReason string
	}{
		{"empty is not 9 digits", "", length},
		{"8 digits is not 9 digits", "97476067", length},
		{"10 digits is not 9 digits", "9747606730", length},
		{"spaced groups are not tolerated", "974 760 673", length},
		{"a letter is not a digit", "97476067x", length},
		{"a sign is not a digit", "-97476067", length},
		{"MVA suffix is not part of the number", "974760673MVA", length},
		{"wrong check digit", "974760674", check},
		// 9 7 4 7 6 0 0 7 weighs to a remainder that would need check digit 10.
		{"first eight digits with no possible check digit", "974760070", check},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ids.ValidateOrgNumber(tt.in)
			if !errors.Is(err, ids.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ie *ids.InvalidError
			if !errors.As(err, &ie) || ie.Kind != ids.KindOrgNumber || ie.Reason != tt.wantReason {
				t.Fatalf("err = %#v, want reason %q", err, tt.wantReason)
			}
			if want := "invalid organisation number: " + tt.wantReason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func FuzzValidateOrgNumber(f *testing.F) {
	for _, s := range []string{"974760673", "889640782", "983544622", "889600020", "974760674", "974760070", "", "000000000", "999999999", "97476067\x00", "９７４７６０６７３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ids.ValidateOrgNumber(s)
		if err != nil {
			if !errors.Is(err, ids.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if len(s) != 9 {
			t.Fatalf("accepted %d bytes", len(s))
		}
		// A single-digit typo in the check digit must always be caught.
		for c := byte('0'); c <= '9'; c++ {
			if c != s[8] && ids.ValidateOrgNumber(s[:8]+string(c)) == nil {
				t.Fatalf("both %q and check digit %c accepted", s, c)
			}
		}
	})
}
