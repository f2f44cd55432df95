package suite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/fhirr4"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/suite"
	"github.com/stafett/stafett/services/suite/suitetest"
)

func spec(s authn.TokenSpec) *authn.TokenSpec { return &s }

// TestEveryHL7ServiceRequestExampleGetsItsStatedOutcome posts each official
// R4 ServiceRequest example twice: as the file stands, and given a valid
// Norwegian subject (fødselsnummer), referrer (HPR at the sending
// organisation) and receiving unit (HER-id and organisation number). Each
// gets the outcome stated here: accepted, or a 4xx OperationOutcome whose
// issues name exactly these elements. None gets a 5xx (fhirAPI.do fails the
// test on one), and every example in the directory has a row.
func TestEveryHL7ServiceRequestExampleGetsItsStatedOutcome(t *testing.T) {
	dir := r4Examples(t)
	const (
		status  = "ServiceRequest.status"
		intent  = "ServiceRequest.intent"
		dnp     = "ServiceRequest.doNotPerform"
		ident   = "ServiceRequest.identifier"
		subject = "ServiceRequest.subject"
		req     = "ServiceRequest.requester"
		perf    = "ServiceRequest.performer"
	)
	type outcome struct {
		status      int
		expressions []string
	}
	refused := func(exprs ...string) outcome { return outcome{http.StatusUnprocessableEntity, exprs} }
	accepted := outcome{status: http.StatusCreated}
	tests := map[string]struct{ asIs, norwegian outcome }{
		"ambulation":             {refused(status), refused(status)},
		"appendectomy-narrative": {refused(status), refused(status)},
		"benchpress":             {refused(intent), refused(intent)}, // intent plan
		"colon-biopsy":           {refused(status), refused(status)},
		"colonoscopy":            {refused(status), refused(status)},
		// An active original order with no identifier, and parties known only
		// by references this server cannot resolve.
		"di":              {refused(ident, subject, req, perf), refused(ident)},
		"do-not-turn":     {refused(dnp), refused(dnp)},
		"education":       {refused(status), refused(status)},
		"example-implant": {refused(status), refused(status)},
		"example-pgx":     {refused(ident, subject, req, perf), refused(ident)},
		"example":         {refused(status), refused(status)},
		// Active orders with the placer's identifier: a referral once the
		// parties are Norwegian.
		"lipid":            {refused(subject, req, perf+"[0]"), accepted},
		"myringotomy":      {refused(subject, req, perf+"[0]"), accepted},
		"ob":               {refused(status), refused(status)},
		"physical-therapy": {refused(status), refused(status)},
		"physiotherapy":    {refused(status), refused(status)},
		"subrequest":       {refused(intent), refused(intent)}, // intent instance-order
		"vent":             {refused(status), refused(status)},
	}
	files, err := filepath.Glob(filepath.Join(dir, "ServiceRequest-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ServiceRequest examples in %s: %v", dir, err)
	}
	env, api := startFHIR(t)
	engine := spec(integration(senderOrg))
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "ServiceRequest-"), ".json")
		want, ok := tests[name]
		if !ok {
			t.Errorf("%s: no stated outcome for this example", name)
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var norwegian map[string]any
		if err := json.Unmarshal(raw, &norwegian); err != nil {
			t.Fatal(err)
		}
		norwegian["subject"] = map[string]any{"identifier": map[string]any{"system": fhirr4.SystemFodselsnummer, "value": patientNID}}
		norwegian = withNorwegianParties(norwegian)
		for _, c := range []struct {
			variant string
			body    []byte
			want    outcome
		}{{"as it stands", raw, want.asIs}, {"with Norwegian parties", mustJSON(t, norwegian), want.norwegian}} {
			before := env.LastSeq(t.Context())
			got := api.do(http.MethodPost, "/ServiceRequest", engine, c.body)
			if got.status != c.want.status {
				t.Errorf("%s %s: status %d, want %d: %s", name, c.variant, got.status, c.want.status, got.body)
				continue
			}
			if c.want.status != http.StatusCreated {
				exprs := got.issueExpressions()
				sort.Strings(exprs)
				wantExprs := slices.Sorted(slices.Values(c.want.expressions))
				if got.json["resourceType"] != "OperationOutcome" || !slices.Equal(exprs, wantExprs) {
					t.Errorf("%s %s: issues at %v, want %v: %s", name, c.variant, exprs, wantExprs, got.body)
				}
				if after := env.LastSeq(t.Context()); after != before {
					t.Errorf("%s %s: refused, yet the stream moved from %d to %d", name, c.variant, before, after)
				}
				continue
			}
			if got.json["resourceType"] != "ServiceRequest" || got.json["id"] == nil || got.header.Get("Location") == "" {
				t.Errorf("%s %s: accepted without the resource: %s", name, c.variant, got.body)
			}
		}
	}
}

// TestTheHL7TransactionExampleIsRefusedNamingEachEntry posts the official
// transaction example, which holds no ServiceRequest but deletes, searches
// and an operation: every entry that is no part of a referral is named.
func TestTheHL7TransactionExampleIsRefusedNamingEachEntry(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(r4Examples(t), "Bundle-bundle-transaction.json"))
	if err != nil {
		t.Fatal(err)
	}
	env, api := startFHIR(t)
	before := env.LastSeq(t.Context())
	got := api.do(http.MethodPost, "", spec(integration(senderOrg)), raw)
	want := []string{"Bundle.entry", "Bundle.entry[5].resource", "Bundle.entry[6].resource", "Bundle.entry[7].resource", "Bundle.entry[8].resource", "Bundle.entry[9].resource"}
	exprs := got.issueExpressions()
	sort.Strings(exprs)
	if got.status != http.StatusUnprocessableEntity || !slices.Equal(exprs, want) {
		t.Fatalf("%d, issues at %v, want 422 at %v", got.status, exprs, want)
	}
	if env.LastSeq(t.Context()) != before {
		t.Fatal("a refused transaction appended")
	}
}

