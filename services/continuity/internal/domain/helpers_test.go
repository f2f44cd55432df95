package domain_test

// Shared fixtures for the continuity decider tests. Everything is built
// fresh per call; there is no package-level mutable state.

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

const (
	patientID    = "pt_patient"
	therapistHPR = "hpr:1111111"
	successorHPR = "hpr:2222222"
	nurseHPR     = "hpr:3333333"
	navWorker    = "ext:889640782:case-17"
	dpsOrg       = "983974899"
)

var (
	therapist = continuityv1.Role_ROLE_THERAPIST
	contact   = continuityv1.Role_ROLE_CONTACT_PERSON
	nurse     = continuityv1.Role_ROLE_NURSE
	warm      = continuityv1.HandoffKind_HANDOFF_KIND_WARM
	cold      = continuityv1.HandoffKind_HANDOFF_KIND_COLD
	left      = continuityv1.EndReason_END_REASON_PROVIDER_LEFT
)

func day(n int) time.Time { return time.Date(2026, 3, n, 9, 0, 0, 0, time.UTC) }

func dps() domain.Unit { return domain.Unit{HerID: "8100001", OrgNumber: dpsOrg} }

func clinician() access.Actor { return access.Actor{ProfessionalID: therapistHPR, OrgNumber: dpsOrg} }
func patient() access.Actor   { return access.Actor{PatientID: patientID} }

// given folds events through Evolve, one commit each.
func given(events ...proto.Message) domain.Patient {
	p := domain.Initial(patientID)
	for _, e := range events {
		p = domain.Evolve(p, e, &eventsv1.Commit{PatientId: patientID})
	}
	return p
}

func started(id, professional string, role continuityv1.Role) *continuityv1.RelationshipStarted {
	return &continuityv1.RelationshipStarted{
		RelationshipId: id, PatientId: patientID, ProfessionalId: professional, Role: role,
		Unit: dps().Ref(), Sector: continuityv1.Sector_SECTOR_SPECIALIST, StartedAt: timestamppb.New(day(2)),
	}
}

func ended(id string) *continuityv1.RelationshipEnded {
	return &continuityv1.RelationshipEnded{RelationshipId: id, PatientId: patientID, Reason: left, EndedAt: timestamppb.New(day(10))}
}

func planned(id, from, to string, kind continuityv1.HandoffKind, joint bool) *continuityv1.HandoffPlanned {
	return &continuityv1.HandoffPlanned{
		HandoffId: id, PatientId: patientID, FromRelationshipId: from, ToProfessionalId: to, ToRole: therapist,
		ToUnit: dps().Ref(), PlannedAt: timestamppb.New(day(5)), Kind: kind, JointMeeting: joint,
	}
}

func completed(id, from, newRel string) []proto.Message {
	return []proto.Message{
		&continuityv1.HandoffCompleted{HandoffId: id, PatientId: patientID, FromRelationshipId: from, ToRelationshipId: newRel,
			ToProfessionalId: successorHPR, CompletedAt: timestamppb.New(day(8)), SummaryShared: true, Kind: warm},
		started(newRel, successorHPR, therapist),
	}
}

func leftWithoutContact(relID string) *continuityv1.PatientLeftWithoutContact {
	return &continuityv1.PatientLeftWithoutContact{PatientId: patientID, RelationshipId: relID}
}

func planCreated() *continuityv1.IndividualPlanCreated {
	return &continuityv1.IndividualPlanCreated{PlanId: "plan-1", PatientId: patientID, CreatedAt: timestamppb.New(day(2))}
}

func memberAdded(professional, consentID string) *continuityv1.PlanningGroupMemberAdded {
	return &continuityv1.PlanningGroupMemberAdded{PlanId: "plan-1", PatientId: patientID, ProfessionalId: professional, ConsentId: consentID}
}

// count counts events of type T.
func count[T proto.Message](events []proto.Message) int {
	n := 0
	for _, e := range events {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}

func wantNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantCondition expects a PreconditionError carrying reason.
func wantCondition(t *testing.T, events []proto.Message, err error, reason string) {
	t.Helper()
	var pe *errs.PreconditionError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a precondition error", err)
	}
	if reason != "" && (len(pe.Conditions) == 0 || pe.Conditions[0].Reason != reason) {
		t.Fatalf("conditions = %+v, want reason %s", pe.Conditions, reason)
	}
	if len(events) != 0 {
		t.Fatalf("events = %v, want none", events)
	}
}

func wantNotFound(t *testing.T, events []proto.Message, err error) {
	t.Helper()
	var nf *errs.NotFoundError
	if !errors.As(err, &nf) || len(events) != 0 {
		t.Fatalf("err = %v events = %v, want NotFound and no events", err, events)
	}
}
