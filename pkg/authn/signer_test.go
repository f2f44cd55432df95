package authn

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateSignerTwiceInSameDirGivesSameKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	first, err := LoadOrCreateSigner(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateSigner(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.service.kid != second.service.kid || !first.service.key.Equal(second.service.key) || !first.user.key.Equal(second.user.key) {
		t.Fatal("second load produced a different key")
	}
	// `stafett token` mints, `stafett dev` verifies.
	clk := newFakeClock()
	if _, err := second.Verifier(clk.Now).Verify(t.Context(), mint(t, first, clinicianSpec(), clk.Now())); err != nil {
		t.Fatalf("token from first signer rejected by second: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	info, err := os.Stat(filepath.Join(dir, SigningKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode = %v, want 0600", got)
	}
	dinfo, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := dinfo.Mode().Perm(); got != 0o700 {
		t.Errorf("created dir mode = %v, want 0700", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want only the key (temporary file left behind?)", len(entries))
	}
}

func TestConcurrentFirstUseOfADataDirAgreesOnOneKey(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	kids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := LoadOrCreateSigner(dir)
			errs[i] = err
			if err == nil {
				kids[i] = s.service.kid
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("load %d: %v", i, errs[i])
		}
		if kids[i] != kids[0] {
			t.Fatalf("load %d got kid %s, load 0 got %s", i, kids[i], kids[0])
		}
	}
}

func TestSigningKeyReadableByOthersIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX permission bits")
	}
	dir := t.TempDir()
	if _, err := LoadOrCreateSigner(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, SigningKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigner(dir); err == nil {
		t.Fatal("world-readable key accepted")
	}
}

func TestSigningKeyFileThatIsNotAnEd25519KeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SigningKeyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigner(dir); err == nil {
		t.Fatal("garbage key file accepted")
	}
}

func TestKeyIDIsPrefixOfRFC7638Thumbprint(t *testing.T) {
	s := newTestSigner(t)
	for name, k := range map[string]signingKey{"service": s.service, "user": s.user} {
		pub := k.key.Public().(ed25519.PublicKey)
		// RFC 7638 §3.2: required members only, lexicographic order, no spaces.
		canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
		sum := sha256.Sum256([]byte(canonical))
		if want := base64.RawURLEncoding.EncodeToString(sum[:])[:16]; k.kid != want {
			t.Errorf("%s kid = %s, want %s", name, k.kid, want)
		}
	}
}

func TestJWKSPublishesOnlyThePublicKey(t *testing.T) {
	s := newTestSigner(t)
	doc, err := s.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k["kid"] != s.user.kid || k["alg"] != "EdDSA" || k["kty"] != "OKP" || k["use"] != "sig" {
		t.Errorf("JWKS key = %v", k)
	}
	if _, ok := k["d"]; ok {
		t.Error("JWKS contains the private key")
	}
}

func TestLoadSignerNeverCreatesAKey(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "data")
	empty := t.TempDir()
	for _, dir := range []string{missing, empty} {
		if _, err := LoadSigner(dir); !errors.Is(err, ErrNoSigningKey) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("LoadSigner(%s) without a key: got %v, want ErrNoSigningKey naming the dir", dir, err)
		}
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadSigner created the dir %s: %v", missing, err)
	}
	if _, err := os.Stat(filepath.Join(empty, SigningKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadSigner created a key: %v", err)
	}

	created, err := LoadOrCreateSigner(empty)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadSigner(empty)
	if err != nil {
		t.Fatal(err)
	}
	if !created.service.key.Equal(loaded.service.key) || !created.user.key.Equal(loaded.user.key) {
		t.Fatal("LoadSigner read a different key than the one in the dir")
	}
}
