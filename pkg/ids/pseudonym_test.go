package ids_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stafett/stafett/pkg/ids"
)

func testKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func mustNID(t testing.TB, s string) ids.NationalID {
	t.Helper()
	n, err := ids.ParseNationalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewPseudonymizerKeyLength(t *testing.T) {
	tests := []struct {
		name    string
		keyLen  int
		wantErr bool
	}{
		{"no key is refused", 0, true},
		{"31-byte key is refused", 31, true},
		{"32-byte key is accepted", 32, false},
		{"64-byte key is accepted", 64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ids.NewPseudonymizer(make([]byte, tt.keyLen))
			if (err != nil) != tt.wantErr || (p == nil) != tt.wantErr {
				t.Fatalf("NewPseudonymizer(%d bytes) = %v, %v", tt.keyLen, p, err)
			}
		})
	}
}

func TestPatientIDIsKeyedHMACInLowercaseBase32(t *testing.T) {
	p, err := ids.NewPseudonymizer(testKey())
	if err != nil {
		t.Fatal(err)
	}
	// Expected values computed outside Go with Python's hmac, hashlib and
	// base64.b32encode (padding stripped, lowercased), key = bytes 0..31.
	tests := []struct {
		name string
		nid  string
		want string
	}{
		{"fødselsnummer", "15076500565", "pt_rmvldbkd3dhubitg7kh4okwqby2otwcukjshnvwjsszcgmhzereq"},
		{"synthetic number", "01819012365", "pt_kttxigeir66iidrnfof26lyxaocqiq2idgat73kfvastbavxunda"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.PatientID(mustNID(t, tt.nid))
			if got != tt.want {
				t.Errorf("PatientID = %q, want %q", got, tt.want)
			}
			if !ids.IsPatientID(got) {
				t.Errorf("IsPatientID(%q) = false", got)
			}
			if strings.Contains(got, tt.nid) {
				t.Errorf("pseudonym contains the number")
			}
		})
	}
}

func TestPatientIDDependsOnKeyAndNumber(t *testing.T) {
	key := testKey()
	p1, _ := ids.NewPseudonymizer(key)
	other := testKey()
	other[0] ^= 1
	p2, _ := ids.NewPseudonymizer(other)
	a, b := mustNID(t, "15076500565"), mustNID(t, "41019012393")

	if p1.PatientID(a) != p1.PatientID(a) {
		t.Error("same key and number gave different ids")
	}
	if p1.PatientID(a) == p1.PatientID(b) {
		t.Error("different numbers gave the same id")
	}
	if p1.PatientID(a) == p2.PatientID(a) {
		t.Error("different keys gave the same id")
	}
	before := p1.PatientID(a)
	clear(key) // the caller wiping its copy must not change the pseudonymizer
	if p1.PatientID(a) != before {
		t.Error("pseudonymizer shares the caller's key slice")
	}
}

func TestPatientIDRefusesZeroInputs(t *testing.T) {
	p, _ := ids.NewPseudonymizer(testKey())
	var zero *ids.Pseudonymizer
	tests := []struct {
		name string
		got  string
	}{
		{"zero national id gets no shared pseudonym", p.PatientID(ids.NationalID{})},
		{"nil pseudonymizer gets no unkeyed pseudonym", zero.PatientID(mustNID(t, "15076500565"))},
		{"zero pseudonymizer gets no unkeyed pseudonym", (&ids.Pseudonymizer{}).PatientID(mustNID(t, "15076500565"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != "" {
				t.Errorf("got %q, want \"\"", tt.got)
			}
		})
	}
}

func TestPatientIDIsSafeForConcurrentUse(t *testing.T) {
	p, _ := ids.NewPseudonymizer(testKey())
	nids := []ids.NationalID{mustNID(t, "15076500565"), mustNID(t, "41019012393"), mustNID(t, "01419012382")}
	want := make([]string, len(nids))
	for i, n := range nids {
		want[i] = p.PatientID(n)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(nids)
				if got := p.PatientID(nids[k]); got != want[k] {
					t.Errorf("concurrent PatientID = %q, want %q", got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestIsPatientIDChecksShape(t *testing.T) {
	valid := "pt_rmvldbkd3dhubitg7kh4okwqby2otwcukjshnvwjsszcgmhzereq"
	body := strings.TrimPrefix(valid, "pt_")
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"real pseudonym", valid, true},
		{"last character carrying a one bit", "pt_" + body[:51] + "a", true},
		{"empty", "", false},
		{"no prefix", body, false},
		{"wrong prefix", "pa_" + body, false},
		{"uppercase", "pt_" + strings.ToUpper(body), false},
		{"one character short", valid[:len(valid)-1], false},
		{"one character long", valid + "a", false},
		{"padding", valid[:len(valid)-1] + "=", false},
		{"digit outside base32", "pt_" + body[:10] + "1" + body[11:], false},
		{"digit 8 outside base32", "pt_" + body[:10] + "8" + body[11:], false},
		{"newline the decoder would skip", "pt_" + body[:10] + "\n" + body[11:], false},
		{"non-zero padding bits in the last character", "pt_" + body[:51] + "b", false},
		{"hex instead of base32", "pt_" + strings.Repeat("f", 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids.IsPatientID(tt.in); got != tt.want {
				t.Errorf("IsPatientID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPatientIDsAlwaysPassTheShapeCheck(t *testing.T) {
	// Every written pseudonym must pass, including both possible last
	// characters; a few hundred numbers make missing either one vanishingly
	// unlikely (each is a fair coin flip).
	p, _ := ids.NewPseudonymizer(bytes.Repeat([]byte{7}, 40))
	lasts := map[byte]bool{}
	for ind := range 500 {
		s, ok := withCheckDigits(fmt.Sprintf("010190%03d", ind))
		if !ok {
			continue
		}
		id := p.PatientID(mustNID(t, s))
		if !ids.IsPatientID(id) {
			t.Fatalf("IsPatientID(%q) = false", id)
		}
		lasts[id[len(id)-1]] = true
	}
	if !lasts['a'] || !lasts['q'] {
		t.Errorf("last characters seen: %v, want both a and q", lasts)
	}
}
