package fhir

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/fhir/go/jsonformat"
	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	orgpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/organization_go_proto"
	patpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/patient_go_proto"
	prpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/practitioner_go_proto"
	prolepb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/practitioner_role_go_proto"
	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/services/referral/internal/app"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// intake is a ServiceRequest read as ReceiveReferral: which element each
// command field came from, so the application's field violations name the
// element that was wrong.
type intake struct {
	cmd        app.ReceiveReferral
	identifier fhirr4.SenderIdentifier
	// anySystem: If-None-Exist named the identifier's value without a
	// system, which may match more than one referral.
	anySystem bool
	paths     map[string]string
}

// expression is the FHIRPath of the element a command field came from.
func (in *intake) expression(field string) string { return in.paths[field] }

// node is a resource a reference resolved to, and its FHIRPath.
type node struct {
	resource proto.Message
	path     string
}

// resolver finds what a ServiceRequest's references point at: its contained
// resources ("#id"), and in a transaction the Bundle's entries by fullUrl
// or by type and id.
type resolver struct {
	contained map[string]node
	entries   map[string]node
}

func newResolver(sr *srpb.ServiceRequest, srPath string) (resolver, *fhirr4.Error) {
	r := resolver{contained: map[string]node{}, entries: map[string]node{}}
	for i, a := range sr.GetContained() {
		cr := &bcrpb.ContainedResource{}
		if err := a.UnmarshalTo(cr); err != nil {
			return r, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueStructure, fmt.Sprintf("%s.contained[%d]", srPath, i), "not a resource")
		}
		res := fhirr4.Unwrap(cr)
		if res == nil {
			continue
		}
		r.contained[fhirr4.IDOf(res)] = node{resource: res, path: fmt.Sprintf("%s.contained[%d]", srPath, i)}
	}
	return r, nil
}

func (r resolver) addEntry(fullURL string, res proto.Message, path string) {
	n := node{resource: res, path: path}
	if fullURL != "" {
		r.entries[fullURL] = n
	}
	if id := fhirr4.IDOf(res); id != "" {
		r.entries[fhirr4.ResourceType(res)+"/"+id] = n
	}
}

func (r resolver) resolve(ref *dpb.Reference) (node, bool) {
	if frag := ref.GetFragment(); frag != nil {
		n, ok := r.contained[frag.GetValue()]
		return n, ok
	}
	s := referenceString(ref)
	if s == "" {
		return node{}, false
	}
	if n, ok := r.entries[s]; ok {
		return n, true
	}
	// An absolute reference to an entry the Bundle gave by type and id.
	if u, err := url.Parse(s); err == nil && u.IsAbs() {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) >= 2 {
			n, ok := r.entries[parts[len(parts)-2]+"/"+parts[len(parts)-1]]
			return n, ok
		}
	}
	return node{}, false
}

// referenceString is a reference's literal form ("Patient/123",
// "urn:uuid:…"); the parser keeps typed references apart.
func referenceString(ref *dpb.Reference) string {
	c := proto.Clone(ref).(*dpb.Reference)
	if err := jsonformat.DenormalizeReference(c); err != nil {
		return ""
	}
	return c.GetUri().GetValue()
}

