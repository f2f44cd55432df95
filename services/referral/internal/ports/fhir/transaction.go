package fhir

import (
	"fmt"
	"net/http"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"

	"github.com/stafett/stafett/pkg/fhirr4"
)

// partyTypes are the resources a referral transaction may carry besides its
// ServiceRequest: who the referral is about, who sends it and where it goes.
var partyTypes = map[string]bool{"Patient": true, "Practitioner": true, "PractitionerRole": true, "Organization": true}

// transaction is a transaction Bundle holding one ServiceRequest and the
// Patient, Practitioner(Role) and Organization it refers to. It is all or
// nothing as R4 requires: either the referral is received and every entry
// answered, or nothing is appended and the Bundle is refused.
func (e *Edge) transaction(w http.ResponseWriter, r *http.Request) {
	actor, err := e.actor(r)
	if err != nil {
		e.fail(w, err)
		return
	}
	res, err := e.body(r)
	if err != nil {
		e.codec.WriteError(w, err)
		return
	}
	bundle, ok := res.(*bcrpb.Bundle)
	if !ok {
		e.codec.WriteError(w, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueInvalid, fhirr4.ResourceType(res), "POST to the base takes a transaction Bundle"))
		return
	}
	if bundle.GetType().GetValue() != cpb.BundleTypeCode_TRANSACTION {
		e.codec.WriteError(w, fhirr4.NewError(http.StatusUnprocessableEntity, fhirr4.IssueNotSupported, "Bundle.type", "only transaction Bundles are supported"))
		return
	}
	var (
		srIndex = -1
		sr      *srpb.ServiceRequest
		bad     = &fhirr4.Error{Status: http.StatusUnprocessableEntity}
	)
	for i, entry := range bundle.GetEntry() {
		path := fmt.Sprintf("Bundle.entry[%d]", i)
		er := fhirr4.Unwrap(entry.GetResource())
		if er == nil {
			bad.Add(fhirr4.IssueRequired, path+".resource", "every entry carries a resource")
			continue
		}
		method := entry.GetRequest().GetMethod().GetValue()
		switch t := fhirr4.ResourceType(er); {
		case t == "ServiceRequest" && srIndex >= 0:
			bad.Add(fhirr4.IssueNotSupported, path+".resource", "a referral transaction holds one ServiceRequest")
		case t == "ServiceRequest":
			srIndex, sr = i, er.(*srpb.ServiceRequest)
			if method != cpb.HTTPVerbCode_POST {
				bad.Add(fhirr4.IssueNotSupported, path+".request.method", "the ServiceRequest is created with POST")
			}
		case !partyTypes[t]:
			bad.Add(fhirr4.IssueNotSupported, path+".resource", t+" is not part of a referral transaction")
		case method != cpb.HTTPVerbCode_POST && method != cpb.HTTPVerbCode_PUT:
			bad.Add(fhirr4.IssueNotSupported, path+".request.method", "a referral's parties are sent with POST or PUT")
		}
	}
	if sr == nil {
		bad.Add(fhirr4.IssueRequired, "Bundle.entry", "a referral transaction holds a ServiceRequest")
	}
	if len(bad.Issues) > 0 {
		e.codec.WriteError(w, bad)
		return
	}

	srPath := fmt.Sprintf("Bundle.entry[%d].resource", srIndex)
	resolve, ferr := newResolver(sr, srPath)
	if ferr != nil {
		e.codec.WriteError(w, ferr)
		return
	}
	for i, entry := range bundle.GetEntry() {
		resolve.addEntry(entry.GetFullUrl().GetValue(), fhirr4.Unwrap(entry.GetResource()), fmt.Sprintf("Bundle.entry[%d].resource", i))
	}
	s, created, err := e.receive(r, sr, srPath, resolve, bundle.GetEntry()[srIndex].GetRequest().GetIfNoneExist().GetValue(), actor)
	if err != nil {
		e.codec.WriteError(w, err)
		return
	}
	e.codec.WriteResource(w, http.StatusOK, e.transactionResponse(r, bundle, srIndex, s, created))
}

// transactionResponse answers each entry in order. The parties are held by
// the referral (their identifiers are what it records) and are not stored
// as resources of their own, which each entry's outcome says.
func (e *Edge) transactionResponse(r *http.Request, in *bcrpb.Bundle, srIndex int, s fhirr4.TaskState, created bool) *bcrpb.Bundle {
	out := &bcrpb.Bundle{Type: &bcrpb.Bundle_TypeCode{Value: cpb.BundleTypeCode_TRANSACTION_RESPONSE}}
	for i := range in.GetEntry() {
		if i != srIndex {
			note, _ := fhirr4.Contain(fhirr4.Outcome(fhirr4.Issue{Severity: fhirr4.SeverityInformation, Code: fhirr4.IssueInformational,
				Diagnostics: "recorded on the referral ServiceRequest/" + s.ReferralID + ", not stored as a resource of its own"}))
			out.Entry = append(out.Entry, &bcrpb.Bundle_Entry{Response: &bcrpb.Bundle_Entry_Response{Status: fhirr4.String("200 OK"), Outcome: note}})
			continue
		}
		status := "200 OK"
		if created {
			status = "201 Created"
		}
		sr := s.ServiceRequest()
		resource, _ := fhirr4.Contain(sr)
		out.Entry = append(out.Entry, &bcrpb.Bundle_Entry{
			FullUrl:  fhirr4.URI(fhirr4.ResourceURL(fhirr4.BaseURL(r, e.base), "ServiceRequest", s.ReferralID)),
			Resource: resource,
			Response: &bcrpb.Bundle_Entry_Response{
				Status:       fhirr4.String(status),
				Location:     fhirr4.URI(e.location(r, s)),
				Etag:         fhirr4.String(`W/"` + sr.GetMeta().GetVersionId().GetValue() + `"`),
				LastModified: sr.GetMeta().GetLastUpdated(),
			},
		})
	}
	return out
}
