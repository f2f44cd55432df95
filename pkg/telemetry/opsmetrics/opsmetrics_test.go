package opsmetrics_test

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/stafett/stafett/pkg/telemetry/opsmetrics"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

const (
	patient  = "pt_SECRETPSEUDONYM"
	referral = "01REFERRALID"
	prof     = "hpr:12345678"
)

var dps = &eventsv1.UnitRef{HerId: "8000123", OrgNumber: "974589095"}

func commitOf(t *testing.T, events ...proto.Message) *eventsv1.Commit {
	t.Helper()
	c := &eventsv1.Commit{PatientId: patient, CorrelationId: referral}
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			t.Fatal(err)
		}
		c.Events = append(c.Events, a)
	}
	return c
}

func TestEachDomainEventIsCountedByUnitWithoutPersonalData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		event  proto.Message
		metric string
		attrs  map[string]string
	}{
		{&referralv1.ReferralReceived{ReferralId: referral, PatientId: patient, PatientNationalId: "01010112345", ReceivingUnit: dps, Urgency: referralv1.Urgency_URGENCY_URGENT, Reason: "free text"},
			"stafett.referrals.received", map[string]string{"stafett.unit.her_id": "8000123", "stafett.referral.urgency": "urgent"}},
		{&referralv1.ReferralAssessed{ReferralId: referral, PatientId: patient, ReceivingUnit: dps, Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{}}, AssessedBy: prof},
			"stafett.referrals.assessed", map[string]string{"stafett.unit.her_id": "8000123", "stafett.assessment.outcome": "right_granted"}},
		{&referralv1.ReferralAssessed{ReceivingUnit: dps, Outcome: &referralv1.ReferralAssessed_NoRight{NoRight: &referralv1.NoRight{}}},
			"stafett.referrals.assessed", map[string]string{"stafett.unit.her_id": "8000123", "stafett.assessment.outcome": "no_right"}},
		{&referralv1.AssessmentDeadlineBreached{ReferralId: referral, ReceivingUnit: dps},
			"stafett.deadlines.breached", map[string]string{"stafett.unit.her_id": "8000123", "stafett.deadline.kind": "assessment"}},
		{&referralv1.CareStartDeadlineBreached{ReferralId: referral, ReceivingUnit: dps},
			"stafett.deadlines.breached", map[string]string{"stafett.unit.her_id": "8000123", "stafett.deadline.kind": "care_start"}},
		{&referralv1.CareStartDeadlineAtRisk{ReferralId: referral, ReceivingUnit: dps},
			"stafett.deadlines.at_risk", map[string]string{"stafett.unit.her_id": "8000123", "stafett.deadline.kind": "care_start"}},
		{&pathwayv1.MilestoneOverdue{PathwayId: "pw", Milestone: pathwayv1.Milestone_MILESTONE_START, Unit: dps, Cause: "free text"},
			"stafett.milestones.overdue", map[string]string{"stafett.unit.her_id": "8000123", "stafett.pathway.milestone": "start"}},
		{&continuityv1.PatientLeftWithoutContact{PatientId: patient, ProfessionalId: prof, Role: continuityv1.Role_ROLE_THERAPIST, Unit: &eventsv1.UnitRef{}},
			"stafett.patients.left_without_contact", map[string]string{"stafett.unit.her_id": "unknown", "stafett.relationship.role": "therapist"}},
		{&continuityv1.PatientContactRestored{PatientId: patient},
			"stafett.patients.contact_restored", map[string]string{}},
	} {
		t.Run(tc.metric+"/"+string(proto.MessageName(tc.event).Name()), func(t *testing.T) {
			t.Parallel()
			reader := sdkmetric.NewManualReader()
			counters, err := opsmetrics.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test"))
			if err != nil {
				t.Fatal(err)
			}
			// Another event in the same commit that nobody counts.
			counters.Committed(t.Context(), commitOf(t, tc.event, &referralv1.InformationRequested{ReferralId: referral}))

			var rm metricdata.ResourceMetrics
			if err := reader.Collect(t.Context(), &rm); err != nil {
				t.Fatal(err)
			}
			var found int
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					sum, ok := m.Data.(metricdata.Sum[int64])
					if !ok {
						continue
					}
					for _, dp := range sum.DataPoints {
						if dp.Value == 0 {
							continue
						}
						if m.Name != tc.metric || dp.Value != 1 {
							t.Errorf("%s = %d, want only %s = 1", m.Name, dp.Value, tc.metric)
						}
						found++
						got := map[string]string{}
						for _, kv := range dp.Attributes.ToSlice() {
							got[string(kv.Key)] = kv.Value.Emit()
							assertNotPersonal(t, kv)
						}
						if len(got) != len(tc.attrs) {
							t.Errorf("attributes %v, want %v", got, tc.attrs)
						}
						for k, v := range tc.attrs {
							if got[k] != v {
								t.Errorf("%s = %q, want %q", k, got[k], v)
							}
						}
					}
				}
			}
			if found != 1 {
				t.Errorf("%d data points, want 1", found)
			}
		})
	}
}

func assertNotPersonal(t *testing.T, kv attribute.KeyValue) {
	t.Helper()
	for _, personal := range []string{patient, referral, prof, "01010112345", "free text"} {
		if kv.Value.Emit() == personal {
			t.Errorf("metric attribute %s carries %q", kv.Key, personal)
		}
	}
}
