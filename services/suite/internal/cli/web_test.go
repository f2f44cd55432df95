package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDevPrintsItsHTTPAddressAndAllowsItsOriginOnTheGRPCPort(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"dev", "--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
			"--cors-origin", "https://a.example.no,https://b.example.no", "--log-level", "error"}, w, io.Discard)
		w.Close()
	}()
	printed := map[string]string{}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if name, value, ok := strings.Cut(strings.TrimSpace(lines.Text()), ":"); ok {
			printed[name] = strings.TrimSpace(value)
		}
		if _, ok := printed["HTTP"]; ok {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("stafett dev exited with %d", code)
		}
	}()
	site, grpcAddr := printed["HTTP"], printed["gRPC"]
	if !strings.HasPrefix(site, "http://127.0.0.1:") || grpcAddr == "" {
		t.Fatalf("printed %v", printed)
	}
	// The site answers: dev mounts the console on it.
	res, err := http.Get(site + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/: %s", res.Status)
	}
	// The console's own origin and both configured ones may call the API.
	for _, origin := range []string{site, "https://a.example.no", "https://b.example.no"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, "http://"+grpcAddr+"/stafett.referral.v1.ReferralService/GetReferral", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != origin {
			t.Fatalf("preflight from %s: Allow-Origin %q", origin, got)
		}
	}
}

func TestAnOriginThatIsNotSchemeAndHostFailsBeforeAnythingStarts(t *testing.T) {
	for _, origin := range []string{"localhost:7080", "*", "https://*.example.no", "https://console.example.no/", "ftp://console.example.no"} {
		var stderr bytes.Buffer
		dir := filepath.Join(t.TempDir(), "data")
		code := Main(t.Context(), []string{"dev", "--data-dir", dir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--cors-origin", origin}, io.Discard, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), "CORS origin") {
			t.Fatalf("--cors-origin %q: exit %d, %s", origin, code, stderr.String())
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("--cors-origin %q: the data dir was created (%v)", origin, err)
		}
	}
	t.Setenv("STAFETT_CORS_ORIGIN", "https://ok.example.no,not-an-origin")
	var stderr bytes.Buffer
	if code := Main(t.Context(), []string{"serve", "--grpc-addr", "127.0.0.1:0"}, io.Discard, &stderr); code == 0 || !strings.Contains(stderr.String(), "STAFETT_CORS_ORIGIN") {
		t.Fatalf("STAFETT_CORS_ORIGIN with a bad origin: exit %d, %s", code, stderr.String())
	}
}