func TestConditionalCreateReturnsTheSameResourceAndAppendsNothing(t *testing.T) {
	env, api := startFHIR(t)
	engine := spec(integration(senderOrg))
	body := mustJSON(t, norwegianServiceRequest("h-1", patientNID, "urgent"))
	cond := "identifier=http://gp.example.no/henvisning|h-1"

	first := api.do(http.MethodPost, "/ServiceRequest", engine, body, "If-None-Exist", cond)
	if first.status != http.StatusCreated {
		t.Fatalf("first create: %d %s", first.status, first.body)
	}
	// What the create answered is what a read of the ServiceRequest shows.
	if read := api.do(http.MethodGet, "/ServiceRequest/"+first.json["id"].(string), spec(assessor(dpsOrg)), nil); string(read.body) != string(first.body) {
		t.Fatalf("read back:\n%s\ncreated:\n%s", read.body, first.body)
	}
	seq := env.LastSeq(t.Context())
	again := api.do(http.MethodPost, "/ServiceRequest", engine, body, "If-None-Exist", cond)
	if again.status != http.StatusOK || string(again.body) != string(first.body) || again.header.Get("Location") != first.header.Get("Location") {
		t.Fatalf("the same create again: %d\n%s\nwant 200 with\n%s", again.status, again.body, first.body)
	}
	// Without the header the identifier is still the referral's identity.
	plain := api.do(http.MethodPost, "/ServiceRequest", engine, body)
	if plain.status != http.StatusOK || plain.json["id"] != first.json["id"] {
		t.Fatalf("plain create of the same: %d %s", plain.status, plain.body)
	}
	if env.LastSeq(t.Context()) != seq {
		t.Fatal("a repeated create appended")
	}

	changed := norwegianServiceRequest("h-1", patientNID, "stat")
	dup := api.do(http.MethodPost, "/ServiceRequest", engine, mustJSON(t, changed), "If-None-Exist", cond)
	if dup.status != http.StatusUnprocessableEntity || !slices.Equal(dup.issueCodes(), []string{"duplicate"}) ||
		!slices.Equal(dup.issueExpressions(), []string{"ServiceRequest.identifier"}) {
		t.Fatalf("a different referral under the same identifier: %d %s", dup.status, dup.body)
	}
	if env.LastSeq(t.Context()) != seq {
		t.Fatal("a refused duplicate appended")
	}

	// Another sender's identifier space is its own.
	other := api.do(http.MethodPost, "/ServiceRequest", spec(integration(otherOrg)), body, "If-None-Exist", cond)
	if other.status != http.StatusCreated || other.json["id"] == first.json["id"] {
		t.Fatalf("another sender's create: %d %s", other.status, other.body)
	}

	// identifier=<value> without a system matches under every system.
	second := norwegianServiceRequest("h-2", patientNID, "")
	second["identifier"] = []any{map[string]any{"system": "http://gp.example.no/other", "value": "h-1"}}
	if r := api.do(http.MethodPost, "/ServiceRequest", engine, mustJSON(t, second)); r.status != http.StatusCreated {
		t.Fatalf("same value under another system: %d %s", r.status, r.body)
	}
	ambiguous := api.do(http.MethodPost, "/ServiceRequest", engine, body, "If-None-Exist", "identifier=h-1")
	if ambiguous.status != http.StatusPreconditionFailed || !slices.Equal(ambiguous.issueCodes(), []string{"multiple-matches"}) {
		t.Fatalf("identifier=h-1 matching two: %d %s", ambiguous.status, ambiguous.body)
	}
	for _, bad := range []string{"identifier=http://gp.example.no/henvisning|nope", "_id=1", "identifier=a&identifier=b"} {
		if r := api.do(http.MethodPost, "/ServiceRequest", engine, body, "If-None-Exist", bad); r.status != http.StatusBadRequest ||
			!slices.Equal(r.issueExpressions(), []string{"ServiceRequest.identifier"}) {
			t.Errorf("If-None-Exist %q: %d %s", bad, r.status, r.body)
		}
	}
}

func TestPriorityMapsToUrgency(t *testing.T) {
	env, api := startFHIR(t)
	for i, c := range []struct {
		priority string
		want     referralv1.Urgency
	}{
		{"", referralv1.Urgency_URGENCY_ROUTINE},
		{"routine", referralv1.Urgency_URGENCY_ROUTINE},
		{"urgent", referralv1.Urgency_URGENCY_URGENT},
		{"asap", referralv1.Urgency_URGENCY_URGENT},
		{"stat", referralv1.Urgency_URGENCY_EMERGENCY},
	} {
		created := api.do(http.MethodPost, "/ServiceRequest", spec(integration(senderOrg)), mustJSON(t, norwegianServiceRequest(fmt.Sprint("prio-", i), patientNID, c.priority)))
		if created.status != http.StatusCreated {
			t.Fatalf("%q: %d %s", c.priority, created.status, created.body)
		}
		r, err := client(env).GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: created.json["id"].(string)})
		if err != nil {
			t.Fatal(err)
		}
		if r.GetReferral().GetUrgency() != c.want {
			t.Errorf("priority %q became %v, want %v", c.priority, r.GetReferral().GetUrgency(), c.want)
		}
		if c.want == referralv1.Urgency_URGENCY_EMERGENCY && r.GetReferral().GetAssessmentDue() != "" {
			t.Errorf("an emergency got an assessment due date %s", r.GetReferral().GetAssessmentDue())
		}
	}
}

