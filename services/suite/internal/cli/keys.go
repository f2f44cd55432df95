package cli

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stafett/stafett/pkg/ids"
)

const pseudonymKeyFile = "pseudonym.key"

// loadOrCreatePseudonymKey keeps dev's pseudonym key in its data dir, so
// patient ids stay the same across restarts. Losing it re-keys every patient.
func loadOrCreatePseudonymKey(dir string) (*ids.Pseudonymizer, error) {
	path := filepath.Join(dir, pseudonymKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return loadPseudonymKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("create pseudonym key: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("write pseudonym key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("write pseudonym key: %w", err)
		}
		return ids.NewPseudonymizer(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read pseudonym key: %w", err)
	}
	return ids.NewPseudonymizer(key)
}

func loadPseudonymKey(path string) (*ids.Pseudonymizer, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pseudonym key: %w", err)
	}
	return ids.NewPseudonymizer(key)
}
