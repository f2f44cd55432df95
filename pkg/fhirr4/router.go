package fhirr4

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stafett/stafett/pkg/authn"
)

// Interaction is a RESTful interaction a resource type supports.
type Interaction string

// The interactions a Resource can declare by giving a handler.
const (
	InteractionRead       Interaction = "read"
	InteractionSearchType Interaction = "search-type"
	InteractionCreate     Interaction = "create"
	InteractionUpdate     Interaction = "update"
	InteractionDelete     Interaction = "delete"
)

// SearchParamType is a search parameter's type.
type SearchParamType string

// Search parameter types.
const (
	SearchToken     SearchParamType = "token"
	SearchReference SearchParamType = "reference"
	SearchDate      SearchParamType = "date"
	SearchString    SearchParamType = "string"
	SearchURI       SearchParamType = "uri"
	SearchNumber    SearchParamType = "number"
)

// SearchParam is a search parameter a resource type's search accepts. Name
// may carry a modifier ("owner:identifier") when only that form is served.
type SearchParam struct {
	Name          string
	Type          SearchParamType
	Documentation string
}

// Operation is an extended operation ($name) on a resource type or instance.
type Operation struct {
	// Name without the "$".
	Name string
	// Definition is the OperationDefinition's canonical URL.
	Definition string
	// Instance operations are [type]/[id]/$name (the id is PathValue "id"),
	// type operations [type]/$name.
	Instance bool
	// Write operations change something and need the write scope; GET is
	// then refused, as FHIR requires POST for operations with side effects.
	Write   bool
	Handler http.Handler
}

// Resource is a resource type the server supports. Each interaction is
// declared by giving its handler; the CapabilityStatement lists exactly
// those, and the router refuses the rest before any handler runs. Handlers
// find the caller with authn.FromContext and the id with PathValue("id").
type Resource struct {
	Type          string
	Profile       string
	Documentation string
	// ReadScope is needed for read, search and read-only operations;
	// WriteScope for create, update, delete and write operations.
	ReadScope  string
	WriteScope string

	Read   http.Handler
	Search http.Handler
	Create http.Handler
	Update http.Handler
	Delete http.Handler
	// ConditionalCreate declares If-None-Exist support on create.
	ConditionalCreate bool
	SearchParams      []SearchParam
	Operations        []Operation
}

// Edge is one service's part of the FHIR API: its resource types and,
// for at most one service, the transaction interaction.
type Edge struct {
	Resources        []Resource
	Transaction      http.Handler
	TransactionScope string
}

// Config configures a Router.
type Config struct {
	// Base is the path the router is mounted at, e.g. "/fhir/R4".
	Base     string
	Codec    *Codec
	Verifier authn.Verifier
	// Software and Version name the server in the CapabilityStatement.
	Software string
	Version  string
	// Started is the CapabilityStatement's date.
	Started time.Time
	// Transaction handles POST [base] with a transaction Bundle; nil means
	// transactions are not supported. TransactionScope is what it needs.
	Transaction      http.Handler
	TransactionScope string
	Resources        []Resource
	Logger           *slog.Logger
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
}

// Router serves the FHIR REST API at Config.Base: metadata, the declared
// resource types, and transactions. It authenticates every call except
// metadata with the same bearer tokens as gRPC.
type Router struct {
	cfg        Config
	resources  map[string]*Resource
	capability []byte
}

// Common search result parameters every search accepts.
const (
	ParamCount  = "_count"
	ParamCursor = "_cursor"
	ParamFormat = "_format"
)