func TestATransactionWithItsPartiesBecomesAReferral(t *testing.T) {
	env, api := startFHIR(t)
	entry := func(fullURL string, resource map[string]any, extra ...string) map[string]any {
		req := map[string]any{"method": "POST", "url": resource["resourceType"]}
		if len(extra) == 1 {
			req["ifNoneExist"] = extra[0]
		}
		return map[string]any{"fullUrl": fullURL, "resource": resource, "request": req}
	}
	bundle := map[string]any{
		"resourceType": "Bundle", "type": "transaction",
		"entry": []any{
			entry("urn:uuid:8a2c7f0e-0001-4000-8000-000000000001", map[string]any{
				"resourceType": "ServiceRequest", "status": "active", "intent": "original-order", "priority": "urgent",
				"identifier": []any{map[string]any{"system": "http://gp.example.no/henvisning", "value": "tx-1"}},
				"subject":    map[string]any{"reference": "urn:uuid:8a2c7f0e-0002-4000-8000-000000000002"},
				"requester":  map[string]any{"reference": "urn:uuid:8a2c7f0e-0003-4000-8000-000000000003"},
				"performer":  []any{map[string]any{"reference": "Organization/dps"}},
				"reasonCode": []any{map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/sid/icd-10", "code": "F32.1", "display": "Moderate depressive episode"}}}},
			}, "identifier=http://gp.example.no/henvisning|tx-1"),
			entry("urn:uuid:8a2c7f0e-0002-4000-8000-000000000002", map[string]any{
				"resourceType": "Patient", "identifier": []any{map[string]any{"system": fhirr4.SystemFodselsnummer, "value": patientNID}},
			}),
			entry("urn:uuid:8a2c7f0e-0003-4000-8000-000000000003", map[string]any{
				"resourceType": "Practitioner", "identifier": []any{map[string]any{"system": fhirr4.SystemHPR, "value": referrerHPR}},
			}),
			entry("http://example.no/fhir/Organization/dps", map[string]any{
				"resourceType": "Organization", "id": "dps", "identifier": []any{
					map[string]any{"system": fhirr4.SystemHERID, "value": dps.GetHerId()},
					map[string]any{"system": fhirr4.SystemOrgNumber, "value": dps.GetOrgNumber()},
				},
			}),
		},
	}
	body := mustJSON(t, bundle)
	got := api.do(http.MethodPost, "", spec(integration(senderOrg)), body)
	if got.status != http.StatusOK || got.json["type"] != "transaction-response" {
		t.Fatalf("transaction: %d %s", got.status, got.body)
	}
	entries := got.json["entry"].([]any)
	srEntry := entries[0].(map[string]any)
	if len(entries) != 4 || srEntry["response"].(map[string]any)["status"] != "201 Created" {
		t.Fatalf("entries: %s", got.body)
	}
	id := srEntry["resource"].(map[string]any)["id"].(string)
	r, err := client(env).GetReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.GetReferralRequest{ReferralId: id})
	if err != nil {
		t.Fatal(err)
	}
	ref := r.GetReferral()
	if ref.GetPatientNationalId() != patientNID || ref.GetReferrerHpr() != referrerHPR || ref.GetReferrerOrgNumber() != senderOrg ||
		ref.GetReceivingUnit().GetHerId() != dps.GetHerId() || ref.GetUrgency() != referralv1.Urgency_URGENCY_URGENT ||
		ref.GetReason() != "Moderate depressive episode" || ref.GetExternalId() != "http://gp.example.no/henvisning|tx-1" {
		t.Fatalf("referral %v", ref)
	}
	seq := env.LastSeq(t.Context())
	again := api.do(http.MethodPost, "", spec(integration(senderOrg)), body)
	if again.status != http.StatusOK || again.json["entry"].([]any)[0].(map[string]any)["response"].(map[string]any)["status"] != "200 OK" || env.LastSeq(t.Context()) != seq {
		t.Fatalf("the same transaction again: %d %s", again.status, again.body)
	}
}

// reader is whoever may read the referral at this point of its life: an
// assessor at the unit holding it.
type lifeStep struct {
	name   string
	reader authn.TokenSpec
	act    func(t *testing.T, env *suitetest.Env, referralID string)
}

