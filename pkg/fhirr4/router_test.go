package fhirr4_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/fhirr4"
)

type routerEnv struct {
	server *httptest.Server
	signer *authn.Signer
	calls  []string
}

// newRouterEnv serves a router with a Task type that can be read and
// searched and a Subscription type injected the way the suite adds one.
func newRouterEnv(t *testing.T) *routerEnv {
	t.Helper()
	signer, err := authn.LoadOrCreateSigner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env := &routerEnv{signer: signer}
	codec := newCodec(t)
	record := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := authn.FromContext(r.Context())
			env.calls = append(env.calls, name+" "+r.PathValue("id")+" "+p.OrgNumber)
			codec.WriteResource(w, http.StatusOK, fhirr4.Outcome(fhirr4.Issue{Severity: fhirr4.SeverityInformation, Code: fhirr4.IssueInformational}))
		})
	}
	router, err := fhirr4.NewRouter(fhirr4.Config{
		Base: "/fhir/R4", Codec: codec, Verifier: signer.Verifier(time.Now), Software: "stafett", Version: "test",
		Resources: []fhirr4.Resource{
			{Type: "Task", ReadScope: "referral:read", WriteScope: "referral:write", Read: record("read"), Search: record("search"),
				SearchParams: []fhirr4.SearchParam{{Name: "status", Type: fhirr4.SearchToken}}},
			{Type: "Subscription", ReadScope: "subscriptions:read", WriteScope: "subscriptions:write", Create: record("create"), ConditionalCreate: false,
				Operations: []fhirr4.Operation{{Name: "status", Instance: true, Definition: "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status", Handler: record("$status")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	env.server = httptest.NewServer(router)
	t.Cleanup(env.server.Close)
	return env
}

func (e *routerEnv) do(t *testing.T, method, path string, scopes []string, body string) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if scopes != nil {
		tok, err := e.signer.Mint(authn.TokenSpec{Subject: "client:974760673", ChildOrgNumber: "974760673", Role: authn.RoleIntegration, Scopes: scopes}, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return resp, out
}

func TestCapabilityStatementListsExactlyTheDeclaredInteractions(t *testing.T) {
	env := newRouterEnv(t)
	resp, cs := env.do(t, http.MethodGet, "/fhir/R4/metadata", nil, "")
	if resp.StatusCode != http.StatusOK || cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "4.0.1" {
		t.Fatalf("metadata: %d %v", resp.StatusCode, cs)
	}
	got := map[string][]string{}
	for i := range 2 {
		res := nested(cs, "rest", 0, "resource", i).(map[string]any)
		for _, ia := range res["interaction"].([]any) {
			got[res["type"].(string)] = append(got[res["type"].(string)], ia.(map[string]any)["code"].(string))
		}
		if ops, ok := res["operation"].([]any); ok {
			for _, op := range ops {
				got[res["type"].(string)] = append(got[res["type"].(string)], "$"+op.(map[string]any)["name"].(string))
			}
		}
	}
	want := map[string][]string{"Task": {"read", "search-type"}, "Subscription": {"create", "$status"}}
	for k, v := range want {
		if strings.Join(got[k], ",") != strings.Join(v, ",") {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if nested(cs, "rest", 0, "resource", 0, "searchParam", 0, "name") != "status" || nested(cs, "rest", 0, "resource", 2) != nil {
		t.Errorf("search params or resource list wrong: %v", cs["rest"])
	}
}

func TestRouterRefusesWhatItDoesNotDeclare(t *testing.T) {
	env := newRouterEnv(t)
	all := []string{"referral:read", "referral:write", "subscriptions:read", "subscriptions:write"}
	tests := []struct {
		method, path string
		scopes       []string
		want         int
		wantCode     string
	}{
		{http.MethodGet, "/fhir/R4/Task/abc", nil, http.StatusUnauthorized, "login"},
		{http.MethodGet, "/fhir/R4/Task/abc", []string{"referral:write"}, http.StatusForbidden, "forbidden"},
		{http.MethodPost, "/fhir/R4/Task", all, http.StatusMethodNotAllowed, "not-supported"},
		{http.MethodDelete, "/fhir/R4/Task/abc", all, http.StatusMethodNotAllowed, "not-supported"},
		{http.MethodGet, "/fhir/R4/Patient/abc", all, http.StatusNotFound, "not-supported"},
		{http.MethodGet, "/fhir/R4/Task?owner=x", all, http.StatusBadRequest, "not-supported"},
		{http.MethodGet, "/fhir/R4/Subscription/s1/$events", all, http.StatusNotFound, "not-supported"},
		{http.MethodPost, "/fhir/R4", all, http.StatusMethodNotAllowed, "not-supported"},
		{http.MethodGet, "/fhir/R4/Task/abc?_format=xml", all, http.StatusNotAcceptable, "not-supported"},
	}
	for _, tt := range tests {
		resp, oo := env.do(t, tt.method, tt.path, tt.scopes, "")
		if resp.StatusCode != tt.want || oo["resourceType"] != "OperationOutcome" || nested(oo, "issue", 0, "code") != tt.wantCode {
			t.Errorf("%s %s: %d %v, want %d %s", tt.method, tt.path, resp.StatusCode, oo, tt.want, tt.wantCode)
		}
	}
	if len(env.calls) != 0 {
		t.Fatalf("a refused request reached a handler: %v", env.calls)
	}
	if resp, _ := env.do(t, http.MethodGet, "/fhir/R4/Task/abc", nil, ""); resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without a challenge")
	}
}

func TestRouterDispatchesInjectedHandlersWithTheCallerAndID(t *testing.T) {
	env := newRouterEnv(t)
	all := []string{"referral:read", "subscriptions:read", "subscriptions:write"}
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/fhir/R4/Task/t1", ""},
		{http.MethodGet, "/fhir/R4/Task?status=received", ""},
		{http.MethodPost, "/fhir/R4/Subscription", `{"resourceType":"Subscription"}`},
		{http.MethodGet, "/fhir/R4/Subscription/s1/$status", ""},
	} {
		if resp, _ := env.do(t, c.method, c.path, all, c.body); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", c.method, c.path, resp.StatusCode)
		}
	}
	want := []string{"read t1 974760673", "search  974760673", "create  974760673", "$status s1 974760673"}
	if strings.Join(env.calls, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q", env.calls, want)
	}
}
