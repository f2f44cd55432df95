package suite_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// fhirAPI talks to the suite's FHIR API through a real net/http client.
type fhirAPI struct {
	t     *testing.T
	env   *suitetest.Env
	base  string
	codec *fhirr4.Codec
}

// startFHIR runs every service with an HTTP address, so the FHIR API is
// served, on a random loopback port.
func startFHIR(t *testing.T) (*suitetest.Env, *fhirAPI) {
	t.Helper()
	env := suitetest.StartConfigured(t, func(o *suite.Options) { o.HTTPAddr = "127.0.0.1:0" })
	codec, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return env, &fhirAPI{t: t, env: env, base: env.FHIRBase(), codec: codec}
}

type fhirResponse struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// issueExpressions lists the expression of every issue of an OperationOutcome.
func (r fhirResponse) issueExpressions() []string {
	var out []string
	issues, _ := r.json["issue"].([]any)
	for _, is := range issues {
		exprs, _ := is.(map[string]any)["expression"].([]any)
		for _, e := range exprs {
			out = append(out, e.(string))
		}
	}
	return out
}

func (r fhirResponse) issueCodes() []string {
	var out []string
	issues, _ := r.json["issue"].([]any)
	for _, is := range issues {
		out = append(out, is.(map[string]any)["code"].(string))
	}
	return out
}

// do sends a request as spec (nil: no token) and reads the whole answer.
func (f *fhirAPI) do(method, path string, spec *authn.TokenSpec, body []byte, header ...string) fhirResponse {
	f.t.Helper()
	url := path
	if path == "" || path[0] == '/' {
		url = f.base + path
	}
	req, err := http.NewRequestWithContext(f.t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if spec != nil {
		req.Header.Set("Authorization", "Bearer "+f.env.Token(*spec))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	out := fhirResponse{status: resp.StatusCode, header: resp.Header, body: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.json); err != nil {
			f.t.Fatalf("%s %s: %d, body is not JSON: %.200s", method, path, resp.StatusCode, raw)
		}
	}
	if resp.StatusCode >= 500 {
		f.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return out
}

// norwegianServiceRequest is a referral as a Norwegian GP system sends it:
// the patient by fødselsnummer, the referrer as a PractitionerRole with an
// HPR number at the sending organisation, the DPS as a contained
// Organization with its HER-id and organisation number.
func norwegianServiceRequest(identifier, nationalID, priority string) map[string]any {
	sr := map[string]any{
		"resourceType": "ServiceRequest",
		"identifier":   []any{map[string]any{"system": "http://gp.example.no/henvisning", "value": identifier}},
		"status":       "active",
		"intent":       "order",
		"subject":      map[string]any{"identifier": map[string]any{"system": fhirr4.SystemFodselsnummer, "value": nationalID}},
		"reasonCode":   []any{map[string]any{"text": "low mood for months"}},
	}
	if priority != "" {
		sr["priority"] = priority
	}
	return withNorwegianParties(sr)
}

// withNorwegianParties gives a ServiceRequest a valid Norwegian referrer and
// receiving unit, keeping whatever else it contains.
func withNorwegianParties(sr map[string]any) map[string]any {
	contained, _ := sr["contained"].([]any)
	sr["contained"] = append(contained,
		map[string]any{
			"resourceType": "PractitionerRole", "id": "referrer",
			"practitioner": map[string]any{"identifier": map[string]any{"system": fhirr4.SystemHPR, "value": referrerHPR}},
			"organization": map[string]any{"identifier": map[string]any{"system": fhirr4.SystemOrgNumber, "value": senderOrg}},
		},
		map[string]any{
			"resourceType": "Organization", "id": "dps",
			"identifier": []any{
				map[string]any{"system": fhirr4.SystemHERID, "value": dps.GetHerId()},
				map[string]any{"system": fhirr4.SystemOrgNumber, "value": dps.GetOrgNumber()},
			},
		},
	)
	sr["requester"] = map[string]any{"reference": "#referrer"}
	sr["performer"] = []any{map[string]any{"reference": "#dps"}}
	return sr
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// r4Examples is the directory of the official HL7 R4 example resources,
// ../shared/fhir/r4-examples beside the repository. Without it the tests
// that use it skip, except under CI, where its absence is a failure.
func r4Examples(t *testing.T) string {
	t.Helper()
	// Tests run in the module's directory, services/suite: two levels below
	// the repository root, whose sibling is shared/.
	dir := filepath.Join("..", "..", "..", "shared", "fhir", "r4-examples")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the HL7 R4 examples are missing at %s: %v", dir, err)
		}
		t.Skipf("the HL7 R4 examples are not at %s", dir)
	}
	return dir
}