// NewRouter checks the configuration and renders the CapabilityStatement.
func NewRouter(cfg Config) (*Router, error) {
	if cfg.Codec == nil || cfg.Verifier == nil {
		return nil, errors.New("fhirr4: a router needs a codec and a token verifier")
	}
	cfg.Base = strings.TrimSuffix(cfg.Base, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	r := &Router{cfg: cfg, resources: map[string]*Resource{}}
	for i := range cfg.Resources {
		res := &cfg.Resources[i]
		if _, dup := r.resources[res.Type]; dup {
			return nil, fmt.Errorf("fhirr4: resource type %s registered twice", res.Type)
		}
		if res.ReadScope == "" || res.WriteScope == "" {
			return nil, fmt.Errorf("fhirr4: resource type %s needs a read and a write scope", res.Type)
		}
		r.resources[res.Type] = res
	}
	if cfg.Transaction != nil && cfg.TransactionScope == "" {
		return nil, errors.New("fhirr4: transactions need a scope")
	}
	cs, err := r.capabilityStatement()
	if err != nil {
		return nil, err
	}
	if r.capability, err = cfg.Codec.Marshal(cs); err != nil {
		return nil, fmt.Errorf("fhirr4: capability statement: %w", err)
	}
	return r, nil
}

// route is what a request asks for.
type route struct {
	resource    *Resource
	interaction Interaction
	operation   *Operation
	id          string
	write       bool
	handler     http.Handler
}

func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			r.cfg.Logger.Error("fhir handler panicked", "panic", fmt.Sprint(p), "method", req.Method)
			r.cfg.Codec.WriteError(w, NewError(http.StatusInternalServerError, IssueProcessing, "", "the request could not be processed"))
		}
	}()
	rest, ok := strings.CutPrefix(req.URL.Path, r.cfg.Base)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		r.cfg.Codec.WriteError(w, NewError(http.StatusNotFound, IssueNotFound, "", "not a FHIR endpoint of this server"))
		return
	}
	if err := acceptable(req); err != nil {
		r.cfg.Codec.WriteError(w, err)
		return
	}
	rest = strings.Trim(rest, "/")
	if rest == "metadata" {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			r.cfg.Codec.WriteError(w, notAllowed(req.Method, "metadata"))
			return
		}
		r.cfg.Codec.writeJSON(w, http.StatusOK, r.capability)
		return
	}
	rt, err := r.route(req.Method, rest)
	if err != nil {
		r.cfg.Codec.WriteError(w, err)
		return
	}
	scope := r.cfg.TransactionScope
	if rt.resource != nil {
		scope = rt.resource.ReadScope
		if rt.write {
			scope = rt.resource.WriteScope
		}
	}
	principal, err := r.authenticate(req, scope)
	if err != nil {
		r.cfg.Codec.WriteError(w, err)
		return
	}
	if rt.interaction == InteractionSearchType {
		if err := checkSearchParams(rt.resource, req); err != nil {
			r.cfg.Codec.WriteError(w, err)
			return
		}
	}
	if req.Body != nil {
		req.Body = http.MaxBytesReader(w, req.Body, r.cfg.MaxBody)
	}
	if req.Method == http.MethodPost || req.Method == http.MethodPut {
		if err := jsonBody(req); err != nil {
			r.cfg.Codec.WriteError(w, err)
			return
		}
	}
	req = req.WithContext(authn.NewContext(req.Context(), principal))
	if rt.id != "" {
		req.SetPathValue("id", rt.id)
	}
	rt.handler.ServeHTTP(w, req)
}

// route classifies a request by the FHIR REST URL patterns and refuses an
// interaction the resource type does not declare.
func (r *Router) route(method, rest string) (route, error) {
	if rest == "" {
		if method != http.MethodPost || r.cfg.Transaction == nil {
			return route{}, notAllowed(method, "the base")
		}
		return route{interaction: "transaction", write: true, handler: r.cfg.Transaction}, nil
	}
	parts := strings.Split(rest, "/")
	res, ok := r.resources[parts[0]]
	if !ok {
		return route{}, NewError(http.StatusNotFound, IssueNotSupported, "", fmt.Sprintf("resource type %q is not supported here; see /metadata", parts[0]))
	}
	rt := route{resource: res}
	switch {
	case len(parts) == 1 && (method == http.MethodGet || method == http.MethodHead):
		rt.interaction, rt.handler = InteractionSearchType, res.Search
	case len(parts) == 1 && method == http.MethodPost:
		rt.interaction, rt.handler, rt.write = InteractionCreate, res.Create, true
	case len(parts) == 2 && strings.HasPrefix(parts[1], "$"):
		return r.operation(res, method, "", parts[1])
	case len(parts) == 2 && (method == http.MethodGet || method == http.MethodHead):
		rt.interaction, rt.handler, rt.id = InteractionRead, res.Read, parts[1]
	case len(parts) == 2 && method == http.MethodPut:
		rt.interaction, rt.handler, rt.id, rt.write = InteractionUpdate, res.Update, parts[1], true
	case len(parts) == 2 && method == http.MethodDelete:
		rt.interaction, rt.handler, rt.id, rt.write = InteractionDelete, res.Delete, parts[1], true
	case len(parts) == 3 && strings.HasPrefix(parts[2], "$"):
		return r.operation(res, method, parts[1], parts[2])
	default:
		return route{}, NewError(http.StatusNotFound, IssueNotSupported, "", "not a FHIR REST interaction this server supports; see /metadata")
	}
	if rt.handler == nil {
		return route{}, notAllowed(method, res.Type)
	}
	return rt, nil
}

