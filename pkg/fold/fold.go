// Package fold holds the small pure helpers domain Evolve functions share.
// A fold must never stop on a bad value, so the readers here answer the zero
// value instead of an error.
package fold

import (
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
)

// Update returns a copy of xs with every element matching match replaced by
// change(element); xs itself is untouched, because readers may hold it.
func Update[T any](xs []T, match func(T) bool, change func(T) T) []T {
	out := slices.Clone(xs)
	for i := range out {
		if match(out[i]) {
			out[i] = change(out[i])
		}
	}
	return out
}

// Instant reads an optional timestamp; unset is the zero time.
func Instant(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// Date reads a date a decider wrote; an empty or malformed string is the
// zero date.
func Date(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
}
