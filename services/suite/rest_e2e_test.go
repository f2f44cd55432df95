package suite_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/natsembed"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/handoffs/workloadtest"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// httpDo sends req with spec's bearer token (none for a zero spec) and
// returns the response with its body read.
func httpDo(t *testing.T, env *suitetest.Env, req *http.Request, spec authn.TokenSpec) (*http.Response, []byte) {
	t.Helper()
	if tok := token(env, spec); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// restGet is a plain GET of path on the gRPC port, as curl would send it.
func restGet(t *testing.T, env *suitetest.Env, path string, spec authn.TokenSpec) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+env.Suite.Addr()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return httpDo(t, env, req, spec)
}

// restAnswer decodes a 200 answer into m.
func restAnswer(t *testing.T, res *http.Response, body []byte, m proto.Message) {
	t.Helper()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s (%s): %s", res.Status, res.Header.Get("Content-Type"), body)
	}
	if err := protojson.Unmarshal(body, m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// restError decodes an error answer: a google.rpc.Status in JSON.
func restError(t *testing.T, res *http.Response, body []byte, wantHTTP int, wantCode codes.Code) *status.Status {
	t.Helper()
	st := &status.Status{}
	if err := protojson.Unmarshal(body, st); err != nil {
		t.Fatalf("%s: %v: %s", res.Status, err, body)
	}
	if res.StatusCode != wantHTTP || codes.Code(st.GetCode()) != wantCode {
		t.Fatalf("%s, code %v, want %d and %v: %s", res.Status, codes.Code(st.GetCode()), wantHTTP, wantCode, body)
	}
	return st
}

func TestRESTReadsAnswerAPlainGETWithABearerToken(t *testing.T) {
	env := suitetest.Start(t)
	ref := receive(t, env, "rest")

	var got referralv1.GetReferralResponse
	res, body := restGet(t, env, "/v1/referrals/"+ref.GetReferralId(), assessor(dpsOrg))
	restAnswer(t, res, body, &got)
	if !proto.Equal(got.GetReferral(), ref) {
		t.Fatalf("GET referral = %v, want %v", got.GetReferral(), ref)
	}

	var list referralv1.ListReferralsResponse
	res, body = restGet(t, env, "/v1/organisations/"+dpsOrg+"/units/"+dps.GetHerId()+"/referrals?status=REFERRAL_STATUS_RECEIVED&page_size=10", assessor(dpsOrg))
	restAnswer(t, res, body, &list)
	if len(list.GetReferrals()) != 1 || list.GetReferrals()[0].GetReferralId() != ref.GetReferralId() {
		t.Fatalf("GET unit referrals = %v", list.GetReferrals())
	}
	res, body = restGet(t, env, "/v1/organisations/"+dpsOrg+"/units/"+dps.GetHerId()+"/referrals?status=REFERRAL_STATUS_WITHDRAWN", assessor(dpsOrg))
	restAnswer(t, res, body, &list)
	if len(list.GetReferrals()) != 0 {
		t.Fatalf("the status filter from the query was not applied: %v", list.GetReferrals())
	}
}

func TestTheRESTHandoffGraphIsTheGRPCOne(t *testing.T) {
	env := suitetest.Start(t)
	w := workloadtest.NewWriter(env.Suite.Store)
	for i := range 6 {
		if err := workloadtest.Journey(t.Context(), w, i, env.Clock.Now().AddDate(0, -6, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.Suite.Handoffs.WaitApplied(t.Context(), env.LastSeq(t.Context())); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		req   *handoffsv1.GetHandoffGraphRequest
	}{
		{"", &handoffsv1.GetHandoffGraphRequest{}},
		{"?unit.her_id=" + workloadtest.DPS.GetHerId() + "&unit.org_number=" + workloadtest.DPS.GetOrgNumber(), &handoffsv1.GetHandoffGraphRequest{Unit: workloadtest.DPS}},
	} {
		want, err := handoffsClient(env).GetHandoffGraph(env.As(t.Context(), opsUser()), c.req)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.GetEdges()) == 0 {
			t.Fatalf("no edges for %q: the comparison would prove nothing", c.query)
		}
		var got handoffsv1.GetHandoffGraphResponse
		res, body := restGet(t, env, "/v1/handoffGraph"+c.query, opsUser())
		restAnswer(t, res, body, &got)
		if !proto.Equal(&got, want) {
			t.Fatalf("GET /v1/handoffGraph%s = %v, gRPC = %v", c.query, &got, want)
		}
	}
}

func TestRESTErrorsKeepTheirCodeAndDetails(t *testing.T) {
	env := suitetest.Start(t)
	ref := receive(t, env, "rest-errors")

	res, body := restGet(t, env, "/v1/referrals/"+ref.GetReferralId(), authn.TokenSpec{})
	restError(t, res, body, http.StatusUnauthorized, codes.Unauthenticated)

	res, body = restGet(t, env, "/v1/referrals/"+ref.GetReferralId(), assessor(otherOrg))
	outsider := restError(t, res, body, http.StatusNotFound, codes.NotFound)
	res, body = restGet(t, env, "/v1/referrals/01JUNKNOWNUNKNOWNUNKNOWNUN", assessor(otherOrg))
	unknown := restError(t, res, body, http.StatusNotFound, codes.NotFound)
	if !proto.Equal(outsider, unknown) {
		t.Fatalf("denied %v differs from absent %v", outsider, unknown)
	}

	res, body = restGet(t, env, "/v1/organisations/"+dpsOrg+"/units/"+dps.GetHerId()+"/referrals?due_on_or_before=soon", assessor(dpsOrg))
	st := restError(t, res, body, http.StatusBadRequest, codes.InvalidArgument)
	var fields []string
	for _, d := range st.GetDetails() {
		var br errdetails.BadRequest
		if d.MessageIs(&br) {
			if err := d.UnmarshalTo(&br); err != nil {
				t.Fatal(err)
			}
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if !slices.Contains(fields, "due_on_or_before") {
		t.Fatalf("violations = %v in %s", fields, body)
	}
}

const consoleOrigin = "https://console.example.no"

func corsEnv(t *testing.T) *suitetest.Env {
	t.Helper()
	return suitetest.StartConfigured(t, func(o *suite.Options) {
		o.HTTPAddr = "127.0.0.1:0"
		o.CORSOrigins = []string{consoleOrigin}
		o.CORSAllowOwnOrigin = true
	})
}

func preflight(t *testing.T, env *suitetest.Env, origin string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, "http://"+env.Suite.Addr()+referralv1.ReferralService_ReceiveReferral_FullMethodName, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "authorization,connect-protocol-version,content-type")
	res, _ := httpDo(t, env, req, authn.TokenSpec{})
	return res
}

func TestCORSAllowsTheConfiguredOriginsAndTheConsolesOwn(t *testing.T) {
	env := corsEnv(t)
	own := "http://" + env.Suite.HTTPAddr()
	for _, origin := range []string{consoleOrigin, own} {
		res := preflight(t, env, origin)
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != origin {
			t.Fatalf("preflight from %s: Allow-Origin %q (%s)", origin, got, res.Status)
		}
		allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"authorization", "connect-protocol-version", "content-type"} {
			if !strings.Contains(allowed, h) {
				t.Fatalf("preflight from %s does not allow %s: %q", origin, h, allowed)
			}
		}
	}
	// The call itself: the browser may read the answer and the gRPC-Web status.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+env.Suite.Addr()+referralv1.ReferralService_GetReferral_FullMethodName,
		strings.NewReader(`{"referralId":"01JUNKNOWNUNKNOWNUNKNOWNUN"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", consoleOrigin)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	res, body := httpDo(t, env, req, assessor(dpsOrg))
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Access-Control-Allow-Origin") != consoleOrigin ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Grpc-Status") {
		t.Fatalf("%s %v: %s", res.Status, res.Header, body)
	}
}

func TestCORSGivesAnOriginNotConfiguredNothing(t *testing.T) {
	env := corsEnv(t)
	for _, origin := range []string{"https://evil.example.com", "https://console.example.no.evil.example.com", "http://console.example.no"} {
		res := preflight(t, env, origin)
		for name := range res.Header {
			if strings.HasPrefix(name, "Access-Control-Allow-") {
				t.Fatalf("preflight from %s got %s: %v", origin, name, res.Header)
			}
		}
	}
}

func TestWithoutConfiguredOriginsNoOriginIsAllowed(t *testing.T) {
	env := suitetest.StartWith(t, natsembed.Options{})
	res := preflight(t, env, consoleOrigin)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("Allow-Origin %q with no origins configured", got)
	}
}
