package fhirr4_test

import (
	"encoding/json"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/fhirr4"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

const (
	referralID = "01JREFERRAL0000000000000001"
	pathwayID  = "01JPATHWAY00000000000000001"
	patientNID = "31129998949"
	senderOrg  = "974760673"
	dpsOrg     = "983974724"
	bupOrg     = "934567897"
)

var (
	dps = &eventsv1.UnitRef{HerId: "80001", OrgNumber: dpsOrg}
	bup = &eventsv1.UnitRef{HerId: "80002", OrgNumber: bupOrg}
	t0  = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
)

// commit wraps events as the aggregate's n-th commit, decided n hours after t0.
func commit(t testing.TB, aggregateType, id string, n int, events ...proto.Message) *eventsv1.Commit {
	t.Helper()
	c := &eventsv1.Commit{
		CommitId: "c", AggregateType: aggregateType, AggregateId: id, AggregateVersion: uint64(n),
		OccurredAt: timestamppb.New(t0.Add(time.Duration(n) * time.Hour)),
	}
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			t.Fatal(err)
		}
		c.Events = append(c.Events, a)
	}
	return c
}

func received(urgency referralv1.Urgency, internal bool) *referralv1.ReferralReceived {
	return &referralv1.ReferralReceived{
		ReferralId: referralID, PatientId: "pt_x", PatientNationalId: patientNID, ExternalId: "http://gp.example/ids|r-1",
		ReferrerHpr: "1234567", ReferrerOrgNumber: senderOrg, ReceivingUnit: dps, Reason: "low mood",
		Urgency: urgency, Internal: internal, ReceivedAt: timestamppb.New(t0), SenderOrgNumber: senderOrg,
	}
}

func granted() *referralv1.ReferralAssessed {
	return &referralv1.ReferralAssessed{ReferralId: referralID, Outcome: &referralv1.ReferralAssessed_RightGranted{
		RightGranted: &referralv1.RightGranted{CareStartDeadline: "2026-05-29", PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D11},
	}}
}

type step struct {
	aggregate string
	events    []proto.Message
}

func ref(events ...proto.Message) step { return step{"referral", events} }
func pw(events ...proto.Message) step  { return step{"pathway", events} }

