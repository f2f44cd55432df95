package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// startDevConsole runs `stafett dev` with args and returns the gRPC address
// and the console's URL it printed.
func startDevConsole(t *testing.T, args ...string) (grpcAddr, consoleURL string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"dev", "--data-dir", t.TempDir(), "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-level", "error"}, args...), w, io.Discard)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("stafett dev exited with %d", code)
		}
	})
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if a, ok := strings.CutPrefix(line, "gRPC:"); ok {
			grpcAddr = strings.TrimSpace(a)
		}
		if u, ok := strings.CutPrefix(line, "console:"); ok {
			consoleURL = strings.TrimSpace(u)
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if consoleURL == "" {
		t.Fatal("stafett dev printed no console URL")
	}
	return grpcAddr, consoleURL
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestDevServesTheConsoleWithTheSignInAndTheAPIAddress(t *testing.T) {
	register := filepath.Join(t.TempDir(), "units.json")
	if err := os.WriteFile(register, []byte(`{"units":[{"her_id":"70001","org_number":"983974724","name":"Testbyen DPS","kind":"DPS"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	grpcAddr, consoleURL := startDevConsole(t, "--unit-register", register)
	if code, body := fetch(t, consoleURL); code != http.StatusOK || !strings.Contains(body, `<div id="app">`) {
		t.Fatalf("console: %d %s", code, body)
	}
	_, body := fetch(t, consoleURL+"config.json")
	var cfg struct{ Mode, APIBaseURL, SignInURL string }
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != "dev" || cfg.APIBaseURL != "http://"+grpcAddr || cfg.SignInURL != "/console/signin" {
		t.Fatalf("config = %+v (gRPC %s)", cfg, grpcAddr)
	}
	if code, page := fetch(t, consoleURL+"signin"); code != http.StatusOK || !strings.Contains(page, `value="patient"`) {
		t.Fatalf("sign-in: %d", code)
	}
	if _, units := fetch(t, consoleURL+"units.json"); !strings.Contains(units, "Testbyen DPS") {
		t.Fatalf("units: %s", units)
	}
}

func TestDevWithTheDemoNamesTheDemosUnits(t *testing.T) {
	r, err := unitRegister("", true)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, u := range r.Units {
		names[u.HerID] = u.Name
	}
	if names["80001"] != "Elvebyen DPS" || names["80002"] != "BUP Fjordheim" {
		t.Fatalf("demo register = %v", names)
	}
	if r, err := unitRegister("", false); err != nil || len(r.Units) != 0 {
		t.Fatalf("without the demo: %v, %v", r, err)
	}
}

func TestABadUnitRegisterStopsDevBeforeItStarts(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "units.json")
	if err := os.WriteFile(bad, []byte(`{"units":[{"her_id":"1","org_number":"123","name":"X","kind":"DPS"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	dataDir := filepath.Join(t.TempDir(), "never")
	if code := Main(t.Context(), []string{"dev", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--unit-register", bad}, io.Discard, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errOut.String(), "units[0].org_number") {
		t.Errorf("error does not name the entry: %s", errOut.String())
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("dev created its data dir before refusing: %v", err)
	}
}

func TestServeWithTheConsoleNeedsAnHTTPAddress(t *testing.T) {
	var errOut bytes.Buffer
	if code := Main(t.Context(), []string{"serve", "--console"}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "--console needs --http-addr") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

func TestTheBrowserReachesTheAPIWhereTheGRPCAddressSays(t *testing.T) {
	cases := []struct{ addr, base, port string }{
		{"127.0.0.1:7000", "http://127.0.0.1:7000", "7000"},
		{"[::]:7000", "", "7000"},
		{"0.0.0.0:7001", "", "7001"},
		{":7002", "", "7002"},
		{"api.internal:7003", "http://api.internal:7003", "7003"},
	}
	for _, tc := range cases {
		base, port, err := apiLocation(tc.addr)
		if err != nil || base != tc.base || port != tc.port {
			t.Errorf("%s: %q %q %v, want %q %q", tc.addr, base, port, err, tc.base, tc.port)
		}
	}
}
