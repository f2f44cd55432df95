package ids_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/ids"
)

func TestParseHPRNumber(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantReason string // "" means accepted
	}{
		{"one digit is an HPR number", "1", ""},
		{"nine digits is an HPR number", "123456789", ""},
		{"typical seven digits", "9144900", ""},
		{"empty is not 1 to 9 digits", "", "must be 1 to 9 digits"},
		{"ten digits is too long", "1234567890", "must be 1 to 9 digits"},
		{"a plus sign is not a digit", "+123", "must be 1 to 9 digits"},
		{"a minus sign is not a digit", "-123", "must be 1 to 9 digits"},
		{"a space is not a digit", "12 34", "must be 1 to 9 digits"},
		{"a letter is not a digit", "12a4", "must be 1 to 9 digits"},
		{"leading zero would be a second spelling", "0123", "must not start with 0"},
		{"zero is no HPR number", "0", "must not start with 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ids.ParseHPRNumber(tt.in)
			if tt.wantReason == "" {
				if err != nil || got != tt.in {
					t.Fatalf("ParseHPRNumber = %q, %v; want %q", got, err, tt.in)
				}
				return
			}
			var ie *ids.InvalidError
			if !errors.Is(err, ids.ErrInvalid) || !errors.As(err, &ie) || ie.Kind != ids.KindHPRNumber || ie.Reason != tt.wantReason {
				t.Fatalf("err = %v, want HPR number reason %q", err, tt.wantReason)
			}
		})
	}
}

func TestParseProfessionalIDAcceptsCanonicalForms(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantHealth bool
		wantHPR    string
		wantOrg    string
		wantLocal  string
	}{
		{"hpr id is health personnel", "hpr:9144900", true, "9144900", "", ""},
		{"ext id carries organisation and local id", "ext:889640782:Z123456", false, "", "889640782", "Z123456"},
		{"ext local id may use dot, underscore and hyphen", "ext:974760673:ola.nordmann_2-b", false, "", "974760673", "ola.nordmann_2-b"},
		{"ext local id of 64 characters", "ext:974760673:" + strings.Repeat("a", 64), false, "", "974760673", strings.Repeat("a", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ids.ParseProfessionalID(tt.in)
			if err != nil {
				t.Fatalf("ParseProfessionalID: %v", err)
			}
			if p.String() != tt.in || p.IsHealthPersonnel() != tt.wantHealth || p.HPR() != tt.wantHPR ||
				p.OrgNumber() != tt.wantOrg || p.LocalID() != tt.wantLocal || p.IsZero() {
				t.Errorf("got %q health=%v hpr=%q org=%q local=%q", p, p.IsHealthPersonnel(), p.HPR(), p.OrgNumber(), p.LocalID())
			}
		})
	}
}

func TestProfessionalConstructorsEqualParsedIDs(t *testing.T) {
	h, err := ids.HPRProfessional("9144900")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ids.ExternalProfessional("889640782", "Z123456")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		built ids.ProfessionalID
		text  string
	}{{h, "hpr:9144900"}, {e, "ext:889640782:Z123456"}} {
		parsed, err := ids.ParseProfessionalID(c.text)
		if err != nil || parsed != c.built {
			t.Errorf("parsed %q = %v (%v), built %v", c.text, parsed, err, c.built)
		}
	}
}

func TestParseProfessionalIDRejectsWithReason(t *testing.T) {
	const (
		prefix = `must start with "hpr:" or "ext:"`
		shape  = "must be ext:<organisation number>:<local id>"
		local  = "local id must be 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'"
	)
	tests := []struct {
		name       string
		in         string
		wantReason string
	}{
		{"empty has no prefix", "", prefix},
		{"bare digits have no prefix", "9144900", prefix},
		{"prefix is case-sensitive", "HPR:9144900", prefix},
		{"unknown scheme", "fnr:15076500565", prefix},
		{"hpr with empty number", "hpr:", "HPR number must be 1 to 9 digits"},
		{"hpr with leading zero", "hpr:09144900", "HPR number must not start with 0"},
		{"hpr with trailing text", "hpr:9144900:x", "HPR number must be 1 to 9 digits"},
		{"ext without local id", "ext:889640782", shape},
		{"ext with invalid organisation number", "ext:889640783:Z1", "organisation number check digit does not match"},
		{"ext with short organisation number", "ext:88964078:Z1", "organisation number must be 9 digits"},
		{"ext with empty local id", "ext:889640782:", local},
		{"ext local id of 65 characters", "ext:889640782:" + strings.Repeat("a", 65), local},
		{"ext local id with a colon", "ext:889640782:a:b", local},
		{"ext local id with a space", "ext:889640782:a b", local},
		{"ext local id with a subject wildcard", "ext:889640782:a*", local},
		{"ext local id with non-ASCII letter", "ext:889640782:ærlig", local},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ids.ParseProfessionalID(tt.in)
			if err == nil {
				t.Fatalf("accepted as %q", p)
			}
			var ie *ids.InvalidError
			if !errors.Is(err, ids.ErrInvalid) || !errors.As(err, &ie) || ie.Kind != ids.KindProfessionalID || ie.Reason != tt.wantReason {
				t.Fatalf("err = %v, want professional id reason %q", err, tt.wantReason)
			}
			if !p.IsZero() || p.String() != "" {
				t.Errorf("rejected id came back as %q", p)
			}
		})
	}
}

func FuzzParseProfessionalID(f *testing.F) {
	for _, s := range []string{
		"hpr:9144900", "hpr:1", "hpr:0", "hpr:", "hpr:-1", "hpr:1234567890",
		"ext:889640782:Z123456", "ext:889640782:", "ext:889640782", "ext::x", "ext:889640782:a:b",
		"", ":", "hpr", "ext", "HPR:1", "ext:974760673:" + strings.Repeat("z", 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ids.ParseProfessionalID(s)
		if err != nil {
			if !errors.Is(err, ids.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, accepted %q", p.String(), s)
		}
		again, err := ids.ParseProfessionalID(p.String())
		if err != nil || again != p {
			t.Fatalf("does not round-trip: %v", err)
		}
		if p.IsHealthPersonnel() == (p.OrgNumber() != "") || p.IsHealthPersonnel() != (p.HPR() != "") {
			t.Fatalf("inconsistent kind for %q", s)
		}
		if org := p.OrgNumber(); org != "" && ids.ValidateOrgNumber(org) != nil {
			t.Fatalf("accepted invalid organisation number in %q", s)
		}
	})
}