func TestTaskStatusFollowsTheReferralAndItsPathway(t *testing.T) {
	started := &pathwayv1.PathwayStarted{PathwayId: pathwayID, ReferralId: referralID, StartedOn: "2026-03-05"}
	attended := &pathwayv1.FirstAttendanceRecorded{PathwayId: pathwayID, AttendedOn: "2026-03-20"}
	completed := &pathwayv1.PathwayCompleted{PathwayId: pathwayID, ReferralId: referralID, CompletedOn: "2026-09-01"}
	routine := received(referralv1.Urgency_URGENCY_ROUTINE, false)
	tests := []struct {
		name         string
		steps        []step
		wantStatus   fhirr4.TaskStatus
		wantBusiness fhirr4.BusinessStatus
		wantOwner    string
		wantReason   string
		wantDeadline string
		wantStarted  string
	}{
		{name: "receipt is received", steps: []step{ref(routine)}, wantStatus: fhirr4.TaskReceived, wantOwner: "80001"},
		{name: "information request is a business status", steps: []step{ref(routine), ref(&referralv1.InformationRequested{ReferralId: referralID})},
			wantStatus: fhirr4.TaskReceived, wantBusiness: fhirr4.BusinessInformationRequested, wantOwner: "80001"},
		{name: "forwarding changes the owner", steps: []step{ref(routine), ref(&referralv1.ReferralForwarded{ReferralId: referralID, FromUnit: dps, ToUnit: bup})},
			wantStatus: fhirr4.TaskReceived, wantBusiness: fhirr4.BusinessForwarded, wantOwner: "80002"},
		{name: "a granted right is accepted with the care-start deadline", steps: []step{ref(routine), ref(&referralv1.InformationRequested{}), ref(granted())},
			wantStatus: fhirr4.TaskAccepted, wantOwner: "80001", wantDeadline: "2026-05-29"},
		{name: "no right is rejected with the reason", steps: []step{ref(routine), ref(&referralv1.ReferralAssessed{ReferralId: referralID,
			Outcome: &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{Reason: "GP follow-up suffices", FollowUp: "see GP"}}})},
			wantStatus: fhirr4.TaskRejected, wantOwner: "80001", wantReason: "GP follow-up suffices"},
		{name: "a breach stays after the assessment", steps: []step{ref(routine), ref(&referralv1.AssessmentDeadlineBreached{ReferralId: referralID}), ref(granted())},
			wantStatus: fhirr4.TaskAccepted, wantBusiness: fhirr4.BusinessAssessmentDeadlineBreach, wantOwner: "80001", wantDeadline: "2026-05-29"},
		{name: "care start at risk", steps: []step{ref(routine), ref(granted()), ref(&referralv1.CareStartDeadlineAtRisk{ReferralId: referralID})},
			wantStatus: fhirr4.TaskAccepted, wantBusiness: fhirr4.BusinessCareStartAtRisk, wantOwner: "80001", wantDeadline: "2026-05-29"},
		{name: "care start breached", steps: []step{ref(routine), ref(granted()), ref(&referralv1.CareStartDeadlineBreached{ReferralId: referralID})},
			wantStatus: fhirr4.TaskAccepted, wantBusiness: fhirr4.BusinessCareStartBreach, wantOwner: "80001", wantDeadline: "2026-05-29"},
		{name: "first attendance is in progress and ends the risk", steps: []step{ref(routine), ref(granted()), pw(started),
			ref(&referralv1.CareStartDeadlineAtRisk{ReferralId: referralID}), pw(attended)},
			wantStatus: fhirr4.TaskInProgress, wantOwner: "80001", wantDeadline: "2026-05-29", wantStarted: "2026-03-20"},
		{name: "a completed pathway completes the task", steps: []step{ref(routine), ref(granted()), pw(started), pw(attended), pw(completed)},
			wantStatus: fhirr4.TaskCompleted, wantOwner: "80001", wantDeadline: "2026-05-29", wantStarted: "2026-03-20"},
		{name: "withdrawal cancels", steps: []step{ref(routine), ref(&referralv1.InformationRequested{}), ref(&referralv1.ReferralWithdrawn{ReferralId: referralID})},
			wantStatus: fhirr4.TaskCancelled, wantOwner: "80001"},
		{name: "an emergency goes from received to in progress when booked in",
			steps:      []step{ref(received(referralv1.Urgency_URGENCY_EMERGENCY, false)), ref(&referralv1.FirstAppointmentScheduled{AppointmentDate: "2026-03-03"})},
			wantStatus: fhirr4.TaskInProgress, wantOwner: "80001", wantStarted: "2026-03-03"},
		{name: "an internal referral goes from received to in progress when booked in",
			steps:      []step{ref(received(referralv1.Urgency_URGENCY_URGENT, true)), ref(&referralv1.FirstAppointmentScheduled{AppointmentDate: "2026-03-04"})},
			wantStatus: fhirr4.TaskInProgress, wantOwner: "80001", wantStarted: "2026-03-04"},
		{name: "a granted referral booked in is still only accepted", steps: []step{ref(routine), ref(granted()), ref(&referralv1.FirstAppointmentScheduled{AppointmentDate: "2026-03-10"})},
			wantStatus: fhirr4.TaskAccepted, wantOwner: "80001", wantDeadline: "2026-05-29"},
		{name: "another pathway's attendance changes nothing", steps: []step{ref(routine), ref(granted()), pw(&pathwayv1.FirstAttendanceRecorded{PathwayId: "01JOTHER", AttendedOn: "2026-03-20"})},
			wantStatus: fhirr4.TaskAccepted, wantOwner: "80001", wantDeadline: "2026-05-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks := fhirr4.NewTasks()
			counts := map[string]int{}
			for _, st := range tt.steps {
				id := referralID
				if st.aggregate == "pathway" {
					id = pathwayID
					if a, ok := st.events[0].(*pathwayv1.FirstAttendanceRecorded); ok && a.GetPathwayId() != pathwayID {
						id = a.GetPathwayId()
					}
				}
				counts[id]++
				if _, _, _, err := tasks.Apply(commit(t, st.aggregate, id, counts[id], st.events...)); err != nil {
					t.Fatal(err)
				}
			}
			s, ok := tasks.Get(referralID)
			if !ok {
				t.Fatal("no task")
			}
			task := renderJSON(t, s.Task())
			if got := task["status"]; got != string(tt.wantStatus) {
				t.Errorf("status = %v, want %s", got, tt.wantStatus)
			}
			if got := nested(task, "businessStatus", "coding", 0, "code"); got != stringOrNil(string(tt.wantBusiness)) {
				t.Errorf("businessStatus = %v, want %q", got, tt.wantBusiness)
			}
			if got := nested(task, "owner", "identifier", "value"); got != tt.wantOwner {
				t.Errorf("owner = %v, want %s", got, tt.wantOwner)
			}
			if got := nested(task, "statusReason", "text"); got != stringOrNil(tt.wantReason) {
				t.Errorf("statusReason = %v, want %q", got, tt.wantReason)
			}
			if got := nested(task, "restriction", "period", "end"); got != stringOrNil(tt.wantDeadline) {
				t.Errorf("restriction.period.end = %v, want %q", got, tt.wantDeadline)
			}
			if got := nested(task, "executionPeriod", "start"); got != stringOrNil(tt.wantStarted) {
				t.Errorf("executionPeriod.start = %v, want %q", got, tt.wantStarted)
			}
			if got := nested(task, "focus", "reference"); got != "ServiceRequest/"+referralID {
				t.Errorf("focus = %v", got)
			}
			if got := nested(task, "requester", "identifier", "value"); got != senderOrg {
				t.Errorf("requester = %v", got)
			}
		})
	}
}

