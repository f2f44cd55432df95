package fhirr4

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"google.golang.org/protobuf/proto"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	cspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/capability_statement_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

var interactionCodes = map[Interaction]vspb.TypeRestfulInteractionValueSet_Value{
	InteractionRead:       vspb.TypeRestfulInteractionValueSet_READ,
	InteractionSearchType: vspb.TypeRestfulInteractionValueSet_SEARCH_TYPE,
	InteractionCreate:     vspb.TypeRestfulInteractionValueSet_CREATE,
	InteractionUpdate:     vspb.TypeRestfulInteractionValueSet_UPDATE,
	InteractionDelete:     vspb.TypeRestfulInteractionValueSet_DELETE,
}

var searchParamTypes = map[SearchParamType]cpb.SearchParamTypeCode_Value{
	SearchToken:     cpb.SearchParamTypeCode_TOKEN,
	SearchReference: cpb.SearchParamTypeCode_REFERENCE,
	SearchDate:      cpb.SearchParamTypeCode_DATE,
	SearchString:    cpb.SearchParamTypeCode_STRING,
	SearchURI:       cpb.SearchParamTypeCode_URI,
	SearchNumber:    cpb.SearchParamTypeCode_NUMBER,
}

// capabilityStatement describes exactly what the router serves: it is built
// from the same declarations the router dispatches on.
func (r *Router) capabilityStatement() (*cspb.CapabilityStatement, error) {
	started := r.cfg.Started
	if started.IsZero() {
		started = time.Unix(0, 0)
	}
	rest := &cspb.CapabilityStatement_Rest{
		Mode: &cspb.CapabilityStatement_Rest_ModeCode{Value: cpb.RestfulCapabilityModeCode_SERVER},
		Security: &cspb.CapabilityStatement_Rest_Security{
			Service: []*dpb.CodeableConcept{Coded("http://terminology.hl7.org/CodeSystem/restful-security-service", "OAuth", "OAuth")},
			Description: &dpb.Markdown{Value: "Bearer tokens shaped like HelseID's, the same as the gRPC API takes. " +
				"Reads need the resource's read scope, writes its write scope. A resource the caller may not see " +
				"is answered exactly like one that does not exist (404)."},
		},
	}
	if r.cfg.Transaction != nil {
		rest.Interaction = append(rest.Interaction, &cspb.CapabilityStatement_Rest_SystemInteraction{
			Code:          &cspb.CapabilityStatement_Rest_SystemInteraction_CodeType{Value: vspb.SystemRestfulInteractionValueSet_TRANSACTION},
			Documentation: &dpb.Markdown{Value: "A transaction Bundle holding one ServiceRequest and the Patient, Practitioner, PractitionerRole and Organization it refers to."},
		})
	}
	for i := range r.cfg.Resources {
		res, err := capabilityResource(&r.cfg.Resources[i])
		if err != nil {
			return nil, err
		}
		rest.Resource = append(rest.Resource, res)
	}
	return &cspb.CapabilityStatement{
		Status:   &cspb.CapabilityStatement_StatusCode{Value: cpb.PublicationStatusCode_ACTIVE},
		Date:     DateTime(started),
		Kind:     &cspb.CapabilityStatement_KindCode{Value: cpb.CapabilityStatementKindCode_INSTANCE},
		Software: &cspb.CapabilityStatement_Software{Name: String(r.cfg.Software), Version: String(r.cfg.Version)},
		Implementation: &cspb.CapabilityStatement_Implementation{
			Description: String(r.cfg.Software + " FHIR R4 API"),
		},
		FhirVersion: &cspb.CapabilityStatement_FhirVersionCode{Value: cpb.FHIRVersionCode_V_4_0_1},
		Format:      []*cspb.CapabilityStatement_FormatCode{{Value: "json"}, {Value: ContentType}},
		Rest:        []*cspb.CapabilityStatement_Rest{rest},
	}, nil
}

func capabilityResource(res *Resource) (*cspb.CapabilityStatement_Rest_Resource, error) {
	code, ok := cpb.ResourceTypeCode_Value_value[upperSnake(res.Type)]
	if !ok {
		return nil, fmt.Errorf("fhirr4: %q is not an R4 resource type", res.Type)
	}
	out := &cspb.CapabilityStatement_Rest_Resource{
		Type:       &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: cpb.ResourceTypeCode_Value(code)},
		Versioning: &cspb.CapabilityStatement_Rest_Resource_VersioningCode{Value: cpb.ResourceVersionPolicyCode_VERSIONED},
	}
	if res.Profile != "" {
		out.Profile = &dpb.Canonical{Value: res.Profile}
	}
	if res.Documentation != "" {
		out.Documentation = &dpb.Markdown{Value: res.Documentation}
	}
	for _, ia := range []struct {
		code    Interaction
		handler http.Handler
	}{{InteractionRead, res.Read}, {InteractionSearchType, res.Search}, {InteractionCreate, res.Create}, {InteractionUpdate, res.Update}, {InteractionDelete, res.Delete}} {
		if ia.handler != nil {
			out.Interaction = append(out.Interaction, &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
				Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: interactionCodes[ia.code]},
			})
		}
	}
	if res.Create != nil {
		out.ConditionalCreate = &dpb.Boolean{Value: res.ConditionalCreate}
	}
	for _, p := range res.SearchParams {
		t, ok := searchParamTypes[p.Type]
		if !ok {
			return nil, fmt.Errorf("fhirr4: search parameter %s has unknown type %q", p.Name, p.Type)
		}
		sp := &cspb.CapabilityStatement_Rest_Resource_SearchParam{
			Name: String(p.Name),
			Type: &cspb.CapabilityStatement_Rest_Resource_SearchParam_TypeCode{Value: t},
		}
		if p.Documentation != "" {
			sp.Documentation = &dpb.Markdown{Value: p.Documentation}
		}
		out.SearchParam = append(out.SearchParam, sp)
	}
	for _, op := range res.Operations {
		out.Operation = append(out.Operation, &cspb.CapabilityStatement_Rest_Resource_Operation{
			Name: String(op.Name), Definition: &dpb.Canonical{Value: op.Definition},
		})
	}
	return out, nil
}

// upperSnake turns a FHIR type name into the protos' enum name
// ("ServiceRequest" → "SERVICE_REQUEST").
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// versionOf reads meta.versionId and meta.lastUpdated of a resource message.
func versionOf(resource proto.Message) (string, time.Time, bool) {
	m := resource.ProtoReflect()
	f := m.Descriptor().Fields().ByName("meta")
	if f == nil || f.Message() == nil || !m.Has(f) {
		return "", time.Time{}, false
	}
	meta, ok := m.Get(f).Message().Interface().(*dpb.Meta)
	if !ok || meta.GetVersionId().GetValue() == "" {
		return "", time.Time{}, false
	}
	return meta.GetVersionId().GetValue(), TimeOf(meta.GetLastUpdated().GetValueUs()), true
}
