package console

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Persona is someone the dev sign-in page can sign in as.
type Persona struct {
	// ID names the persona in the message catalogue (signin.persona.<id>).
	ID string
	// Landing is the page of the app the persona opens: ops, clinician or patient.
	Landing string
	// Patient is the patient a clinician persona opens first, if any.
	Patient string
}

// SignIn is what the dev sign-in page needs: the personas and a way to mint
// their tokens.
type SignIn struct {
	Personas []Persona
	Mint     func(ctx context.Context, personaID string, now time.Time) (string, error)
}

//go:embed signin.html
var signInHTML string

//go:embed signin.css
var signInCSS []byte

//go:embed src/i18n/messages.json
var messagesJSON []byte

// Languages of the message catalogue; the first is the default.
var Languages = []string{"nb", "en"}

type signInPage struct {
	signIn   *SignIn
	now      func() time.Time
	tmpl     *template.Template
	messages map[string]map[string]string
	css      *asset
}

func newSignInPage(s *SignIn, now func() time.Time) (*signInPage, error) {
	var messages map[string]map[string]string
	if err := json.Unmarshal(messagesJSON, &messages); err != nil {
		return nil, fmt.Errorf("console: message catalogue: %w", err)
	}
	for _, lang := range Languages {
		if messages[lang] == nil {
			return nil, fmt.Errorf("console: message catalogue has no %q", lang)
		}
	}
	for _, p := range s.Personas {
		if !slices.Contains([]string{"ops", "clinician", "patient"}, p.Landing) {
			return nil, fmt.Errorf("console: persona %s: unknown landing page %q", p.ID, p.Landing)
		}
	}
	tmpl, err := template.New("signin").Option("missingkey=error").Parse(signInHTML)
	if err != nil {
		return nil, fmt.Errorf("console: sign-in template: %w", err)
	}
	css := &asset{body: signInCSS, contentType: contentTypes[".css"], etag: `"signin"`, compressible: true}
	return &signInPage{signIn: s, now: now, tmpl: tmpl, messages: messages, css: css}, nil
}

func (p *signInPage) serveCSS(w http.ResponseWriter, r *http.Request) { serveAsset(w, r, p.css) }

func (p *signInPage) lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(Languages, l) {
		return l
	}
	return Languages[0]
}

func (p *signInPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.render(w, r)
	case http.MethodPost:
		p.mint(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

type personaView struct{ ID, Name, About string }

func (p *signInPage) render(w http.ResponseWriter, r *http.Request) {
	lang := p.lang(r)
	m := p.messages[lang]
	t := func(key string) string {
		if s, ok := m[key]; ok {
			return s
		}
		return p.messages[Languages[0]][key]
	}
	var personas []personaView
	for _, ps := range p.signIn.Personas {
		personas = append(personas, personaView{ID: ps.ID, Name: t("signin.persona." + ps.ID), About: t("signin.persona." + ps.ID + ".about")})
	}
	other := "en"
	if lang == "en" {
		other = "nb"
	}
	data := map[string]any{
		"Lang": lang, "Title": t("signin.title"), "Intro": t("signin.intro"), "Personas": personas,
		"Parent": t("signin.parent"), "SignInAs": t("signin.as"), "Expired": r.URL.Query().Has("expired"), "ExpiredText": t("signin.expired"),
		"OtherLang": other, "OtherLangName": t("lang." + other), "Action": Prefix + "signin?lang=" + lang,
		"LangLabel": t("lang.label"), "Brand": t("app.name"),
	}
	w.Header().Set("Content-Type", contentTypes[".html"])
	if err := p.tmpl.Execute(w, data); err != nil {
		http.Error(w, "sign-in page failed", http.StatusInternalServerError)
	}
}

// mint signs the chosen persona in: the token travels back in the URL
// fragment (as an OAuth 2.0 implicit response does), which browsers never
// send to a server, and the app takes it from there.
func (p *signInPage) mint(w http.ResponseWriter, r *http.Request) {
	// A page of another site must not sign a browser in behind its back.
	if !sameOrigin(r) {
		http.Error(w, "cross-origin sign-in refused", http.StatusForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("persona")
	i := slices.IndexFunc(p.signIn.Personas, func(ps Persona) bool { return ps.ID == id })
	if i < 0 {
		http.Error(w, "unknown persona", http.StatusBadRequest)
		return
	}
	persona := p.signIn.Personas[i]
	tok, err := p.signIn.Mint(r.Context(), persona.ID, p.now())
	if err != nil {
		http.Error(w, "could not sign in", http.StatusInternalServerError)
		return
	}
	frag := url.Values{"access_token": {tok}, "token_type": {"Bearer"}}
	if persona.Patient != "" {
		frag.Set("patient", persona.Patient)
	}
	target := Prefix + persona.Landing
	if lang := p.lang(r); lang != Languages[0] {
		target += "?lang=" + lang
	}
	http.Redirect(w, r, target+"#"+strings.ReplaceAll(frag.Encode(), "+", "%20"), http.StatusSeeOther)
}

// sameOrigin tells a form posted from the sign-in page itself from one
// posted by another site. Browsers say so in Sec-Fetch-Site; without it the
// Origin header must name this host (the console's no-referrer policy makes
// a same-origin form's Origin "null").
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
