package suite_test

import (
	"testing"

	"github.com/stafett/stafett/pkg/ids"
)

func mustNID(t *testing.T, s string) ids.NationalID {
	t.Helper()
	n, err := ids.ParseNationalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
