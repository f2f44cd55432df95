package domain

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time                   { return t0.AddDate(0, 0, n) }
func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

var (
	bup = &eventsv1.UnitRef{HerId: "100", OrgNumber: "974705761"}
	dps = &eventsv1.UnitRef{HerId: "200", OrgNumber: "983974724"}
)

// feed applies commits to a view in stream order, numbering sequences.
type feed struct {
	t   *testing.T
	v   *View
	seq uint64
}

func newFeed(t *testing.T) *feed { return &feed{t: t, v: NewView()} }

func (f *feed) commit(patient string, at time.Time, events ...proto.Message) uint64 {
	f.seq++
	f.v.Apply(f.seq, mkCommit(f.t, patient, at, events...), events)
	return f.seq
}

func mkCommit(t testing.TB, patient string, at time.Time, events ...proto.Message) *eventsv1.Commit {
	c := &eventsv1.Commit{PatientId: patient, OccurredAt: ts(at)}
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			t.Fatal(err)
		}
		c.Events = append(c.Events, a)
	}
	return c
}

// handoffPatient moves a patient from a therapist at from to one at to:
// relationship r1 ends on day endDay, r2 starts on day startDay.
func (f *feed) handoffPatient(pid string, from, to *eventsv1.UnitRef, kind continuityv1.HandoffKind, endDay, startDay int) {
	f.commit(pid, day(0), &continuityv1.RelationshipStarted{RelationshipId: pid + "-r1", PatientId: pid, ProfessionalId: "hpr:1", Role: continuityv1.Role_ROLE_THERAPIST, Unit: from, StartedAt: ts(day(0))})
	f.commit(pid, day(1), &continuityv1.HandoffPlanned{HandoffId: pid + "-h", PatientId: pid, FromRelationshipId: pid + "-r1", ToProfessionalId: "hpr:2", ToRole: continuityv1.Role_ROLE_THERAPIST, ToUnit: to, PlannedAt: ts(day(1)), Kind: kind})
	f.commit(pid, day(endDay), &continuityv1.RelationshipEnded{RelationshipId: pid + "-r1", PatientId: pid, Reason: continuityv1.EndReason_END_REASON_AGE_TRANSITION, EndedAt: ts(day(endDay))})
	f.commit(pid, day(startDay),
		&continuityv1.HandoffCompleted{HandoffId: pid + "-h", PatientId: pid, FromRelationshipId: pid + "-r1", ToRelationshipId: pid + "-r2", ToProfessionalId: "hpr:2", CompletedAt: ts(day(startDay)), Kind: kind},
		&continuityv1.RelationshipStarted{RelationshipId: pid + "-r2", PatientId: pid, ProfessionalId: "hpr:2", Role: continuityv1.Role_ROLE_THERAPIST, Unit: to, StartedAt: ts(day(startDay)), FromHandoffId: pid + "-h"})
}