// readServiceRequest maps a ServiceRequest at path (ServiceRequest, or
// Bundle.entry[i].resource) to ReceiveReferral. Only an active order that
// is to be performed is a referral; anything else is refused naming the
// element before the rest is looked at. ifNoneExist is the conditional
// create's criteria, "" when there is none.
func readServiceRequest(sr *srpb.ServiceRequest, path string, res resolver, ifNoneExist string, actor domain.Actor) (*intake, *fhirr4.Error) {
	refusal := &fhirr4.Error{Status: http.StatusUnprocessableEntity}
	if sr.GetStatus().GetValue() != cpb.RequestStatusCode_ACTIVE {
		refusal.Add(fhirr4.IssueBusinessRule, path+".status", "only an active ServiceRequest is a referral")
	}
	if v := sr.GetIntent().GetValue(); v != cpb.RequestIntentCode_ORDER && v != cpb.RequestIntentCode_ORIGINAL_ORDER {
		refusal.Add(fhirr4.IssueBusinessRule, path+".intent", "only intent order or original-order is a referral")
	}
	if sr.GetDoNotPerform().GetValue() {
		refusal.Add(fhirr4.IssueBusinessRule, path+".doNotPerform", "a request not to perform something is no referral")
	}
	if len(refusal.Issues) > 0 {
		return nil, refusal
	}

	in := &intake{paths: map[string]string{
		"request_id":  path + ".identifier",
		"external_id": path + ".identifier",
		"reason":      path + ".reasonCode",
		"urgency":     path + ".priority",
	}}
	bad := &fhirr4.Error{Status: http.StatusUnprocessableEntity}
	identifier, anySystem, herr := senderIdentifier(sr, path, ifNoneExist)
	if herr != nil {
		return nil, herr
	}
	if identifier.Value == "" {
		bad.Add(fhirr4.IssueRequired, path+".identifier", "the sender's identifier of the referral is required: it is what makes a retry safe")
	}
	in.identifier, in.anySystem = identifier, anySystem

	nid, nidPath := res.patient(sr.GetSubject(), path+".subject", bad)
	in.paths["patient_national_id"] = nidPath
	hpr, hprPath, referrerOrg, orgPath := res.referrer(sr.GetRequester(), path+".requester", bad)
	if referrerOrg == "" {
		// A referrer given as a Practitioner works at the sending organisation.
		referrerOrg, orgPath = actor.OrgNumber, path+".requester"
	}
	in.paths["referrer_hpr"], in.paths["referrer_org_number"] = hprPath, orgPath
	unit, herPath, unitOrgPath := res.unit(sr.GetPerformer(), path+".performer", bad)
	in.paths["receiving_unit.her_id"], in.paths["receiving_unit.org_number"] = herPath, unitOrgPath
	if len(bad.Issues) > 0 {
		return nil, bad
	}

	in.cmd = app.ReceiveReferral{
		Actor:             actor,
		RequestID:         app.IdentifierRequestID(identifier.ExternalID()),
		ExternalID:        identifier.ExternalID(),
		PatientNationalID: nid,
		ReferrerHPR:       hpr,
		ReferrerOrgNumber: referrerOrg,
		Unit:              unit,
		Reason:            reason(sr),
		Urgency:           fhirr4.Urgency(sr.GetPriority().GetValue()),
		Internal:          internal(sr),
	}
	return in, nil
}

// senderIdentifier is the identifier the sender gave the referral: the one
// If-None-Exist names, else the first with a system and a value.
func senderIdentifier(sr *srpb.ServiceRequest, path, ifNoneExist string) (fhirr4.SenderIdentifier, bool, *fhirr4.Error) {
	var have []fhirr4.SenderIdentifier
	for _, id := range sr.GetIdentifier() {
		if v := id.GetValue().GetValue(); v != "" {
			have = append(have, fhirr4.SenderIdentifier{System: id.GetSystem().GetValue(), Value: v})
		}
	}
	if ifNoneExist == "" {
		i := slices.IndexFunc(have, func(id fhirr4.SenderIdentifier) bool { return id.System != "" })
		if i < 0 && len(have) > 0 {
			i = 0
		}
		if i < 0 {
			return fhirr4.SenderIdentifier{}, false, nil
		}
		return have[i], false, nil
	}
	q, err := url.ParseQuery(ifNoneExist)
	if err != nil || len(q) != 1 || len(q["identifier"]) != 1 {
		return fhirr4.SenderIdentifier{}, false, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueNotSupported, path+".identifier",
			"If-None-Exist must be identifier=<system>|<value>, naming the ServiceRequest's own identifier")
	}
	token := q["identifier"][0]
	system, value, hasSystem := strings.Cut(token, "|")
	if !hasSystem {
		value = token
	}
	i := slices.IndexFunc(have, func(id fhirr4.SenderIdentifier) bool {
		return id.Value == value && (!hasSystem || id.System == system)
	})
	if i < 0 || value == "" {
		return fhirr4.SenderIdentifier{}, false, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueInvalid, path+".identifier",
			"If-None-Exist must name one of the ServiceRequest's own identifiers")
	}
	return have[i], !hasSystem, nil
}

