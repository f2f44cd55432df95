// Package idgen makes sortable unique ids (ULIDs). Ids are injected into
// command handlers as a Generator so tests can make them predictable.
package idgen

import (
	"crypto/rand"
	"io"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Generator returns a new id for the given instant.
type Generator interface {
	New(at time.Time) string
}

// ULIDs generates monotonic ULIDs; safe for concurrent use.
type ULIDs struct {
	mu      sync.Mutex
	entropy io.Reader
}

// NewULIDs returns a generator using crypto randomness.
func NewULIDs() *ULIDs {
	return &ULIDs{entropy: ulid.Monotonic(rand.Reader, 0)}
}

// New returns a ULID for at.
func (g *ULIDs) New(at time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return ulid.MustNew(ulid.Timestamp(at), g.entropy).String()
}

// Sequence is a predictable generator for tests: prefix + counter.
type Sequence struct {
	mu     sync.Mutex
	prefix string
	n      int
}

// NewSequence returns a generator producing prefix-000001, prefix-000002, ...
func NewSequence(prefix string) *Sequence { return &Sequence{prefix: prefix} }

// New returns the next id.
func (s *Sequence) New(time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return s.prefix + "-" + pad6(s.n)
}

func pad6(n int) string {
	const digits = "0123456789"
	b := []byte("000000")
	for i := 5; i >= 0 && n > 0; i-- {
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b)
}