// TestTaskReadBackHoldsTheStateTheGRPCAPIReports is the round-trip
// property: after every step of a referral's life, driven over gRPC, the
// Task read over FHIR parses with the FHIR library and shows what GetReferral
// and GetPathway report.
func TestTaskReadBackHoldsTheStateTheGRPCAPIReports(t *testing.T) {
	grant := func(deadline string) func(*testing.T, *suitetest.Env, string) {
		return func(t *testing.T, env *suitetest.Env, id string) {
			unit := dpsOrg
			r, _ := client(env).GetReferral(env.As(t.Context(), assessor(bupOrg)), &referralv1.GetReferralRequest{ReferralId: id})
			if r.GetReferral().GetReceivingUnit().GetOrgNumber() == bupOrg {
				unit = bupOrg
			}
			_, err := client(env).AssessReferral(env.As(t.Context(), assessor(unit)), &referralv1.AssessReferralRequest{
				RequestId: "grant", ReferralId: id,
				Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{
					CareStartDeadline: deadline, PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11, Priority: referralv1.Priority_PRIORITY_NORMAL,
				}},
			})
			must(t, err)
			pwWaitForProcessManager(t, env, id)
		}
	}
	pathwayOf := func(t *testing.T, env *suitetest.Env, id string, reader authn.TokenSpec) *pathwayv1.Pathway {
		res, err := pwClient(env).ListPathways(env.As(t.Context(), reader), &pathwayv1.ListPathwaysRequest{
			Subject: &pathwayv1.ListPathwaysRequest_PatientId{PatientId: env.PatientID(patientNID)},
		})
		must(t, err)
		for _, p := range res.GetPathways() {
			if p.GetReferralId() == id {
				return p
			}
		}
		return nil
	}
	bupStaff := clinician("557", bupOrg, "pathway:read", "pathway:write", "referral:read")
	// The patient sees their own pathways whatever becomes of the care team.
	self := patient(patientNID)
	self.Scopes = append(self.Scopes, "pathway:read")
	flows := map[string]struct {
		priority string
		steps    []lifeStep
	}{
		"granted, forwarded, attended, completed": {steps: []lifeStep{
			{"received", assessor(dpsOrg), nil},
			{"information requested", assessor(dpsOrg), func(t *testing.T, env *suitetest.Env, id string) {
				_, err := client(env).RequestInformation(env.As(t.Context(), assessor(dpsOrg)), &referralv1.RequestInformationRequest{RequestId: "info", ReferralId: id, What: "blood tests"})
				must(t, err)
			}},
			{"forwarded", assessor(bupOrg), func(t *testing.T, env *suitetest.Env, id string) {
				_, err := client(env).ForwardReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.ForwardReferralRequest{RequestId: "fwd", ReferralId: id, ToUnit: bup, Reason: "a child"})
				must(t, err)
			}},
			{"granted", assessor(bupOrg), grant("2026-05-29")},
			{"first attendance", assessor(bupOrg), func(t *testing.T, env *suitetest.Env, id string) {
				p := pathwayOf(t, env, id, bupStaff)
				_, err := pwClient(env).RecordFirstAttendance(env.As(t.Context(), bupStaff), &pathwayv1.RecordFirstAttendanceRequest{
					RequestId: "attended", PathwayId: p.GetPathwayId(), AttendedAt: timestamppb.New(env.Clock.Now()),
				})
				must(t, err)
			}},
			{"completed", assessor(bupOrg), func(t *testing.T, env *suitetest.Env, id string) {
				p := pathwayOf(t, env, id, bupStaff)
				_, err := pwClient(env).CompletePathway(env.As(t.Context(), bupStaff), &pathwayv1.CompletePathwayRequest{RequestId: "done", PathwayId: p.GetPathwayId(), Reason: "well"})
				must(t, err)
			}},
		}},
		"no right": {steps: []lifeStep{
			{"received", assessor(dpsOrg), nil},
			{"rejected", assessor(dpsOrg), func(t *testing.T, env *suitetest.Env, id string) {
				_, err := client(env).AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
					RequestId: "no", ReferralId: id,
					Outcome: &referralv1.AssessReferralRequest_NoRight{NoRight: &referralv1.NoRight{Reason: "follow-up by the GP suffices", FollowUp: "GP"}},
				})
				must(t, err)
			}},
		}},
		"withdrawn": {steps: []lifeStep{
			{"received", assessor(dpsOrg), nil},
			{"withdrawn", assessor(dpsOrg), func(t *testing.T, env *suitetest.Env, id string) {
				_, err := client(env).WithdrawReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.WithdrawReferralRequest{RequestId: "wd", ReferralId: id, Reason: "better"})
				must(t, err)
			}},
		}},
		"emergency": {priority: "stat", steps: []lifeStep{
			{"received", assessor(dpsOrg), nil},
			{"booked in", assessor(dpsOrg), func(t *testing.T, env *suitetest.Env, id string) {
				_, err := client(env).ScheduleFirstAppointment(env.As(t.Context(), assessor(dpsOrg)), &referralv1.ScheduleFirstAppointmentRequest{RequestId: "book", ReferralId: id, AppointmentDate: "2026-03-03"})
				must(t, err)
			}},
		}},
	}
	for name, flow := range flows {
		t.Run(name, func(t *testing.T) {
			env, api := startFHIR(t)
			created := api.do(http.MethodPost, "/ServiceRequest", spec(integration(senderOrg)), mustJSON(t, norwegianServiceRequest("life", patientNID, flow.priority)))
			if created.status != http.StatusCreated {
				t.Fatalf("create: %d %s", created.status, created.body)
			}
			id := created.json["id"].(string)
			var lastVersion string
			for _, step := range flow.steps {
				if step.act != nil {
					step.act(t, env, id)
				}
				// Pathway facts reach the Task view from the stream: wait for it,
				// do not sleep.
				seq := env.LastSeq(t.Context())
				must(t, env.Suite.Referral.WaitTaskView(t.Context(), seq))

				res := api.do(http.MethodGet, "/Task/"+id, &step.reader, nil)
				if res.status != http.StatusOK {
					t.Fatalf("%s: GET Task: %d %s", step.name, res.status, res.body)
				}
				cr, err := api.codec.Parse(res.body)
				if err != nil {
					t.Fatalf("%s: the Task does not parse: %v", step.name, err)
				}
				task := cr.GetTask()
				r, err := client(env).GetReferral(env.As(t.Context(), step.reader), &referralv1.GetReferralRequest{ReferralId: id})
				must(t, err)
				var pw *pathwayv1.Pathway
				if r.GetReferral().GetStatus() == referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED {
					pw = pathwayOf(t, env, id, self)
				}
				if problems := taskAgrees(task, r.GetReferral(), pw); len(problems) > 0 {
					t.Fatalf("%s: the Task disagrees with gRPC: %s\n%s", step.name, strings.Join(problems, "; "), res.body)
				}
				if v := task.GetMeta().GetVersionId().GetValue(); v == lastVersion {
					t.Fatalf("%s: the Task's version stayed %s", step.name, v)
				} else {
					lastVersion = v
				}
				if res.header.Get("ETag") != `W/"`+lastVersion+`"` {
					t.Fatalf("%s: ETag %q for version %s", step.name, res.header.Get("ETag"), lastVersion)
				}
			}
		})
	}
}