// patient reads the patient's national id from the subject: a logical
// reference by national id, or a contained or bundled Patient carrying one.
func (r resolver) patient(ref *dpb.Reference, path string, bad *fhirr4.Error) (string, string) {
	if ref == nil {
		bad.Add(fhirr4.IssueRequired, path, "the patient is required")
		return "", ""
	}
	if id := ref.GetIdentifier(); id != nil {
		return nationalID(id, path+".identifier", bad)
	}
	n, ok := r.resolve(ref)
	if !ok {
		bad.Add(fhirr4.IssueInvalid, path, "must identify the patient by fødselsnummer or D-number: an identifier, or a contained or bundled Patient carrying one")
		return "", ""
	}
	p, ok := n.resource.(*patpb.Patient)
	if !ok {
		bad.Add(fhirr4.IssueInvalid, path, "must be a Patient")
		return "", ""
	}
	for i, id := range p.GetIdentifier() {
		if fhirr4.IsNationalIDSystem(id.GetSystem().GetValue()) {
			return nationalID(id, fmt.Sprintf("%s.identifier[%d]", n.path, i), bad)
		}
	}
	bad.Add(fhirr4.IssueRequired, n.path+".identifier", "the Patient needs a fødselsnummer or D-number identifier")
	return "", ""
}

// nationalID checks that a number stands under the system of its kind; the
// number itself is the application's to check.
func nationalID(id *dpb.Identifier, path string, bad *fhirr4.Error) (string, string) {
	system, value := id.GetSystem().GetValue(), id.GetValue().GetValue()
	if !fhirr4.IsNationalIDSystem(system) {
		bad.Add(fhirr4.IssueInvalid, path+".system", "must be the fødselsnummer or D-number system")
		return "", ""
	}
	if nid, err := ids.ParseNationalID(value); err == nil && nid.FHIRSystem() != system {
		bad.Add(fhirr4.IssueInvalid, path+".system", "is not the system of this kind of number (fødselsnummer or D-number)")
		return "", ""
	}
	return value, path + ".value"
}

// referrer reads the referring professional's HPR number and, when the
// requester is a PractitionerRole, their organisation.
func (r resolver) referrer(ref *dpb.Reference, path string, bad *fhirr4.Error) (hpr, hprPath, org, orgPath string) {
	if ref == nil {
		bad.Add(fhirr4.IssueRequired, path, "the referring professional is required")
		return
	}
	if id := ref.GetIdentifier(); id != nil {
		hpr, hprPath = hprOf(id, path+".identifier", bad)
		return
	}
	n, ok := r.resolve(ref)
	if !ok {
		bad.Add(fhirr4.IssueInvalid, path, "must identify the referrer by HPR number: an identifier, or a contained or bundled Practitioner or PractitionerRole")
		return
	}
	switch res := n.resource.(type) {
	case *prpb.Practitioner:
		hpr, hprPath = r.practitionerHPR(res.GetIdentifier(), n.path, bad)
	case *prolepb.PractitionerRole:
		hpr, hprPath = r.roleHPR(res.GetPractitioner(), n.path+".practitioner", bad)
		if o := res.GetOrganization(); o != nil {
			org, orgPath = r.orgNumber(o, n.path+".organization", bad)
		}
	default:
		bad.Add(fhirr4.IssueInvalid, path, "must be a Practitioner or PractitionerRole")
	}
	return
}

func (r resolver) roleHPR(ref *dpb.Reference, path string, bad *fhirr4.Error) (string, string) {
	if ref == nil {
		bad.Add(fhirr4.IssueRequired, path, "the referring professional is required")
		return "", ""
	}
	if id := ref.GetIdentifier(); id != nil {
		return hprOf(id, path+".identifier", bad)
	}
	n, ok := r.resolve(ref)
	p, isPractitioner := n.resource.(*prpb.Practitioner)
	if !ok || !isPractitioner {
		bad.Add(fhirr4.IssueInvalid, path, "must identify a Practitioner by HPR number")
		return "", ""
	}
	return r.practitionerHPR(p.GetIdentifier(), n.path, bad)
}

