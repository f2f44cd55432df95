package fhirr4

import (
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	orgpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/organization_go_proto"
	prpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/practitioner_role_go_proto"
	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"
	taskpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"

	"github.com/stafett/stafett/pkg/ids"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

var taskStatusCodes = map[TaskStatus]cpb.TaskStatusCode_Value{
	TaskReceived:   cpb.TaskStatusCode_RECEIVED,
	TaskAccepted:   cpb.TaskStatusCode_ACCEPTED,
	TaskRejected:   cpb.TaskStatusCode_REJECTED,
	TaskInProgress: cpb.TaskStatusCode_IN_PROGRESS,
	TaskCompleted:  cpb.TaskStatusCode_COMPLETED,
	TaskCancelled:  cpb.TaskStatusCode_CANCELLED,
}

// TaskStatusOf reads a Task.status code as the suite's TaskStatus; ok is
// false for a status a referral's Task never has.
func TaskStatusOf(v cpb.TaskStatusCode_Value) (TaskStatus, bool) {
	for s, c := range taskStatusCodes {
		if c == v {
			return s, true
		}
	}
	return "", false
}

// Priority is the FHIR request priority of an urgency: the inverse of the
// intake mapping (routine → routine, urgent → urgent, emergency → stat).
func Priority(u referralv1.Urgency) cpb.RequestPriorityCode_Value {
	switch u {
	case referralv1.Urgency_URGENCY_URGENT:
		return cpb.RequestPriorityCode_URGENT
	case referralv1.Urgency_URGENCY_EMERGENCY:
		return cpb.RequestPriorityCode_STAT
	}
	return cpb.RequestPriorityCode_ROUTINE
}

// Urgency is the referral urgency a ServiceRequest priority asks for:
// routine or absent → routine, urgent or asap → urgent, stat → emergency.
func Urgency(p cpb.RequestPriorityCode_Value) referralv1.Urgency {
	switch p {
	case cpb.RequestPriorityCode_URGENT, cpb.RequestPriorityCode_ASAP:
		return referralv1.Urgency_URGENCY_URGENT
	case cpb.RequestPriorityCode_STAT:
		return referralv1.Urgency_URGENCY_EMERGENCY
	}
	return referralv1.Urgency_URGENCY_ROUTINE
}

// UnitReference refers to a unit by its HER-id, the address-register id
// that addresses a unit; its organisation number is the display's
// companion in UnitOrganization.
func UnitReference(u ids.Unit) *dpb.Reference {
	return LogicalReference("Organization", SystemHERID, u.HerID)
}

// OrganizationReference refers to an organisation by organisation number.
func OrganizationReference(orgNumber string) *dpb.Reference {
	return LogicalReference("Organization", SystemOrgNumber, orgNumber)
}

// UnitOrganization is a unit as an Organization with both its identifiers.
func UnitOrganization(id string, u ids.Unit) *orgpb.Organization {
	return &orgpb.Organization{
		Id:         ID(id),
		Identifier: []*dpb.Identifier{Identifier(SystemHERID, u.HerID), Identifier(SystemOrgNumber, u.OrgNumber)},
	}
}

func (s TaskState) meta() *dpb.Meta {
	return &dpb.Meta{VersionId: ID(strconv.FormatUint(s.Version, 10)), LastUpdated: Instant(s.LastUpdated)}
}

// Task renders the referral's Task (BSeR's shape: focus is the referral's
// ServiceRequest, owner the unit holding it, requester the sender).
func (s TaskState) Task() *taskpb.Task {
	t := &taskpb.Task{
		Id:     ID(s.ReferralID),
		Meta:   s.meta(),
		Status: &taskpb.Task_StatusCode{Value: taskStatusCodes[s.Status]},
		Intent: &taskpb.Task_IntentCode{Value: vspb.TaskIntentValueSet_ORDER},
		Priority: &taskpb.Task_PriorityCode{
			Value: Priority(s.Urgency),
		},
		Code: Coded(TaskCodeSystem, "fulfill", "Fulfill the focal request"),
		Focus: &dpb.Reference{
			Reference: &dpb.Reference_ServiceRequestId{ServiceRequestId: &dpb.ReferenceId{Value: s.ReferralID}},
		},
		ForValue:     LogicalReference("Patient", s.patientSystem(), s.PatientNationalID),
		AuthoredOn:   DateTime(s.ReceivedAt),
		LastModified: DateTime(s.LastUpdated),
		Requester:    OrganizationReference(s.Sender),
		Owner:        UnitReference(s.Owner),
	}
	if s.Identifier.Value != "" {
		t.Focus.Identifier = Identifier(s.Identifier.System, s.Identifier.Value)
	}
	if s.StatusReason != "" {
		t.StatusReason = Text(s.StatusReason)
	}
	if s.FollowUp != "" {
		t.Note = []*dpb.Annotation{{Text: &dpb.Markdown{Value: s.FollowUp}}}
	}
	if s.BusinessStatus != "" {
		t.BusinessStatus = Coded(BusinessStatusSystem, string(s.BusinessStatus), BusinessStatusDisplay[s.BusinessStatus])
	}
	if !s.CareStartDeadline.IsZero() {
		t.Restriction = &taskpb.Task_Restriction{Period: &dpb.Period{End: DayDateTime(s.CareStartDeadline)}}
	}
	if !s.Started.IsZero() {
		t.ExecutionPeriod = &dpb.Period{Start: DayDateTime(s.Started)}
		if !s.Ended.IsZero() {
			t.ExecutionPeriod.End = DayDateTime(s.Ended)
		}
	}
	return t
}

func (s TaskState) patientSystem() string {
	if nid, err := ids.ParseNationalID(s.PatientNationalID); err == nil {
		return nid.FHIRSystem()
	}
	return SystemFodselsnummer
}

// Contained ids of the resources a rendered ServiceRequest carries.
const (
	referrerRef = "referrer"
	unitRef     = "unit"
)

// ServiceRequest renders the referral as the sender's ServiceRequest, as it
// was received: the same identifier, subject, referrer, addressed unit,
// reason and priority, so that posting it again is recognised as the same
// referral. It never changes (version 1, last updated at receipt); what
// happens to the referral is on its Task, and a replayed create returns
// the first answer, never the current state.
func (s TaskState) ServiceRequest() *srpb.ServiceRequest {
	sr := &srpb.ServiceRequest{
		Id:       ID(s.ReferralID),
		Meta:     &dpb.Meta{VersionId: ID("1"), LastUpdated: Instant(s.ReceivedAt)},
		Status:   &srpb.ServiceRequest_StatusCode{Value: cpb.RequestStatusCode_ACTIVE},
		Intent:   &srpb.ServiceRequest_IntentCode{Value: cpb.RequestIntentCode_ORDER},
		Priority: &srpb.ServiceRequest_PriorityCode{Value: Priority(s.Urgency)},
		Subject:  LogicalReference("Patient", s.patientSystem(), s.PatientNationalID),
		Requester: &dpb.Reference{
			Reference: &dpb.Reference_Fragment{Fragment: String(referrerRef)},
		},
		Performer:  []*dpb.Reference{{Reference: &dpb.Reference_Fragment{Fragment: String(unitRef)}}},
		ReasonCode: []*dpb.CodeableConcept{Text(s.Reason)},
	}
	if s.Identifier.Value != "" {
		sr.Identifier = []*dpb.Identifier{Identifier(s.Identifier.System, s.Identifier.Value)}
	}
	if s.Internal {
		sr.Extension = []*dpb.Extension{BooleanExtension(InternalReferralExtension, true)}
	}
	referrer := &prpb.PractitionerRole{
		Id:           ID(referrerRef),
		Practitioner: LogicalReference("Practitioner", SystemHPR, s.ReferrerHPR),
		Organization: OrganizationReference(s.ReferrerOrgNumber),
	}
	sr.Contained = []*anypb.Any{containedAny(referrer), containedAny(UnitOrganization(unitRef, s.RequestedUnit))}
	return sr
}

// containedAny packs a resource the way the R4 protos hold contained
// resources: an Any around a ContainedResource. Both messages are R4
// resources built here, so neither step can fail.
func containedAny(resource proto.Message) *anypb.Any {
	cr, err := Contain(resource)
	if err != nil {
		panic(err)
	}
	a, err := anypb.New(cr)
	if err != nil {
		panic(err)
	}
	return a
}

// BooleanExtension is an extension with a valueBoolean.
func BooleanExtension(url string, v bool) *dpb.Extension {
	return &dpb.Extension{Url: URI(url), Value: &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_Boolean{Boolean: &dpb.Boolean{Value: v}}}}
}
