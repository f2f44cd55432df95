package console_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/services/console"
)

var (
	t0    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	units = console.UnitRegister{Units: []console.Unit{{HerID: "80001", OrgNumber: "983974724", Name: "Elvebyen DPS", Kind: "DPS"}}}
)

func devSignIn(mints *[]string) *console.SignIn {
	return &console.SignIn{
		Personas: []console.Persona{{ID: "ops", Landing: "ops"}, {ID: "clinician", Landing: "clinician", Patient: "pt_abc"}},
		Mint: func(_ context.Context, id string, now time.Time) (string, error) {
			if !now.Equal(t0) {
				return "", errors.New("minted with another clock")
			}
			*mints = append(*mints, id)
			return "tok-" + id, nil
		},
	}
}

func start(t *testing.T, opts console.Options) *httptest.Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	h, err := console.Handler(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func startDev(t *testing.T) (*httptest.Server, *[]string) {
	var mints []string
	return start(t, console.Options{Mode: console.Dev, APIBaseURL: "http://127.0.0.1:7000", Units: units, SignIn: devSignIn(&mints)}), &mints
}

// client follows no redirects, so a test sees them.
func client() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches url as a client that does not ask for gzip, unless the
// header says so.
func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := client()
	c.Transport = &http.Transport{DisableCompression: true}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestEveryResponseCarriesAPolicyThatAllowsNoInlineScript(t *testing.T) {
	srv, _ := startDev(t)
	for _, path := range []string{"/console/", "/console/ops", "/console/config.json", "/console/units.json", "/console/signin", "/console/nope.js", "/console/favicon.svg"} {
		res, _ := get(t, srv.URL+path)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: policy %q", path, csp)
		}
		if !strings.Contains(csp, "connect-src 'self' http://127.0.0.1:7000") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: policy %q does not let the page reach the API only", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
}

func TestTheBuiltPagesHoldNoInlineScriptOrStyle(t *testing.T) {
	srv, _ := startDev(t)
	for _, path := range []string{"/console/", "/console/signin"} {
		_, body := get(t, srv.URL+path)
		for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(body, -1) {
			if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s has an inline script: %s", path, m[0])
			}
		}
		if regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=`).MatchString(body) {
			t.Errorf("%s has inline style or an event handler attribute", path)
		}
	}
}

func TestBuiltFilesAreCachedForGoodAndPagesRevalidated(t *testing.T) {
	srv, _ := startDev(t)
	_, index := get(t, srv.URL+"/console/")
	m := regexp.MustCompile(`/console/(assets/[^"]+\.js)`).FindStringSubmatch(index)
	if m == nil {
		t.Fatalf("index.html names no script: %s", index)
	}
	res, body := get(t, srv.URL+"/console/"+m[1])
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || len(body) == 0 {
		t.Fatalf("script: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("built script Cache-Control = %q", cc)
	}
	for _, path := range []string{"/console/", "/console/clinician"} {
		res, body := get(t, srv.URL+path)
		if res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("Content-Type") != "text/html; charset=utf-8" || body != index {
			t.Errorf("%s: %q %q, same page %v", path, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"), body == index)
		}
	}
	// A revalidation with the ETag costs no body.
	res, _ = get(t, srv.URL+"/console/")
	again, body := get(t, srv.URL+"/console/", "If-None-Match", res.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d with %d bytes", again.StatusCode, len(body))
	}
	if res, _ := get(t, srv.URL+"/console/assets/missing.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing file is %d, not 404", res.StatusCode)
	}
	if res, _ := get(t, srv.URL+"/console"); res.StatusCode/100 != 3 || res.Header.Get("Location") != "/console/" {
		t.Errorf("/console answers %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestBrowsersThatAcceptGzipGetTheCompressedFileWithItsOwnETag(t *testing.T) {
	srv, _ := startDev(t)
	plain, index := get(t, srv.URL+"/console/")
	res, gz := get(t, srv.URL+"/console/", "Accept-Encoding", "gzip")
	if plain.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") == plain.Header.Get("ETag") || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip answer: %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || string(b) != index {
		t.Fatalf("decompressed %d bytes (%v), want the page", len(b), err)
	}
}

func TestConfigTellsTheAppWhereTheAPIAndTheSignInAre(t *testing.T) {
	srv, _ := startDev(t)
	res, body := get(t, srv.URL+"/console/config.json")
	if res.Header.Get("Cache-Control") != "no-store" || body != `{"mode":"dev","apiBaseUrl":"http://127.0.0.1:7000","signInUrl":"/console/signin"}` {
		t.Fatalf("config: %q %s", res.Header.Get("Cache-Control"), body)
	}
	_, body = get(t, srv.URL+"/console/units.json")
	if body != `{"units":[{"her_id":"80001","org_number":"983974724","name":"Elvebyen DPS","kind":"DPS"}]}` {
		t.Fatalf("units: %s", body)
	}
	// Under serve with only a port, the API is on the page's own host.
	served := start(t, console.Options{Mode: console.Serve, APIPort: "7000", SignInURL: "https://login.example.no/authorize"})
	u, _ := url.Parse(served.URL)
	_, body = get(t, served.URL+"/console/config.json")
	want := `{"mode":"serve","apiBaseUrl":"http://` + u.Hostname() + `:7000","signInUrl":"https://login.example.no/authorize"}`
	if body != want {
		t.Fatalf("serve config: %s, want %s", body, want)
	}
}

func TestTheDevSignInMintsTheChosenPersonaAndHandsTheTokenOverInTheFragment(t *testing.T) {
	srv, mints := startDev(t)
	res, page := get(t, srv.URL+"/console/signin")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `value="ops"`) || !strings.Contains(page, `value="clinician"`) || !strings.Contains(page, `lang="nb"`) {
		t.Fatalf("sign-in page: %d\n%s", res.StatusCode, page)
	}
	if _, en := get(t, srv.URL+"/console/signin?lang=en"); !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Sign in") {
		t.Errorf("English sign-in page:\n%s", en)
	}
	post := func(persona string, header ...string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/console/signin?lang=en", strings.NewReader(url.Values{"persona": {persona}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res = post("clinician", "Sec-Fetch-Site", "same-origin", "Origin", "null")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != "/console/clinician?lang=en#access_token=tok-clinician&patient=pt_abc&token_type=Bearer" {
		t.Fatalf("sign-in answered %d, Location %q", res.StatusCode, loc)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a minted token may be cached: %q", res.Header.Get("Cache-Control"))
	}
	if res := post("nobody"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown persona: %d", res.StatusCode)
	}
	if res := post("ops", "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form from another site: %d", res.StatusCode)
	}
	if res := post("ops", "Origin", "https://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form from another origin: %d", res.StatusCode)
	}
	if strings.Join(*mints, ",") != "clinician" {
		t.Errorf("minted %v, want only the clinician", *mints)
	}
}

func TestUnderServeThereIsNoSignInPage(t *testing.T) {
	var mints []string
	srv := start(t, console.Options{Mode: console.Serve, APIBaseURL: "https://api.example.no", SignIn: devSignIn(&mints)})
	for _, path := range []string{"/console/signin", "/console/signin.css"} {
		if res, _ := get(t, srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s under serve: %d", path, res.StatusCode)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/console/signin", strings.NewReader("persona=ops"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || len(mints) != 0 {
		t.Errorf("POST sign-in under serve: %d, minted %v", res.StatusCode, mints)
	}
	if _, body := get(t, srv.URL+"/console/config.json"); !strings.Contains(body, `"signInUrl":""`) {
		t.Errorf("serve config: %s", body)
	}
}

func TestHandlerRefusesAnIncompleteConfiguration(t *testing.T) {
	cases := map[string]console.Options{
		"dev without a sign-in": {Mode: console.Dev, APIBaseURL: "http://x"},
		"no API":                {Mode: console.Serve},
		"unknown mode":          {Mode: "prod", APIBaseURL: "http://x"},
		"bad landing":           {Mode: console.Dev, APIBaseURL: "http://x", SignIn: &console.SignIn{Personas: []console.Persona{{ID: "x", Landing: "admin"}}}},
	}
	for name, opts := range cases {
		if _, err := console.Handler(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
