package fold_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/fold"
)

func TestUpdateChangesACopy(t *testing.T) {
	xs := []int{1, 2, 3}
	got := fold.Update(xs, func(x int) bool { return x != 2 }, func(x int) int { return x * 10 })
	if !slices.Equal(got, []int{10, 2, 30}) || !slices.Equal(xs, []int{1, 2, 3}) {
		t.Fatalf("got %v, input now %v", got, xs)
	}
}

func TestUnsetAndMalformedValuesAreZero(t *testing.T) {
	if !fold.Instant(nil).IsZero() || !fold.Date("").IsZero() || !fold.Date("2026-02-30").IsZero() {
		t.Fatal("unset or malformed value was not zero")
	}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if !fold.Instant(timestamppb.New(at)).Equal(at) {
		t.Fatal("instant changed")
	}
	if want, _ := civil.Parse("2026-03-02"); fold.Date("2026-03-02") != want {
		t.Fatal("date changed")
	}
}
