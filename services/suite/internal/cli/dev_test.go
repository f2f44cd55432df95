package cli

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/stafett/stafett/pkg/eventstore"
)

func TestDevNATSRefusesClientsWithoutThePrintedCredentialsAndKeepsThemAcrossRestarts(t *testing.T) {
	dataDir := t.TempDir()
	first := mustStartDev(t, dataDir)
	printed, err := url.Parse(first.natsURL)
	if err != nil {
		t.Fatalf("the NATS line %q is not a URL: %v", first.natsURL, err)
	}
	password, _ := printed.User.Password()
	if printed.User.Username() == "" || password == "" {
		t.Fatalf("the NATS line %q carries no credentials", first.natsURL)
	}

	bare := *printed
	bare.User = nil
	if nc, err := nats.Connect(bare.String()); !errors.Is(err, nats.ErrAuthorization) {
		if nc != nil {
			nc.Close()
		}
		t.Fatalf("connecting without credentials: got %v, want an authorization violation", err)
	}
	wrong := *printed
	wrong.User = url.UserPassword(printed.User.Username(), "guessed")
	if _, err := nats.Connect(wrong.String()); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("connecting with a wrong password: got %v, want an authorization violation", err)
	}
	// The printed line alone is enough for a standard client to read the stream.
	readStream(t, first.natsURL)

	info, err := os.Stat(filepath.Join(dataDir, natsCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("the credentials file has mode %v, want 0600", perm)
	}

	first.stop()
	second := mustStartDev(t, dataDir)
	again, err := url.Parse(second.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	if again.User.String() != printed.User.String() {
		t.Fatal("the NATS credentials changed across a restart")
	}
	readStream(t, second.natsURL)
}

func readStream(t *testing.T, natsURL string) {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatalf("connect with the printed URL: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(t.Context(), eventstore.StreamName); err != nil {
		t.Fatalf("read %s with the printed URL: %v", eventstore.StreamName, err)
	}
}

func TestAppendTimeoutFlagReachesTheEventStore(t *testing.T) {
	for _, tc := range []struct {
		value, refusal string
	}{
		{"0s", "--append-timeout"},
		{"soon", "--append-timeout"},
		// Accepted by the flag, refused by the event store: a retry after
		// the limit would no longer be deduplicated.
		{"3m", "duplicate window"},
	} {
		run := startDev(t, t.TempDir(), "--append-timeout", tc.value)
		if !run.exited {
			t.Fatalf("stafett dev started with --append-timeout %s", tc.value)
		}
		if !strings.Contains(run.stderr.String(), tc.refusal) {
			t.Fatalf("--append-timeout %s: want a refusal naming %q, got %s", tc.value, tc.refusal, run.stderr)
		}
	}
	run := mustStartDev(t, t.TempDir(), "--append-timeout", "2s")
	run.stop()
}
