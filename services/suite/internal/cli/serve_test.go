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

func TestServeRunsChosenServicesAgainstAnExternalNATSServer(t *testing.T) {
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
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--services", "consent,referral", "--nats", nats.ClientURL(),
			"--grpc-addr", "127.0.0.1:0", "--pseudonym-key-file", keyFile, "--signing-key-dir", filepath.Join(dir, "signing"),
			"--replicas", "1", "--log-level", "error"}, w, io.Discard)
		w.Close()
	}()
	addr := ""
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
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	res, err := healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", res, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("stafett serve exited with %d", code)
	}
}

func TestServeRefusesToStartWithoutItsKeys(t *testing.T) {
	nats := natstest.Server(t)
	if code := Main(t.Context(), []string{"serve", "--nats", nats.ClientURL(), "--grpc-addr", "127.0.0.1:0"}, io.Discard, io.Discard); code == 0 {
		t.Fatal("serve started without a pseudonym key")
	}
}
