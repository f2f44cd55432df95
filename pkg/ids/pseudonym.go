package ids

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// MinPseudonymKeyLen is the shortest key NewPseudonymizer accepts: as many
// bytes as the HMAC-SHA256 output, so the key is never the weak link. The
// space of national identity numbers is small enough to enumerate, so the
// pseudonyms are only as private as the key is secret and strong.
const MinPseudonymKeyLen = 32

const patientIDPrefix = "pt_"

// patientIDLen is the length of the base32 part: 256 bits in 5-bit groups.
const patientIDLen = (sha256.Size*8 + 4) / 5

// Pseudonymizer turns national identity numbers into patient ids, the keyed
// pseudonyms every event and header carries instead of the number. It is safe
// for concurrent use: it holds only the key and an immutable encoding, and
// builds a fresh HMAC for every call.
type Pseudonymizer struct {
	key []byte
	enc *base32.Encoding
}

// NewPseudonymizer keeps a copy of key, so the caller may wipe or reuse its
// slice. Keys shorter than MinPseudonymKeyLen bytes are refused.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinPseudonymKeyLen {
		return nil, fmt.Errorf("pseudonym key must be at least %d bytes, got %d", MinPseudonymKeyLen, len(key))
	}
	return &Pseudonymizer{
		key: append([]byte(nil), key...),
		enc: patientIDEncoding(),
	}, nil
}

// PatientID is "pt_" followed by the lowercase, unpadded base32 of
// HMAC-SHA256(key, digits of n). The same number under the same key always
// gives the same id, which is what lets events about one patient be found
// together without the number.
//
// It returns "" for the zero NationalID, and for a Pseudonymizer not made by
// NewPseudonymizer, rather than an id every such caller would share.
func (p *Pseudonymizer) PatientID(n NationalID) string {
	if p == nil || len(p.key) == 0 || n.IsZero() {
		return ""
	}
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(n.digits))
	return patientIDPrefix + p.enc.EncodeToString(mac.Sum(nil))
}

// patientIDEncoding is lowercase so ids read well in NATS subjects and URLs.
// It is built per Pseudonymizer rather than held in a package variable.
func patientIDEncoding() *base32.Encoding {
	return base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
}

// IsPatientID reports whether s has the shape of a patient id: "pt_" and the
// 52 lowercase base32 characters of a 32-byte HMAC. It cannot tell whether the
// id belongs to anyone, and needs no key.
func IsPatientID(s string) bool {
	rest, ok := strings.CutPrefix(s, patientIDPrefix)
	if !ok || len(rest) != patientIDLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	// 256 bits fill 51 characters and one bit of the 52nd, whose other four
	// bits are zero padding: only 'a' (00000) and 'q' (10000) can end an id
	// the encoder wrote, so a string ending otherwise is no patient id even
	// though a lenient decoder would read it as one.
	last := rest[patientIDLen-1]
	return last == 'a' || last == 'q'
}
