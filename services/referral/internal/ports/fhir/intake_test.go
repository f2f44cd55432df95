package fhir

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"

	"github.com/stafett/stafett/pkg/fhirr4"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

const (
	fnr       = "31129998949"
	senderOrg = "974760673"
	unitOrg   = "983974724"
)

var caller = domain.Actor{OrgNumber: senderOrg, Role: "integration"}

func parse(t *testing.T, v map[string]any) *srpb.ServiceRequest {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	cr, err := c.Parse(raw)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return cr.GetServiceRequest()
}

func ident(system, value string) map[string]any {
	return map[string]any{"system": system, "value": value}
}

func unitOrganization(ids ...map[string]any) map[string]any {
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	return map[string]any{"resourceType": "Organization", "id": "unit", "identifier": list}
}

func baseRequest() map[string]any {
	return map[string]any{
		"resourceType": "ServiceRequest", "status": "active", "intent": "order",
		"identifier": []any{ident("http://gp.example.no/h", "h-1")},
		"subject":    map[string]any{"identifier": ident(fhirr4.SystemFodselsnummer, fnr)},
		"requester":  map[string]any{"identifier": ident(fhirr4.SystemHPR, "1234567")},
		"performer":  []any{map[string]any{"reference": "#unit"}},
		"contained":  []any{unitOrganization(ident(fhirr4.SystemHERID, "80001"), ident(fhirr4.SystemOrgNumber, unitOrg))},
		"reasonCode": []any{map[string]any{"text": "low mood"}},
	}
}

