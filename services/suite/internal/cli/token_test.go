package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stafett/stafett/pkg/authn"
)

func TestTokenNeverCreatesASigningKey(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "sub", ".stafett")
	empty := t.TempDir()
	for _, dir := range []string{missing, empty} {
		var out, errOut bytes.Buffer
		code := Main(t.Context(), []string{"token", "--data-dir", dir, "--hpr", "555", "--org", "983974724", "--scope", "referral:read"}, &out, &errOut)
		if code == 0 {
			t.Fatalf("stafett token signed without a key in %s", dir)
		}
		if !strings.Contains(errOut.String(), dir) {
			t.Fatalf("the refusal does not name the dir %s: %s", dir, errOut.String())
		}
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stafett token created %s: %v", missing, err)
	}
	if _, err := os.Stat(filepath.Join(empty, authn.SigningKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stafett token created a signing key: %v", err)
	}
}
