package errs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
)

func violations(t *testing.T, v *errs.Validation) map[string]string {
	t.Helper()
	got := map[string]string{}
	var ve *errs.ValidationError
	if err := v.Err(); errors.As(err, &ve) {
		for _, fv := range ve.Violations {
			got[fv.Field] = fv.Description
		}
	}
	return got
}

func TestRequestID(t *testing.T) {
	var v errs.Validation
	v.RequestID(" ")
	if got := violations(t, &v); got["request_id"] != "is required" {
		t.Fatal(got)
	}
	v = errs.Validation{}
	v.RequestID(strings.Repeat("r", 129))
	if got := violations(t, &v); got["request_id"] != "must be at most 128 characters" {
		t.Fatal(got)
	}
	v = errs.Validation{}
	v.RequestID(strings.Repeat("r", 128))
	if v.Err() != nil {
		t.Fatal(v.Err())
	}
}

func TestText(t *testing.T) {
	var v errs.Validation
	v.Text("reason", "", true, 10)
	v.Text("note", "", false, 10)
	v.Text("long", "eleven char", false, 10)
	got := violations(t, &v)
	if len(got) != 2 || got["reason"] != "is required" || got["long"] != "is too long" {
		t.Fatal(got)
	}
}

func TestUnit(t *testing.T) {
	var v errs.Validation
	v.Unit("unit", ids.Unit{HerID: "12345", OrgNumber: "974760673"})
	if v.Err() != nil {
		t.Fatal(v.Err())
	}
	v.Unit("a", ids.Unit{HerID: "", OrgNumber: "974760674"})
	v.Unit("b", ids.Unit{HerID: "1234567890123", OrgNumber: "12"})
	got := violations(t, &v)
	want := map[string]string{
		"a.her_id": "is required", "a.org_number": "check digit does not match",
		"b.her_id": "must be up to 12 digits", "b.org_number": "must be 9 digits",
	}
	if len(got) != len(want) {
		t.Fatal(got)
	}
	for f, d := range want {
		if got[f] != d {
			t.Errorf("%s: %q, want %q", f, got[f], d)
		}
	}
}