// taskAgrees lists where a Task differs from the referral and pathway the
// gRPC API reports.
func taskAgrees(task *taskpb.Task, r *referralv1.Referral, pw *pathwayv1.Pathway) []string {
	var problems []string
	check := func(what string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			problems = append(problems, fmt.Sprintf("%s is %v, gRPC says %v", what, got, want))
		}
	}
	status, _ := fhirr4.TaskStatusOf(task.GetStatus().GetValue())
	check("status", status, wantTaskStatus(r, pw))
	check("id", task.GetId().GetValue(), r.GetReferralId())
	check("focus", task.GetFocus().GetServiceRequestId().GetValue(), r.GetReferralId())
	check("owner", task.GetOwner().GetIdentifier().GetValue().GetValue(), r.GetReceivingUnit().GetHerId())
	check("requester", task.GetRequester().GetIdentifier().GetValue().GetValue(), senderOrg)
	check("for", task.GetForValue().GetIdentifier().GetValue().GetValue(), r.GetPatientNationalId())
	check("priority", task.GetPriority().GetValue(), fhirr4.Priority(r.GetUrgency()))
	deadline := ""
	if end := task.GetRestriction().GetPeriod().GetEnd(); end != nil {
		deadline = fhirr4.DateOf(end).String()
	}
	check("restriction.period.end", deadline, r.GetAssessment().GetRightGranted().GetCareStartDeadline())
	check("statusReason", task.GetStatusReason().GetText().GetValue(), r.GetAssessment().GetNoRight().GetReason())
	business := ""
	if cs := task.GetBusinessStatus().GetCoding(); len(cs) == 1 {
		business = cs[0].GetCode().GetValue()
		check("businessStatus.system", cs[0].GetSystem().GetValue(), fhirr4.BusinessStatusSystem)
	}
	switch r.GetStatus() {
	case referralv1.ReferralStatus_REFERRAL_STATUS_INFORMATION_REQUESTED:
		check("businessStatus", business, fhirr4.BusinessInformationRequested)
	case referralv1.ReferralStatus_REFERRAL_STATUS_FORWARDED:
		check("businessStatus", business, fhirr4.BusinessForwarded)
	default:
		if !r.GetAssessmentDeadlineBreached() && !r.GetCareStartDeadlineAtRisk() && !r.GetCareStartDeadlineBreached() {
			check("businessStatus", business, "")
		}
	}
	return problems
}

func wantTaskStatus(r *referralv1.Referral, pw *pathwayv1.Pathway) fhirr4.TaskStatus {
	switch r.GetStatus() {
	case referralv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN:
		return fhirr4.TaskCancelled
	case referralv1.ReferralStatus_REFERRAL_STATUS_NO_RIGHT:
		return fhirr4.TaskRejected
	case referralv1.ReferralStatus_REFERRAL_STATUS_RIGHT_GRANTED:
		if pw.GetStatus() == pathwayv1.PathwayStatus_PATHWAY_STATUS_COMPLETED {
			return fhirr4.TaskCompleted
		}
		for _, m := range pw.GetMilestones() {
			if m.GetMilestone() == pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE && m.GetActualDate() != "" {
				return fhirr4.TaskInProgress
			}
		}
		return fhirr4.TaskAccepted
	}
	unassessed := r.GetUrgency() == referralv1.Urgency_URGENCY_EMERGENCY || r.GetInternal()
	if unassessed && r.GetFirstAppointmentDate() != "" {
		return fhirr4.TaskInProgress
	}
	return fhirr4.TaskReceived
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAStrangerGetsExactlyTheNotFoundOfAMissingTask(t *testing.T) {
	env, api := startFHIR(t)
	created := api.do(http.MethodPost, "/ServiceRequest", spec(integration(senderOrg)), mustJSON(t, norwegianServiceRequest("s-1", patientNID, "")))
	id := created.json["id"].(string)
	const missing = "01JNOSUCHREFERRALNOSUCHREF"
	// The sending organisation holds the record it wrote, whoever there asks
	// (TestTheSenderReadsAndSearchesItsOwnReferralsTasksAndNoOthers): the
	// strangers are of organisations that never held it.
	strangers := []authn.TokenSpec{
		clinician("4242", otherOrg, "referral:read"),
		integration(otherOrg),
		{Subject: "nav", ChildOrgNumber: otherOrg, Role: authn.RoleCoordinator, Scopes: []string{"referral:read"}},
		{Subject: "ops", ChildOrgNumber: dpsOrg, Role: authn.RoleOps, Scopes: []string{"referral:read"}},
	}
	for _, kind := range []string{"Task", "ServiceRequest"} {
		absent := api.do(http.MethodGet, "/"+kind+"/"+missing, spec(assessor(dpsOrg)), nil)
		if absent.status != http.StatusNotFound {
			t.Fatalf("missing %s: %d", kind, absent.status)
		}
		for _, s := range strangers {
			got := api.do(http.MethodGet, "/"+kind+"/"+id, &s, nil)
			if got.status != absent.status || strings.ReplaceAll(string(got.body), id, missing) != string(absent.body) || !sameHeaders(got.header, absent.header) {
				t.Fatalf("%s as %s: %d %s %v\nwant %d %s %v", kind, s.Subject, got.status, got.body, got.header, absent.status, absent.body, absent.header)
			}
		}
	}
	// The consent service and the access log saw no permitted read.
	for _, e := range accessLog(t, env, env.PatientID(patientNID)) {
		if strings.HasPrefix(e.GetOperation(), "fhir/") {
			t.Fatalf("a refused read is in the access log: %v", e)
		}
	}
}

func sameHeaders(a, b http.Header) bool {
	for _, h := range []string{"Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"} {
		if a.Get(h) != b.Get(h) {
			return false
		}
	}
	return true
}

// TestAMissingTaskIsAnsweredAfterTheSameAccessCheckAsADeniedOne proves the
// two answers do the same work: with the consent service unreachable, the
// missing id cannot be answered either, because it, too, waits for an
// access decision.
func TestAMissingTaskIsAnsweredAfterTheSameAccessCheckAsADeniedOne(t *testing.T) {
	env, api := startFHIR(t)
	created := api.do(http.MethodPost, "/ServiceRequest", spec(integration(senderOrg)), mustJSON(t, norwegianServiceRequest("w-1", patientNID, "")))
	id := created.json["id"].(string)
	consentProc, _ := env.StartPeer([]string{"consent"}, "")
	referralProc, err := suite.Start(t.Context(), suite.Options{
		NATS: env.Conn, Services: []string{"referral"}, ConsentAddr: consentProc.Addr(), HTTPAddr: "127.0.0.1:0",
		Verifier: env.Signer.Verifier(time.Now), Signer: env.Signer, Pseudonyms: env.Pseudonyms, Clock: env.Clock, DeadlineInterval: time.Hour,
	})
	must(t, err)
	t.Cleanup(func() { referralProc.Shutdown(context.Background()) })
	peer := &fhirAPI{t: t, env: env, base: "http://" + referralProc.HTTPAddr() + suite.FHIRBase, codec: api.codec}
	stranger := spec(clinician("4242", otherOrg, "referral:read"))
	if r := peer.do(http.MethodGet, "/Task/"+id, stranger, nil); r.status != http.StatusNotFound {
		t.Fatalf("stranger with consent up: %d", r.status)
	}
	consentProc.Shutdown(context.Background())
	for _, path := range []string{"/Task/" + id, "/Task/01JNOSUCHREFERRALNOSUCHREF"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, peer.base+path, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+env.Token(*stranger))
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s with the consent service down: %d, want 503 like every read that needs a decision", path, resp.StatusCode)
		}
	}
}