func TestTaskVersionCountsOnlyVisibleChanges(t *testing.T) {
	tasks := fhirr4.NewTasks()
	apply := func(c *eventsv1.Commit) bool {
		t.Helper()
		_, changed, _, err := tasks.Apply(c)
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}
	if !apply(commit(t, "referral", referralID, 1, received(referralv1.Urgency_URGENCY_ROUTINE, false))) {
		t.Fatal("receipt changed nothing")
	}
	if !apply(commit(t, "referral", referralID, 2, granted())) {
		t.Fatal("assessment changed nothing")
	}
	// A pathway start and a clinical decision are nothing the Task shows.
	if apply(commit(t, "pathway", pathwayID, 1, &pathwayv1.PathwayStarted{PathwayId: pathwayID, ReferralId: referralID})) {
		t.Fatal("a pathway start changed the task")
	}
	if apply(commit(t, "pathway", pathwayID, 2, &pathwayv1.ClinicalDecisionRecorded{PathwayId: pathwayID})) {
		t.Fatal("a clinical decision changed the task")
	}
	s, _ := tasks.Get(referralID)
	if s.Version != 2 || !s.LastUpdated.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("version %d last updated %v, want 2 at %v", s.Version, s.LastUpdated, t0.Add(2*time.Hour))
	}
	if !apply(commit(t, "pathway", pathwayID, 3, &pathwayv1.FirstAttendanceRecorded{PathwayId: pathwayID, AttendedOn: "2026-03-20"})) {
		t.Fatal("the first attendance of the referral's pathway changed nothing")
	}
	if s, _ := tasks.Get(referralID); s.Version != 3 || s.Status != fhirr4.TaskInProgress {
		t.Fatalf("version %d status %s", s.Version, s.Status)
	}
}

func TestTaskApplyIsPure(t *testing.T) {
	s0 := fhirr4.NewTaskState(referralID)
	s1, _, err := s0.Apply(commit(t, "referral", referralID, 1, received(referralv1.Urgency_URGENCY_ROUTINE, false)))
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := s1.Apply(commit(t, "pathway", pathwayID, 1, &pathwayv1.PathwayStarted{PathwayId: pathwayID, ReferralId: referralID}))
	if err != nil {
		t.Fatal(err)
	}
	if s0.Exists() || s1.Status != fhirr4.TaskReceived || len(s1.PathwayIDs) != 0 || len(s2.PathwayIDs) != 1 {
		t.Fatalf("apply changed its receiver: s0 %+v s1 pathways %v", s0.Status, s1.PathwayIDs)
	}
}

func TestTaskRendersAsValidR4(t *testing.T) {
	codec := newCodec(t)
	s := fhirr4.NewTaskState(referralID)
	for i, e := range []proto.Message{received(referralv1.Urgency_URGENCY_EMERGENCY, true), granted()} {
		var err error
		if s, _, err = s.Apply(commit(t, "referral", referralID, i+1, e)); err != nil {
			t.Fatal(err)
		}
	}
	for _, resource := range []proto.Message{s.Task(), s.ServiceRequest()} {
		body, err := codec.Marshal(resource)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := codec.Parse(body); err != nil {
			t.Fatalf("%s does not parse back: %v\n%s", fhirr4.ResourceType(resource), err, body)
		}
	}
	sr := renderJSON(t, s.ServiceRequest())
	if sr["priority"] != "stat" || nested(sr, "identifier", 0, "system") != "http://gp.example/ids" || nested(sr, "subject", "identifier", "value") != patientNID {
		t.Fatalf("service request %v", sr)
	}
}

func newCodec(t testing.TB) *fhirr4.Codec {
	t.Helper()
	c, err := fhirr4.NewCodec("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func renderJSON(t *testing.T, resource proto.Message) map[string]any {
	t.Helper()
	body, err := newCodec(t).Marshal(resource)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// nested walks maps by key and slices by index; a missing step is nil.
func nested(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func stringOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
