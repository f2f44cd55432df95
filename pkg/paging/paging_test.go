package paging_test

import (
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/paging"
)

func TestSizeDefaultsAndClamps(t *testing.T) {
	for requested, want := range map[int]int{-1: 50, 0: 50, 1: 1, 500: 500, 501: 500} {
		if got := paging.Size(requested); got != want {
			t.Errorf("Size(%d) = %d, want %d", requested, got, want)
		}
	}
}

func TestCursorRoundTripsAndOrdersByTimeThenID(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 123, time.UTC)
	c, err := paging.Decode(paging.After(at, "b").Encode())
	if err != nil {
		t.Fatal(err)
	}
	if c.Precedes(at, "a") || c.Precedes(at, "b") || !c.Precedes(at, "c") ||
		c.Precedes(at.Add(-1), "z") || !c.Precedes(at.Add(1), "a") {
		t.Fatal("decoded cursor orders items wrongly")
	}
	if start, err := paging.Decode(""); err != nil || !start.Precedes(time.Time{}, "") {
		t.Fatalf("empty token: %v", err)
	}
}

func TestDecodeRejectsTokensItDidNotWrite(t *testing.T) {
	for _, token := range []string{"%%%", "MTIz", "YWJjOmlk", "MTIzOg"} {
		if _, err := paging.Decode(token); err == nil {
			t.Errorf("Decode(%q) accepted", token)
		}
	}
}

type violations []string

func (v *violations) Add(field, _ string) { *v = append(*v, field) }

func TestParseNamesTheBadPagingFields(t *testing.T) {
	var v violations
	if _, size := paging.Parse(&v, -1, "not a token!"); size != paging.DefaultSize {
		t.Fatalf("size = %d", size)
	}
	if len(v) != 2 || v[0] != "page_size" || v[1] != "page_token" {
		t.Fatalf("violations = %v", v)
	}
	v = nil
	after := paging.After(time.Unix(5, 0), "x")
	got, size := paging.Parse(&v, 900, after.Encode())
	if len(v) != 0 || size != paging.MaxSize || got != after {
		t.Fatalf("got %v %d %v", got, size, v)
	}
}

func TestSeqTokensRoundTripAndRefuseWhatTheyDidNotWrite(t *testing.T) {
	var v violations
	if after, size := paging.ParseSeq(&v, 10, paging.SeqToken(42)); after != 42 || size != 10 || len(v) != 0 {
		t.Fatalf("round trip: after %d size %d violations %v", after, size, v)
	}
	if after, size := paging.ParseSeq(&v, 0, ""); after != 0 || size != paging.DefaultSize || len(v) != 0 {
		t.Fatalf("start: after %d size %d violations %v", after, size, v)
	}
	cursor := paging.After(time.Unix(5, 0), "x").Encode()
	for _, token := range []string{"%%%", "NDI", cursor, paging.SeqToken(0)} {
		v = nil
		if paging.ParseSeq(&v, 1, token); len(v) != 1 || v[0] != "page_token" {
			t.Errorf("ParseSeq(%q): violations %v", token, v)
		}
	}
	v = nil
	if paging.ParseSeq(&v, -1, ""); len(v) != 1 || v[0] != "page_size" {
		t.Fatalf("negative page size: violations %v", v)
	}
}