func TestTaskSearchPagesThroughNextLinksOldestUpdateFirst(t *testing.T) {
	env, api := startFHIR(t)
	engine := spec(integration(senderOrg))
	var ids []string
	for i := range 5 {
		r := api.do(http.MethodPost, "/ServiceRequest", engine, mustJSON(t, norwegianServiceRequest(fmt.Sprint("page-", i), patientNID, "")))
		ids = append(ids, r.json["id"].(string))
		env.Clock.Advance(time.Minute)
	}
	// Another sender's referral to the same unit.
	api.do(http.MethodPost, "/ServiceRequest", spec(integration(otherOrg)), mustJSON(t, norwegianServiceRequest("page-x", patientNID, "")))
	_, err := client(env).AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "grant", ReferralId: ids[1],
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11}},
	})
	must(t, err)
	must(t, env.Suite.Referral.WaitTaskView(t.Context(), env.LastSeq(t.Context())))

	reader := spec(assessor(dpsOrg))
	collect := func(path string) ([]string, int) {
		t.Helper()
		var got []string
		pages := 0
		for next := path; next != ""; pages++ {
			res := api.do(http.MethodGet, next, reader, nil)
			if res.status != http.StatusOK || res.json["type"] != "searchset" {
				t.Fatalf("GET %s: %d %s", next, res.status, res.body)
			}
			next = ""
			for _, l := range res.json["link"].([]any) {
				if l.(map[string]any)["relation"] == "next" {
					next = l.(map[string]any)["url"].(string)
				}
			}
			entries, _ := res.json["entry"].([]any)
			for _, e := range entries {
				got = append(got, e.(map[string]any)["resource"].(map[string]any)["id"].(string))
			}
		}
		return got, pages
	}
	byRequester, pages := collect("/Task?requester:identifier=" + fhirr4.SystemOrgNumber + "|" + senderOrg + "&_count=2")
	// The granted one was updated last.
	want := []string{ids[0], ids[2], ids[3], ids[4], ids[1]}
	if !slices.Equal(byRequester, want) || pages != 3 {
		t.Fatalf("requester search: %v in %d pages, want %v in 3", byRequester, pages, want)
	}
	owned, _ := collect("/Task?owner=" + fhirr4.SystemHERID + "|" + dps.GetHerId() + "&status=received")
	if len(owned) != 5 || slices.Contains(owned, ids[1]) {
		t.Fatalf("owner search for received: %v", owned)
	}
	accepted, _ := collect("/Task?owner:identifier=" + fhirr4.SystemOrgNumber + "|" + dpsOrg + "&status=accepted,rejected")
	if !slices.Equal(accepted, []string{ids[1]}) {
		t.Fatalf("accepted: %v", accepted)
	}
	// Polling: everything updated after the third one's last update.
	third := api.do(http.MethodGet, "/Task/"+ids[2], reader, nil)
	since := third.json["meta"].(map[string]any)["lastUpdated"].(string)
	newer, _ := collect("/Task?requester=" + fhirr4.SystemOrgNumber + "|" + senderOrg + "&_lastUpdated=gt" + since)
	if !slices.Equal(newer, []string{ids[3], ids[4], ids[1]}) {
		t.Fatalf("_lastUpdated=gt%s: %v", since, newer)
	}
	// A stranger's search finds nothing, and says nothing of why.
	if res := api.do(http.MethodGet, "/Task?requester:identifier="+fhirr4.SystemOrgNumber+"|"+senderOrg, spec(clinician("4242", otherOrg, "referral:read")), nil); res.json["entry"] != nil {
		t.Fatalf("a stranger's search: %s", res.body)
	}
	for _, bad := range []string{"/Task?status=done", "/Task?owner=Organization/1", "/Task", "/Task?_lastUpdated=2026-03-01", "/Task?owner=" + fhirr4.SystemHERID + "|1&_cursor=nonsense", "/Task?subject=x"} {
		if res := api.do(http.MethodGet, bad, reader, nil); res.status != http.StatusBadRequest || res.json["resourceType"] != "OperationOutcome" {
			t.Errorf("GET %s: %d %s", bad, res.status, res.body)
		}
	}
}

