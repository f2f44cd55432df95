// Package console serves the Stafett console: the web app built from this
// directory's TypeScript sources into dist/ (committed, so the Go build needs
// no npm), its runtime configuration, the unit register that puts names on
// HER-ids and, in development, a sign-in page that mints tokens for the
// demo's personas.
//
// Every response carries a Content-Security-Policy that allows scripts only
// from the console's own origin (no inline script, no eval) and connections
// only to it and to the API address.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Prefix is where the console is mounted on the HTTP site.
const Prefix = "/console/"

//go:embed all:dist
var dist embed.FS

// Mode says how the console signs people in.
type Mode string

const (
	// Dev offers the sign-in page that mints tokens for the demo's personas.
	Dev Mode = "dev"
	// Serve expects a bearer token from the organisation's identity
	// provider; the sign-in page does not exist.
	Serve Mode = "serve"
)

// Options configure the console.
type Options struct {
	Mode Mode
	// APIBaseURL is where the browser reaches the APIs (Connect, gRPC-Web):
	// the suite's gRPC address as the browser sees it, e.g.
	// "http://127.0.0.1:7000". Empty means the page's own host on APIPort.
	APIBaseURL string
	// APIPort is used with the page's host when APIBaseURL is empty.
	APIPort string
	// Units names units; it is served to the browser as units.json.
	Units UnitRegister
	// SignIn mints tokens for the sign-in page; required in Dev, ignored in
	// Serve.
	SignIn *SignIn
	// SignInURL is, under Serve, where the console sends a user without a
	// valid token: an OpenID Connect login (HelseID) that returns to the
	// console with "#access_token=…". Empty shows a page to paste a token.
	SignInURL string
	// Now is the clock the sign-in page mints with; default time.Now.
	Now func() time.Time
}

// asset is one file of the built app. Its gzip form is made on the first
// request that accepts it, and kept when it is smaller.
type asset struct {
	body         []byte
	contentType  string
	etag         string
	immutable    bool
	compressible bool
	gzipOnce     sync.Once
	gz           []byte
}

func (a *asset) gzipped() []byte {
	if !a.compressible {
		return nil
	}
	a.gzipOnce.Do(func() {
		if gz := gzipped(a.body); len(gz) < len(a.body) {
			a.gz = gz
		}
	})
	return a.gz
}

// Handler serves the console under Prefix.
func Handler(opts Options) (http.Handler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Mode == Dev && opts.SignIn == nil {
		return nil, fmt.Errorf("console: dev mode needs a sign-in")
	}
	if opts.Mode != Dev && opts.Mode != Serve {
		return nil, fmt.Errorf("console: unknown mode %q", opts.Mode)
	}
	if opts.APIBaseURL == "" && opts.APIPort == "" {
		return nil, fmt.Errorf("console: an API base URL or port is required")
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	if _, ok := assets["index.html"]; !ok {
		return nil, fmt.Errorf("console: dist/index.html is missing: run make generate")
	}
	units, err := json.Marshal(opts.Units)
	if err != nil {
		return nil, fmt.Errorf("console: units: %w", err)
	}
	h := &handler{opts: opts, assets: assets, units: units}
	if opts.Mode == Dev {
		if h.signin, err = newSignInPage(opts.SignIn, opts.Now); err != nil {
			return nil, err
		}
	}
	return h, nil
}

type handler struct {
	opts   Options
	assets map[string]*asset
	units  []byte
	signin *signInPage
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api := h.apiBaseURL(r)
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy(api))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	rel, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch rel {
	case "config.json":
		h.serveJSON(w, r, h.config(api))
		return
	case "units.json":
		h.serveJSON(w, r, h.units)
		return
	case "signin", "signin.css":
		if h.signin == nil {
			// Under serve there is no sign-in page: tokens come from the
			// organisation's identity provider.
			http.NotFound(w, r)
			return
		}
		if rel == "signin.css" {
			h.signin.serveCSS(w, r)
			return
		}
		h.signin.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[rel]
	if !ok && rel == "" {
		a, ok = h.assets["index.html"], true
	}
	if !ok {
		// Pages of the app (ops, clinician, patient) are routes of
		// index.html; a missing file (it has an extension) is not.
		if strings.Contains(path.Base(rel), ".") {
			http.NotFound(w, r)
			return
		}
		a = h.assets["index.html"]
	}
	serveAsset(w, r, a)
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Add("Vary", "Accept-Encoding")
	if a.immutable {
		// Vite names built files by their content: a new build is a new name.
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, a.etag
	if acceptsGzip(r) {
		if gz := a.gzipped(); gz != nil {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (h *handler) serveJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// Config is what the app reads at start from config.json.
type Config struct {
	Mode       Mode   `json:"mode"`
	APIBaseURL string `json:"apiBaseUrl"`
	// SignInURL is where a user without a valid token goes: the dev
	// sign-in page, an OIDC login, or empty for the paste-a-token page.
	SignInURL string `json:"signInUrl"`
}

func (h *handler) config(api string) []byte {
	c := Config{Mode: h.opts.Mode, APIBaseURL: api, SignInURL: h.opts.SignInURL}
	if h.opts.Mode == Dev {
		c.SignInURL = Prefix + "signin"
	}
	b, _ := json.Marshal(c) // a struct of strings always encodes
	return b
}

func (h *handler) apiBaseURL(r *http.Request) string {
	if h.opts.APIBaseURL != "" {
		return h.opts.APIBaseURL
	}
	host := r.Host
	if hst, _, err := net.SplitHostPort(r.Host); err == nil {
		host = hst
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), h.opts.APIPort)
}

// contentSecurityPolicy allows scripts, styles, images and fonts from the
// console's origin only — no inline script or style element, no eval — and
// connections to it and the API.
func contentSecurityPolicy(api string) string {
	connect := "'self'"
	if api != "" {
		connect += " " + api
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// contentTypes are set explicitly so that the answer does not depend on the
// host's MIME tables.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
	".map":   "application/json",
}

var compressible = map[string]bool{".html": true, ".js": true, ".css": true, ".json": true, ".svg": true, ".txt": true, ".map": true}

func loadAssets() (map[string]*asset, error) {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	assets := map[string]*asset{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// Vite's manifest is for build tooling, not for browsers.
		if strings.HasPrefix(p, ".vite/") {
			return nil
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		ext := path.Ext(p)
		ct, ok := contentTypes[ext]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		assets[p] = &asset{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
			immutable: strings.HasPrefix(p, "assets/"), compressible: compressible[ext]}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: built assets: %w", err)
	}
	return assets, nil
}

// gzipped compresses an asset once: the assets never change while the
// process runs.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = zw.Write(b)                                       // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}