func TestAServiceRequestReadsAsTheReferralItDescribes(t *testing.T) {
	tests := []struct {
		name   string
		change func(map[string]any)
		check  func(t *testing.T, in *intake)
	}{
		{"a referrer given as a Practitioner works at the sending organisation", func(map[string]any) {}, func(t *testing.T, in *intake) {
			if in.cmd.ReferrerHPR != "1234567" || in.cmd.ReferrerOrgNumber != senderOrg || in.paths["referrer_org_number"] != "ServiceRequest.requester" {
				t.Fatalf("referrer %q at %q (%s)", in.cmd.ReferrerHPR, in.cmd.ReferrerOrgNumber, in.paths["referrer_org_number"])
			}
		}},
		{"a PractitionerRole names the referrer's organisation", func(sr map[string]any) {
			sr["contained"] = append(sr["contained"].([]any), map[string]any{"resourceType": "PractitionerRole", "id": "role",
				"practitioner": map[string]any{"identifier": ident(fhirr4.SystemHPR, "7654321")},
				"organization": map[string]any{"identifier": ident(fhirr4.SystemOrgNumber, "923456783")}})
			sr["requester"] = map[string]any{"reference": "#role"}
		}, func(t *testing.T, in *intake) {
			if in.cmd.ReferrerHPR != "7654321" || in.cmd.ReferrerOrgNumber != "923456783" || in.paths["referrer_hpr"] != "ServiceRequest.contained[1].practitioner.identifier.value" {
				t.Fatalf("referrer %q at %q, hpr from %s", in.cmd.ReferrerHPR, in.cmd.ReferrerOrgNumber, in.paths["referrer_hpr"])
			}
		}},
		{"a contained Patient carries the national id", func(sr map[string]any) {
			sr["contained"] = append(sr["contained"].([]any), map[string]any{"resourceType": "Patient", "id": "p",
				"identifier": []any{ident("http://other", "x"), ident(fhirr4.SystemFodselsnummer, fnr)}})
			sr["subject"] = map[string]any{"reference": "#p"}
		}, func(t *testing.T, in *intake) {
			if in.cmd.PatientNationalID != fnr || in.paths["patient_national_id"] != "ServiceRequest.contained[1].identifier[1].value" {
				t.Fatalf("patient %q from %s", in.cmd.PatientNationalID, in.paths["patient_national_id"])
			}
		}},
		{"the unit's identifiers come from the performer", func(map[string]any) {}, func(t *testing.T, in *intake) {
			if in.cmd.Unit != (domain.Unit{HerID: "80001", OrgNumber: unitOrg}) || in.paths["receiving_unit.org_number"] != "ServiceRequest.contained[0].identifier[1].value" {
				t.Fatalf("unit %v from %s", in.cmd.Unit, in.paths["receiving_unit.org_number"])
			}
		}},
		{"the identifier is the idempotency key", func(map[string]any) {}, func(t *testing.T, in *intake) {
			if in.cmd.ExternalID != "http://gp.example.no/h|h-1" || in.cmd.RequestID == "" || in.cmd.RequestID == in.cmd.ExternalID {
				t.Fatalf("external id %q, request id %q", in.cmd.ExternalID, in.cmd.RequestID)
			}
		}},
		{"without a reason the requested service is the reason", func(sr map[string]any) {
			delete(sr, "reasonCode")
			sr["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "1", "display": "Psychiatric assessment"}}}
		}, func(t *testing.T, in *intake) {
			if in.cmd.Reason != "Psychiatric assessment" {
				t.Fatalf("reason %q", in.cmd.Reason)
			}
		}},
		{"the internal-referral extension", func(sr map[string]any) {
			sr["extension"] = []any{map[string]any{"url": fhirr4.InternalReferralExtension, "valueBoolean": true}}
			sr["priority"] = "asap"
		}, func(t *testing.T, in *intake) {
			if !in.cmd.Internal || in.cmd.Urgency != referralv1.Urgency_URGENCY_URGENT {
				t.Fatalf("internal %v urgency %v", in.cmd.Internal, in.cmd.Urgency)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := baseRequest()
			tt.change(sr)
			msg := parse(t, sr)
			res, ferr := newResolver(msg, "ServiceRequest")
			if ferr != nil {
				t.Fatal(ferr)
			}
			in, ferr := readServiceRequest(msg, "ServiceRequest", res, "", caller)
			if ferr != nil {
				t.Fatal(ferr)
			}
			tt.check(t, in)
		})
	}
}

func TestAServiceRequestThatIsNoReferralIsRefusedNamingTheElement(t *testing.T) {
	dNumber := "71129998932" // 31129998949 as a D-number (day + 40), with its own check digits
	tests := []struct {
		name        string
		change      func(map[string]any)
		ifNoneExist string
		status      int
		want        []string
	}{
		{"a draft", func(sr map[string]any) { sr["status"] = "draft" }, "", 422, []string{"ServiceRequest.status"}},
		{"a proposal that should not be done", func(sr map[string]any) { sr["intent"] = "proposal"; sr["doNotPerform"] = true }, "", 422,
			[]string{"ServiceRequest.intent", "ServiceRequest.doNotPerform"}},
		{"no identifier", func(sr map[string]any) { delete(sr, "identifier") }, "", 422, []string{"ServiceRequest.identifier"}},
		{"a patient by a local id", func(sr map[string]any) { sr["subject"] = map[string]any{"identifier": ident("http://local", "1")} }, "", 422,
			[]string{"ServiceRequest.subject.identifier.system"}},
		{"a D-number under the fødselsnummer system", func(sr map[string]any) {
			sr["subject"] = map[string]any{"identifier": ident(fhirr4.SystemFodselsnummer, dNumber)}
		}, "", 422, []string{"ServiceRequest.subject.identifier.system"}},
		{"a unit without its organisation number", func(sr map[string]any) {
			sr["contained"] = []any{unitOrganization(ident(fhirr4.SystemHERID, "80001"))}
		}, "", 422, []string{"ServiceRequest.contained[0].identifier"}},
		{"two performers", func(sr map[string]any) {
			sr["performer"] = []any{map[string]any{"reference": "#unit"}, map[string]any{"reference": "#unit"}}
		}, "", 422, []string{"ServiceRequest.performer"}},
		{"a requester by a local id", func(sr map[string]any) { sr["requester"] = map[string]any{"identifier": ident("http://local", "1")} }, "", 422,
			[]string{"ServiceRequest.requester.identifier.system"}},
		{"If-None-Exist naming another identifier", func(map[string]any) {}, "identifier=http://gp.example.no/h|h-2", 400, []string{"ServiceRequest.identifier"}},
		{"If-None-Exist on another parameter", func(map[string]any) {}, "subject=x", 400, []string{"ServiceRequest.identifier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := baseRequest()
			tt.change(sr)
			msg := parse(t, sr)
			res, ferr := newResolver(msg, "ServiceRequest")
			if ferr != nil {
				t.Fatal(ferr)
			}
			_, ferr = readServiceRequest(msg, "ServiceRequest", res, tt.ifNoneExist, caller)
			if ferr == nil {
				t.Fatal("accepted")
			}
			var got []string
			for _, is := range ferr.Issues {
				got = append(got, is.Expression)
			}
			if ferr.Status != tt.status || !slices.Equal(got, tt.want) {
				t.Fatalf("%d at %v, want %d at %v", ferr.Status, got, tt.status, tt.want)
			}
		})
	}
}

func TestLastUpdatedComparesAgainstTheRangeOfTheValuesPrecision(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC)
	tests := []struct {
		value string
		want  bool
	}{
		{"gt2026-03-02T10:00:00.123456Z", false},
		{"gt2026-03-02T10:00:00.123455Z", true},
		{"ge2026-03-02T10:00:00.123456Z", true},
		{"gt2026-03-02T10:00:00Z", false}, // within that second
		{"ge2026-03-02T10:00:00Z", true},
		{"lt2026-03-02T10:00:01Z", true},
		{"le2026-03-02T10:00:00Z", true},
		{"lt2026-03-02T10:00:00Z", false},
		{"gt2026-03-01", true},
		{"gt2026-03-02", false}, // the whole Oslo day
		{"ge2026-03-02", true},
		{"lt2026-03-03", true},
		{"gt2026-03-02T11:00:00+01:00", false},
	}
	for _, tt := range tests {
		bound, err := dateBound(tt.value, oslo)
		if err != nil {
			t.Fatalf("%s: %v", tt.value, err)
		}
		if got := bound(at); got != tt.want {
			t.Errorf("%s at %v: %v, want %v", tt.value, at, got, tt.want)
		}
	}
	for _, bad := range []string{"2026-03-02", "eq2026-03-02", "gtyesterday", "gt2026-03-02T10:00:00"} {
		if _, err := dateBound(bad, oslo); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