// TestTheSenderReadsAndSearchesItsOwnReferralsTasksAndNoOthers: the
// organisation that sent a referral holds the record it wrote
// (BASIS_RECORD_HOLDER), so its integration engine follows the status of
// what it sent with Task?requester=, each read logged. Holding its own
// referral of a patient opens that referral only: another sender's referral
// of the same patient stays the 404 of a missing one, and never shows in a
// search.
func TestTheSenderReadsAndSearchesItsOwnReferralsTasksAndNoOthers(t *testing.T) {
	env, api := startFHIR(t)
	engine := spec(integration(senderOrg))
	var own []string
	for i := range 3 {
		r := api.do(http.MethodPost, "/ServiceRequest", engine, mustJSON(t, norwegianServiceRequest(fmt.Sprint("mine-", i), patientNID, "")))
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		own = append(own, r.json["id"].(string))
		env.Clock.Advance(time.Minute)
	}
	theirs := api.do(http.MethodPost, "/ServiceRequest", spec(integration(otherOrg)), mustJSON(t, norwegianServiceRequest("theirs", patientNID, "")))
	if theirs.status != http.StatusCreated {
		t.Fatalf("the other sender's create: %d %s", theirs.status, theirs.body)
	}
	theirID := theirs.json["id"].(string)
	// The unit's assessment reaches the sender's Task.
	_, err := client(env).AssessReferral(env.As(t.Context(), assessor(dpsOrg)), &referralv1.AssessReferralRequest{
		RequestId: "grant", ReferralId: own[0],
		Outcome: &referralv1.AssessReferralRequest_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11}},
	})
	must(t, err)
	must(t, env.Suite.Referral.WaitTaskView(t.Context(), env.LastSeq(t.Context())))

	// Oldest update first: the accepted one was updated last. The other
	// sender's referral is in none of them, whatever the search names.
	for path, want := range map[string][]string{
		"/Task?requester:identifier=" + fhirr4.SystemOrgNumber + "|" + senderOrg: {own[1], own[2], own[0]},
		"/Task?owner=" + fhirr4.SystemHERID + "|" + dps.GetHerId():               {own[1], own[2], own[0]},
		"/Task?requester=" + fhirr4.SystemOrgNumber + "|" + otherOrg:             nil,
	} {
		res := api.do(http.MethodGet, path, engine, nil)
		if res.status != http.StatusOK {
			t.Fatalf("the sender's search %s: %d %s", path, res.status, res.body)
		}
		var found []string
		entries, _ := res.json["entry"].([]any)
		for _, e := range entries {
			found = append(found, e.(map[string]any)["resource"].(map[string]any)["id"].(string))
		}
		if !slices.Equal(found, want) {
			t.Fatalf("the sender's search %s found %v, want %v", path, found, want)
		}
	}
	task := api.do(http.MethodGet, "/Task/"+own[0], engine, nil)
	if task.status != http.StatusOK || task.json["status"] != string(fhirr4.TaskAccepted) {
		t.Fatalf("the sender's Task: %d %s", task.status, task.body)
	}
	if sr := api.do(http.MethodGet, "/ServiceRequest/"+own[1], engine, nil); sr.status != http.StatusOK {
		t.Fatalf("the sender's ServiceRequest: %d %s", sr.status, sr.body)
	}

	// The other sender's referral of the same patient: exactly a missing one.
	const missing = "01JNOSUCHREFERRALNOSUCHREF"
	for _, kind := range []string{"Task", "ServiceRequest"} {
		absent := api.do(http.MethodGet, "/"+kind+"/"+missing, engine, nil)
		got := api.do(http.MethodGet, "/"+kind+"/"+theirID, engine, nil)
		if got.status != http.StatusNotFound || strings.ReplaceAll(string(got.body), theirID, missing) != string(absent.body) {
			t.Fatalf("another sender's %s: %d %s", kind, got.status, got.body)
		}
	}
	// Every read the engine made is in the patient's access log, under the
	// engine's organisation; none of the other sender's referral.
	logged := map[string]int{}
	for _, e := range accessLog(t, env, env.PatientID(patientNID)) {
		if e.GetActorOrgNumber() == senderOrg && strings.HasPrefix(e.GetOperation(), "fhir/") {
			logged[e.GetResource()]++
			if e.GetResource() == "referrals/"+theirID {
				t.Fatalf("a refused read is in the access log: %v", e)
			}
		}
	}
	for _, id := range own {
		if logged["referrals/"+id] == 0 {
			t.Fatalf("the sender's reads of %s are not in the access log: %v", id, logged)
		}
	}
}

