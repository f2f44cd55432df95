package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/stafett/stafett/pkg/natsembed/natstest"
)

// startServe runs `stafett serve` in the background against a fresh NATS
// server, with a fresh pseudonym key and signing-key dir, and returns its gRPC
// address once it has printed it, the signing-key dir, and a stop function
// that waits for a clean exit.
func startServe(t *testing.T, args ...string) (addr, signingDir string, stop func()) {
	t.Helper()
	nats := natstest.Server(t)
	dir := t.TempDir()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "pseudonym.key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	signingDir = filepath.Join(dir, "signing")
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--nats", nats.ClientURL(),
			"--grpc-addr", "127.0.0.1:0", "--pseudonym-key-file", keyFile, "--signing-key-dir", signingDir,
			"--replicas", "1", "--log-level", "error"}, args...), w, io.Discard)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if _, a, ok := strings.Cut(lines.Text(), " on "); ok {
			addr = strings.TrimSpace(a)
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if addr == "" {
		cancel()
		t.Fatalf("stafett serve exited with %d before listening", <-done)
	}
	return addr, signingDir, func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("stafett serve exited with %d", code)
		}
	}
}

func TestServeRunsChosenServicesAgainstAnExternalNATSServer(t *testing.T) {
	addr, _, stop := startServe(t, "--services", "consent,referral")
	defer stop()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	res, err := healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", res, err)
	}
}

func TestServeRefusesToStartWithoutItsKeys(t *testing.T) {
	nats := natstest.Server(t)
	if code := Main(t.Context(), []string{"serve", "--nats", nats.ClientURL(), "--grpc-addr", "127.0.0.1:0"}, io.Discard, io.Discard); code == 0 {
		t.Fatal("serve started without a pseudonym key")
	}
}