func (r *Router) operation(res *Resource, method, id, name string) (route, error) {
	name = strings.TrimPrefix(name, "$")
	i := slices.IndexFunc(res.Operations, func(o Operation) bool { return o.Name == name && o.Instance == (id != "") })
	if i < 0 {
		return route{}, NewError(http.StatusNotFound, IssueNotSupported, "", fmt.Sprintf("operation $%s is not supported on %s; see /metadata", name, res.Type))
	}
	op := &res.Operations[i]
	if method != http.MethodPost && (op.Write || method != http.MethodGet) {
		return route{}, notAllowed(method, "$"+name)
	}
	return route{resource: res, operation: op, id: id, write: op.Write, handler: op.Handler}, nil
}

func notAllowed(method, what string) *Error {
	return NewError(http.StatusMethodNotAllowed, IssueNotSupported, "", fmt.Sprintf("%s is not supported on %s; see /metadata", method, what))
}

// authenticate verifies the bearer token and the scope, answering as FHIR
// servers do: 401 with a challenge for a missing or bad token, 403 for a
// good token without the scope. Like the gRPC interceptor, it says the same
// for every kind of bad token.
func (r *Router) authenticate(req *http.Request, scope string) (authn.Principal, error) {
	raw, ok := authn.BearerFromHeader(req.Header.Values("Authorization"))
	if !ok {
		return authn.Principal{}, loginRequired()
	}
	p, err := r.cfg.Verifier.Verify(req.Context(), raw)
	switch {
	case err == nil:
	case errors.Is(err, authn.ErrKeysUnavailable):
		return authn.Principal{}, NewError(http.StatusServiceUnavailable, IssueTransient, "", "cannot verify tokens right now")
	default:
		return authn.Principal{}, loginRequired()
	}
	if !p.HasScope(scope) {
		return authn.Principal{}, NewError(http.StatusForbidden, IssueForbidden, "", fmt.Sprintf("requires scope %q", scope))
	}
	return p, nil
}

func loginRequired() *Error {
	e := NewError(http.StatusUnauthorized, IssueLogin, "", "missing or invalid bearer token")
	e.Header = http.Header{"Www-Authenticate": {`Bearer realm="stafett"`}}
	return e
}

// checkSearchParams refuses a parameter the resource type does not declare:
// silently ignoring a filter would return more than the caller asked for.
func checkSearchParams(res *Resource, req *http.Request) error {
	for name := range req.URL.Query() {
		switch name {
		case ParamCount, ParamCursor, ParamFormat:
			continue
		}
		if !slices.ContainsFunc(res.SearchParams, func(p SearchParam) bool { return p.Name == name }) {
			return NewError(http.StatusBadRequest, IssueNotSupported, "", fmt.Sprintf("search parameter %q is not supported on %s; see /metadata", name, res.Type))
		}
	}
	return nil
}

// acceptable refuses a request for a format other than JSON (406).
func acceptable(req *http.Request) error {
	if f := req.URL.Query().Get(ParamFormat); f != "" && f != "json" && !isJSON(f) {
		return NewError(http.StatusNotAcceptable, IssueNotSupported, "", "only JSON is served")
	}
	accept := req.Header.Get("Accept")
	if accept == "" {
		return nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (isJSON(mt) || mt == "*/*" || mt == "application/*") {
			return nil
		}
	}
	return NewError(http.StatusNotAcceptable, IssueNotSupported, "", "only application/fhir+json is served")
}

// jsonBody refuses a body that is not JSON (415).
func jsonBody(req *http.Request) error {
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || !isJSON(mt) {
		return NewError(http.StatusUnsupportedMediaType, IssueNotSupported, "", "the body must be application/fhir+json")
	}
	return nil
}

func isJSON(mt string) bool {
	mt = strings.ToLower(mt)
	return mt == ContentType || mt == "application/json" || mt == "application/json+fhir"
}