func TestFHIRReadsPassTheAccessCheckAndAreLogged(t *testing.T) {
	env, api := startFHIR(t)
	created := api.do(http.MethodPost, "/ServiceRequest", spec(integration(senderOrg)), mustJSON(t, norwegianServiceRequest("log-1", patientNID, "")))
	id := created.json["id"].(string)
	for _, path := range []string{"/Task/" + id, "/ServiceRequest/" + id, "/Task?owner=" + fhirr4.SystemHERID + "|" + dps.GetHerId()} {
		if r := api.do(http.MethodGet, path, spec(assessor(dpsOrg)), nil); r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	var ops []string
	for _, e := range accessLog(t, env, env.PatientID(patientNID)) {
		if e.GetActorOrgNumber() == dpsOrg && e.GetResource() == "referrals/"+id {
			ops = append(ops, e.GetOperation())
		}
	}
	sort.Strings(ops)
	if want := []string{"fhir/R4 ServiceRequest.read", "fhir/R4 Task.read", "fhir/R4 Task.search"}; !slices.Equal(ops, want) {
		t.Fatalf("access log operations %v, want %v", ops, want)
	}
}

func TestFHIRCallsNeedATokenWithTheScopeTheGRPCCallNeeds(t *testing.T) {
	_, api := startFHIR(t)
	body := mustJSON(t, norwegianServiceRequest("auth-1", patientNID, ""))
	if r := api.do(http.MethodPost, "/ServiceRequest", nil, body); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", r.status)
	}
	readOnly := authn.TokenSpec{Subject: "client:" + senderOrg, ChildOrgNumber: senderOrg, Role: authn.RoleIntegration, Scopes: []string{"referral:read"}}
	if r := api.do(http.MethodPost, "/ServiceRequest", &readOnly, body); r.status != http.StatusForbidden {
		t.Fatalf("no write scope: %d", r.status)
	}
	writeOnly := assessor(dpsOrg)
	writeOnly.Scopes = []string{"referral:write"}
	if r := api.do(http.MethodGet, "/Task/x", &writeOnly, nil); r.status != http.StatusForbidden {
		t.Fatalf("no read scope: %d", r.status)
	}
	if r := api.do(http.MethodGet, "/metadata", nil, nil); r.status != http.StatusOK || r.json["resourceType"] != "CapabilityStatement" {
		t.Fatalf("metadata needs no token: %d", r.status)
	}
}

func TestTheCapabilityStatementListsExactlyWhatIsServed(t *testing.T) {
	_, api := startFHIR(t)
	cs := api.do(http.MethodGet, "/metadata", nil, nil).json
	rest := cs["rest"].([]any)[0].(map[string]any)
	got := map[string][]string{}
	for _, r := range rest["resource"].([]any) {
		res := r.(map[string]any)
		for _, ia := range res["interaction"].([]any) {
			got[res["type"].(string)] = append(got[res["type"].(string)], ia.(map[string]any)["code"].(string))
		}
		if res["type"] == "ServiceRequest" && res["conditionalCreate"] != true {
			t.Error("ServiceRequest does not declare conditional create")
		}
		if res["type"] == "Subscription" {
			var ops []string
			for _, op := range res["operation"].([]any) {
				ops = append(ops, op.(map[string]any)["name"].(string))
			}
			if fmt.Sprint(ops) != "[status events]" {
				t.Errorf("Subscription operations %v, want $status and $events", ops)
			}
		}
	}
	want := map[string][]string{
		"ServiceRequest": {"read", "create"}, "Subscription": {"read", "create", "delete"}, "Task": {"read", "search-type"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("interactions %v, want %v", got, want)
	}
	if ia := rest["interaction"].([]any); len(ia) != 1 || ia[0].(map[string]any)["code"] != "transaction" {
		t.Fatalf("system interactions %v", rest["interaction"])
	}
}

// TestNoMalformedRequestGetsA5xx sends what a broken engine might: every
// answer is a 4xx OperationOutcome (fhirAPI.do fails the test on a 5xx).
func TestNoMalformedRequestGetsA5xx(t *testing.T) {
	env, api := startFHIR(t)
	engine := spec(integration(senderOrg))
	before := env.LastSeq(t.Context())
	dNumber, ok := withCheckDigits("711299989")
	if !ok {
		t.Fatal("no D-number")
	}
	bad := func(mutate func(map[string]any)) []byte {
		sr := norwegianServiceRequest("bad", patientNID, "")
		mutate(sr)
		return mustJSON(t, sr)
	}
	cases := map[string]struct {
		path, contentType string
		body              []byte
	}{
		"not JSON":              {"/ServiceRequest", "", []byte("{not json")},
		"empty":                 {"/ServiceRequest", "", []byte{}},
		"an array":              {"/ServiceRequest", "", []byte("[]")},
		"unknown resource type": {"/ServiceRequest", "", []byte(`{"resourceType":"Henvisning"}`)},
		"a Patient":             {"/ServiceRequest", "", []byte(`{"resourceType":"Patient"}`)},
		"unknown element":       {"/ServiceRequest", "", bad(func(sr map[string]any) { sr["colour"] = "blue" })},
		"bad status code":       {"/ServiceRequest", "", bad(func(sr map[string]any) { sr["status"] = "sent" })},
		"bad national id": {"/ServiceRequest", "", bad(func(sr map[string]any) {
			sr["subject"].(map[string]any)["identifier"].(map[string]any)["value"] = "12345678901"
		})},
		"D-number as fnr": {"/ServiceRequest", "", bad(func(sr map[string]any) {
			sr["subject"].(map[string]any)["identifier"].(map[string]any)["value"] = dNumber
		})},
		"no reason":                    {"/ServiceRequest", "", bad(func(sr map[string]any) { delete(sr, "reasonCode") })},
		"deep nesting":                 {"/ServiceRequest", "", []byte(strings.Repeat(`{"resourceType":"ServiceRequest","contained":[`, 200))},
		"XML":                          {"/ServiceRequest", "application/fhir+xml", []byte("<ServiceRequest/>")},
		"a Bundle of one kind":         {"", "", []byte(`{"resourceType":"Bundle","type":"batch","entry":[]}`)},
		"a ServiceRequest to the base": {"", "", bad(func(map[string]any) {})},
		"huge":                         {"/ServiceRequest", "", []byte(`{"resourceType":"ServiceRequest","note":[{"text":"` + strings.Repeat("x", 2<<20) + `"}]}`)},
	}
	for name, c := range cases {
		var header []string
		if c.contentType != "" {
			header = []string{"Content-Type", c.contentType}
		}
		r := api.do(http.MethodPost, c.path, engine, c.body, header...)
		if r.status < 400 || r.status >= 500 || r.json["resourceType"] != "OperationOutcome" {
			t.Errorf("%s: %d %.300s", name, r.status, r.body)
		}
	}
	if env.LastSeq(t.Context()) != before {
		t.Fatal("a malformed request appended")
	}
}