func (r resolver) practitionerHPR(identifiers []*dpb.Identifier, path string, bad *fhirr4.Error) (string, string) {
	for i, id := range identifiers {
		if id.GetSystem().GetValue() == fhirr4.SystemHPR {
			return id.GetValue().GetValue(), fmt.Sprintf("%s.identifier[%d].value", path, i)
		}
	}
	bad.Add(fhirr4.IssueRequired, path+".identifier", "the Practitioner needs an HPR number identifier")
	return "", ""
}

func hprOf(id *dpb.Identifier, path string, bad *fhirr4.Error) (string, string) {
	if id.GetSystem().GetValue() != fhirr4.SystemHPR {
		bad.Add(fhirr4.IssueInvalid, path+".system", "must be the HPR system")
		return "", ""
	}
	return id.GetValue().GetValue(), path + ".value"
}

func (r resolver) orgNumber(ref *dpb.Reference, path string, bad *fhirr4.Error) (string, string) {
	if id := ref.GetIdentifier(); id != nil {
		if id.GetSystem().GetValue() != fhirr4.SystemOrgNumber {
			bad.Add(fhirr4.IssueInvalid, path+".identifier.system", "must be the organisation number system")
			return "", ""
		}
		return id.GetValue().GetValue(), path + ".identifier.value"
	}
	n, ok := r.resolve(ref)
	o, isOrg := n.resource.(*orgpb.Organization)
	if !ok || !isOrg {
		bad.Add(fhirr4.IssueInvalid, path, "must identify an Organization by organisation number")
		return "", ""
	}
	for i, id := range o.GetIdentifier() {
		if id.GetSystem().GetValue() == fhirr4.SystemOrgNumber {
			return id.GetValue().GetValue(), fmt.Sprintf("%s.identifier[%d].value", n.path, i)
		}
	}
	bad.Add(fhirr4.IssueRequired, n.path+".identifier", "the Organization needs an organisation number identifier")
	return "", ""
}

// unit reads the receiving unit: the one performer, an Organization with
// its HER-id and its organisation number. A logical reference holds only
// one identifier, so the Organization is contained or bundled.
func (r resolver) unit(performers []*dpb.Reference, path string, bad *fhirr4.Error) (domain.Unit, string, string) {
	if len(performers) != 1 {
		bad.Add(fhirr4.IssueRequired, path, "exactly one performer, the receiving unit, is required")
		return domain.Unit{}, "", ""
	}
	path += "[0]"
	n, ok := r.resolve(performers[0])
	o, isOrg := n.resource.(*orgpb.Organization)
	if !ok || !isOrg {
		bad.Add(fhirr4.IssueInvalid, path, "must be a contained or bundled Organization with the unit's HER-id and organisation number")
		return domain.Unit{}, "", ""
	}
	var u domain.Unit
	var herPath, orgPath string
	for i, id := range o.GetIdentifier() {
		switch id.GetSystem().GetValue() {
		case fhirr4.SystemHERID:
			u.HerID, herPath = id.GetValue().GetValue(), fmt.Sprintf("%s.identifier[%d].value", n.path, i)
		case fhirr4.SystemOrgNumber:
			u.OrgNumber, orgPath = id.GetValue().GetValue(), fmt.Sprintf("%s.identifier[%d].value", n.path, i)
		}
	}
	if herPath == "" || orgPath == "" {
		bad.Add(fhirr4.IssueRequired, n.path+".identifier", "the receiving unit needs a HER-id and an organisation number identifier")
	}
	return u, herPath, orgPath
}

// reason is the referral's reason as text: the reason codes' texts (or
// displays), else what is requested (code).
func reason(sr *srpb.ServiceRequest) string {
	var parts []string
	for _, c := range sr.GetReasonCode() {
		if t := conceptText(c); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		if t := conceptText(sr.GetCode()); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "; ")
}

func conceptText(c *dpb.CodeableConcept) string {
	if t := c.GetText().GetValue(); t != "" {
		return t
	}
	for _, coding := range c.GetCoding() {
		if d := coding.GetDisplay().GetValue(); d != "" {
			return d
		}
	}
	return ""
}

func internal(sr *srpb.ServiceRequest) bool {
	for _, e := range sr.GetExtension() {
		if e.GetUrl().GetValue() == fhirr4.InternalReferralExtension {
			return e.GetValue().GetBoolean().GetValue()
		}
	}
	return false
}
