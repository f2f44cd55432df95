// Package testkit holds the test helpers every service's tests share: Oslo
// dates and instants, typed-error assertions and event assertions. It is an
// ordinary package so any module's tests can import it; nothing outside
// tests does.
package testkit

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Oslo must not depend on the host's zoneinfo.

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
)

// Oslo is Europe/Oslo.
func Oslo(t testing.TB) *time.Location {
	t.Helper()
	loc, err := civil.LoadOslo()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Date parses YYYY-MM-DD.
func Date(t testing.TB, s string) civil.Date {
	t.Helper()
	d, err := civil.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// At is an instant given as Oslo wall-clock time, "2006-01-02 15:04".
func At(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", s, Oslo(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// Kind is the typed error a scenario expects (pkg/errs).
type Kind int

// The kinds of pkg/errs errors.
const (
	NoError Kind = iota
	NotFound
	Precondition
	Invalid
	Permission
	Unavailable
	Other
)

func (k Kind) String() string {
	return [...]string{"no error", "NotFoundError", "PreconditionError", "ValidationError", "ErrPermission", "ErrUnavailable", "another error"}[k]
}

// KindOf classifies err.
func KindOf(err error) Kind {
	var (
		nf *errs.NotFoundError
		pc *errs.PreconditionError
		iv *errs.ValidationError
	)
	switch {
	case err == nil:
		return NoError
	case errors.As(err, &nf):
		return NotFound
	case errors.As(err, &pc):
		return Precondition
	case errors.As(err, &iv):
		return Invalid
	case errors.Is(err, errs.ErrPermission):
		return Permission
	case errors.Is(err, errs.ErrUnavailable):
		return Unavailable
	}
	return Other
}

// ExpectErr checks err is of kind; for a ValidationError with fields given,
// each field must be among the violations.
func ExpectErr(t testing.TB, err error, kind Kind, fields ...string) {
	t.Helper()
	if got := KindOf(err); got != kind {
		t.Fatalf("error = %v (%T, %v), want %v", err, err, got, kind)
	}
	if kind != Invalid {
		return
	}
	var ve *errs.ValidationError
	errors.As(err, &ve)
	for _, f := range fields {
		found := false
		for _, v := range ve.Violations {
			found = found || v.Field == f
		}
		if !found {
			t.Fatalf("violations = %+v, want one on field %q", ve.Violations, f)
		}
	}
}

// ExpectEvents checks the decided events equal want, in order.
func ExpectEvents(t testing.TB, got, want []proto.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d\n got: %v\nwant: %v", len(got), len(want), got, want)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Fatalf("event %d:\n got: %T %v\nwant: %T %v", i, got[i], got[i], want[i], want[i])
		}
	}
}

// Single returns the only event, which must be of type E.
func Single[E proto.Message](t testing.TB, events []proto.Message) E {
	t.Helper()
	if len(events) != 1 {
		t.Fatalf("got %d events, want 1: %v", len(events), events)
	}
	e, ok := events[0].(E)
	if !ok {
		t.Fatalf("event is %T, want %T", events[0], *new(E))
	}
	return e
}

// Pseudonyms is a pseudonymizer under a fixed test key.
func Pseudonyms(t testing.TB) *ids.Pseudonymizer {
	t.Helper()
	p, err := ids.NewPseudonymizer([]byte("a test key that is at least 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// PatientID is the pseudonym of a national id under the test key.
func PatientID(t testing.TB, nationalID string) string {
	t.Helper()
	nid, err := ids.ParseNationalID(nationalID)
	if err != nil {
		t.Fatal(err)
	}
	return Pseudonyms(t).PatientID(nid)
}
