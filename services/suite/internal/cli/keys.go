package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stafett/stafett/pkg/ids"
)

const (
	pseudonymKeyFile    = "pseudonym.key"
	natsCredentialsFile = "nats-credentials"
	natsUser            = "stafett"
)

// loadOrCreatePseudonymKey keeps dev's pseudonym key in its data dir, so
// patient ids stay the same across restarts. Losing it re-keys every patient.
func loadOrCreatePseudonymKey(dir string) (*ids.Pseudonymizer, error) {
	key, err := loadOrCreateSecret(filepath.Join(dir, pseudonymKeyFile), func() ([]byte, error) {
		key := make([]byte, 32)
		_, err := rand.Read(key)
		return key, err
	})
	if err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	return ids.NewPseudonymizer(key)
}

// natsCredentials are the user and password dev's embedded NATS server
// requires. They stay in the data dir, so a client configured once keeps
// working across restarts.
type natsCredentials struct{ User, Password string }

func loadOrCreateNATSCredentials(dir string) (natsCredentials, error) {
	path := filepath.Join(dir, natsCredentialsFile)
	data, err := loadOrCreateSecret(path, func() ([]byte, error) {
		// Hex, so the password goes into a URL unescaped.
		password := make([]byte, 24)
		if _, err := rand.Read(password); err != nil {
			return nil, err
		}
		return []byte(natsUser + ":" + hex.EncodeToString(password) + "\n"), nil
	})
	if err != nil {
		return natsCredentials{}, fmt.Errorf("NATS credentials: %w", err)
	}
	user, password, ok := strings.Cut(strings.TrimSpace(string(data)), ":")
	if !ok || user == "" || password == "" {
		return natsCredentials{}, fmt.Errorf("NATS credentials: %s does not hold user:password", path)
	}
	return natsCredentials{User: user, Password: password}, nil
}

// loadOrCreateSecret reads the secret at path, creating it with generate when
// it is missing. Dev calls it holding the data dir's lock, so no one reads a
// secret while it is written; creating exclusively keeps whichever was first
// all the same. The file is 0600: the secrets guard national ids.
func loadOrCreateSecret(path string, generate func() ([]byte, error)) ([]byte, error) {
	secret, err := os.ReadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	secret, err = generate()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(secret); err != nil {
		f.Close()
		return nil, err
	}
	return secret, f.Close()
}
