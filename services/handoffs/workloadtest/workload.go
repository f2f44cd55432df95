// Package workloadtest appends realistic commits from every context straight to
// the event store: the mixed workload the rebuild tests and the benchmark
// fold. It stands in for the referral, pathway, continuity and consent
// services, which the views only ever see as commits on the stream.
package workloadtest

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/eventstore"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Units of the workload: a BUP, an adult DPS and a municipal service.
var (
	BUP   = &eventsv1.UnitRef{HerId: "8100001", OrgNumber: "974705761"}
	DPS   = &eventsv1.UnitRef{HerId: "8200002", OrgNumber: "983974724"}
	Kommu = &eventsv1.UnitRef{HerId: "8300003", OrgNumber: "964338531"}
)

// PatientID is a well-formed pseudonym for workload patient i.
func PatientID(i int) string {
	sum := sha256.Sum256([]byte("workload patient " + strconv.Itoa(i)))
	return "pt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
}

// Appender is where commits go: the event store, or a recorder in memory.
type Appender interface {
	Append(ctx context.Context, a eventstore.Append) (eventstore.AppendResult, error)
}

// Writer appends commits with the right expected sequences.
type Writer struct {
	store Appender
	last  map[string]uint64
	ver   map[string]uint64
	n     int
}

// NewWriter writes to store.
func NewWriter(store Appender) *Writer {
	return &Writer{store: store, last: map[string]uint64{}, ver: map[string]uint64{}}
}

// Commit appends one commit on an aggregate and returns its sequence.
func (w *Writer) Commit(ctx context.Context, context_, aggType, aggID, patient string, at time.Time, events ...proto.Message) (uint64, error) {
	subject := eventstore.Subject(context_, aggType, aggID)
	w.n++
	w.ver[subject]++
	c := &eventsv1.Commit{
		CommitId: fmt.Sprintf("wl-%d-%d", time.Now().UnixNano(), w.n), AggregateType: aggType, AggregateId: aggID,
		AggregateVersion: w.ver[subject], OccurredAt: timestamppb.New(at), PatientId: patient,
		Actor: &eventsv1.Actor{ProfessionalId: "hpr:100", Role: "clinician"},
	}
	for _, e := range events {
		a, err := anypb.New(e)
		if err != nil {
			return 0, err
		}
		c.Events = append(c.Events, a)
	}
	// A live suite's own services may write to the same aggregates while the
	// workload runs (a deadline watcher marking a milestone overdue): catch
	// up with the subject and append after them, as a command would.
	for attempt := 0; ; attempt++ {
		res, err := w.store.Append(ctx, eventstore.Append{Subject: subject, Commit: c, ExpectedSeq: w.last[subject]})
		if errors.Is(err, eventstore.ErrConflict) && attempt < 5 {
			if r, ok := w.store.(interface {
				LastSubjectSeq(ctx context.Context, subject string) (uint64, error)
			}); ok {
				if w.last[subject], err = r.LastSubjectSeq(ctx, subject); err != nil {
					return 0, err
				}
				continue
			}
		}
		if err != nil {
			return 0, err
		}
		w.last[subject] = res.Seq
		return res.Seq, nil
	}
}

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// Journey appends the described journey of patient i starting at base: one
// referral, one pathway with five milestones, four relationships, twenty
// contacts, two handoffs (one warm, one cold) and three consent changes —
// 39 commits, and a 40th for every fifth patient, who is left without contact.
func Journey(ctx context.Context, w *Writer, i int, base time.Time) error {
	pid := PatientID(i)
	id := func(kind string, n int) string { return fmt.Sprintf("%s-%d-%d", kind, i, n) }
	day := func(n int) time.Time { return base.AddDate(0, 0, n) }
	date := func(n int) string { return day(n).Format(time.DateOnly) }
	ref, pw := id("ref", 0), id("pw", 0)
	steps := []func() error{
		func() error {
			_, err := w.Commit(ctx, "referral", "referral", ref, pid, day(0), &referralv1.ReferralReceived{
				ReferralId: ref, PatientId: pid, ReceivingUnit: BUP, ReceivedAt: ts(day(0)), AssessmentDue: date(14), ReferrerHpr: "hpr:200"})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "referral", "referral", ref, pid, day(5), &referralv1.ReferralAssessed{
				ReferralId: ref, PatientId: pid, ReceivingUnit: BUP, AssessedBy: "hpr:300", AssessedAt: ts(day(5)),
				Outcome: &referralv1.ReferralAssessed_RightGranted{RightGranted: &referralv1.RightGranted{CareStartDeadline: date(40), PathwayType: eventsv1.PathwayType_PATHWAY_TYPE_D12}}})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(5), &pathwayv1.PathwayStarted{
				PathwayId: pw, ReferralId: ref, PatientId: pid, Unit: BUP, StartedAt: ts(day(5)), StartedOn: date(5), CareStartDeadline: date(40),
				Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE, TargetDate: date(15)}}})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(6), &pathwayv1.PathwayCoordinatorAssigned{PathwayId: pw, ProfessionalId: "hpr:301", AssignedAt: ts(day(6))})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(10), &pathwayv1.FirstAttendanceRecorded{PathwayId: pw, AttendedAt: ts(day(10)), RecordedBy: "hpr:301",
				Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC, TargetDate: date(30)}}})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(20), &pathwayv1.ClinicalDecisionRecorded{PathwayId: pw, Code: pathwayv1.ClinicalDecision_CLINICAL_DECISION_CP,
				Stage: pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC, RecordedAt: ts(day(20)),
				Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED, TargetDate: date(35)}}})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(25), &pathwayv1.TreatmentPlanAgreed{PathwayId: pw,
				Plan:    &pathwayv1.TreatmentPlan{DecisionMode: pathwayv1.DecisionMode_DECISION_MODE_SHARED, AgreedAt: ts(day(25)), AgreedBy: "hpr:301"},
				Targets: []*pathwayv1.MilestoneTarget{{Milestone: pathwayv1.Milestone_MILESTONE_EVALUATION, TargetDate: date(90)}}})
			return err
		},
		func() error {
			_, err := w.Commit(ctx, "pathway", "pathway", pw, pid, day(80), &pathwayv1.EvaluationRecorded{PathwayId: pw, RecordedAt: ts(day(80)),
				Evaluation: &pathwayv1.Evaluation{PatientTookPart: true}})
			return err
		},
	}
	// Relationships: a therapist and a contact person at the BUP; the
	// therapist hands over warm to a DPS therapist at 18, the contact person
	// cold to a municipal coordinator.
	rel := func(n int, prof string, role continuityv1.Role, unit *eventsv1.UnitRef, start int, handoff string) *continuityv1.RelationshipStarted {
		return &continuityv1.RelationshipStarted{RelationshipId: id("rel", n), PatientId: pid, ProfessionalId: prof, Role: role, Unit: unit, StartedAt: ts(day(start)), FromHandoffId: handoff}
	}
	cont := func(at time.Time, events ...proto.Message) func() error {
		return func() error { _, err := w.Commit(ctx, "continuity", "patient", pid, pid, at, events...); return err }
	}
	therapist, contact := fmt.Sprintf("hpr:1%03d", i%7), fmt.Sprintf("hpr:2%03d", i%5)
	steps = append(steps,
		cont(day(10), rel(0, therapist, continuityv1.Role_ROLE_THERAPIST, BUP, 10, "")),
		cont(day(11), rel(1, contact, continuityv1.Role_ROLE_CONTACT_PERSON, BUP, 11, "")),
	)
	for c := range 20 {
		r, prof := 0, therapist
		switch {
		case c%4 == 3:
			r, prof = 1, contact
		case c >= 12:
			r, prof = 2, "hpr:3001"
		}
		at := day(12 + c*5)
		steps = append(steps, cont(at, &continuityv1.ContactRecorded{RelationshipId: id("rel", r), PatientId: pid, ProfessionalId: prof, OccurredAt: ts(at), Kind: continuityv1.ContactKind_CONTACT_KIND_CONSULTATION}))
		if c == 11 {
			// The warm handoff: planned, overlap, completed; then the old one ends.
			steps = append(steps,
				cont(day(60), &continuityv1.HandoffPlanned{HandoffId: id("h", 0), PatientId: pid, FromRelationshipId: id("rel", 0), FromProfessionalId: therapist,
					ToProfessionalId: "hpr:3001", ToRole: continuityv1.Role_ROLE_THERAPIST, ToUnit: DPS, PlannedAt: ts(day(60)), Kind: continuityv1.HandoffKind_HANDOFF_KIND_WARM, JointMeeting: true}),
				cont(day(68),
					&continuityv1.HandoffCompleted{HandoffId: id("h", 0), PatientId: pid, FromRelationshipId: id("rel", 0), ToRelationshipId: id("rel", 2), ToProfessionalId: "hpr:3001",
						CompletedAt: ts(day(68)), SummaryShared: true, Kind: continuityv1.HandoffKind_HANDOFF_KIND_WARM},
					rel(2, "hpr:3001", continuityv1.Role_ROLE_THERAPIST, DPS, 68, id("h", 0))),
				cont(day(70), &continuityv1.RelationshipEnded{RelationshipId: id("rel", 0), PatientId: pid, ProfessionalId: therapist, Reason: continuityv1.EndReason_END_REASON_AGE_TRANSITION, EndedAt: ts(day(70)), Role: continuityv1.Role_ROLE_THERAPIST}),
			)
		}
	}
	steps = append(steps,
		cont(day(100), &continuityv1.HandoffPlanned{HandoffId: id("h", 1), PatientId: pid, FromRelationshipId: id("rel", 1), FromProfessionalId: contact,
			ToProfessionalId: "hpr:4001", ToRole: continuityv1.Role_ROLE_COORDINATOR, ToUnit: Kommu, PlannedAt: ts(day(100)), Kind: continuityv1.HandoffKind_HANDOFF_KIND_COLD}),
		cont(day(101), &continuityv1.RelationshipEnded{RelationshipId: id("rel", 1), PatientId: pid, ProfessionalId: contact, Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT, EndedAt: ts(day(101)), Role: continuityv1.Role_ROLE_CONTACT_PERSON}),
		cont(day(110),
			&continuityv1.HandoffCompleted{HandoffId: id("h", 1), PatientId: pid, FromRelationshipId: id("rel", 1), ToRelationshipId: id("rel", 3), ToProfessionalId: "hpr:4001",
				CompletedAt: ts(day(110)), Kind: continuityv1.HandoffKind_HANDOFF_KIND_COLD},
			rel(3, "hpr:4001", continuityv1.Role_ROLE_COORDINATOR, Kommu, 110, id("h", 1))),
	)
	consent := func(at time.Time, e proto.Message) func() error {
		return func() error { _, err := w.Commit(ctx, "consent", "patient", pid, pid, at, e); return err }
	}
	steps = append(steps,
		consent(day(9), &consentv1.ConsentGranted{ConsentId: id("c", 0), PatientId: pid, Categories: []consentv1.Category{consentv1.Category_CATEGORY_RELATIONSHIPS}, GrantedAt: ts(day(9))}),
		consent(day(50), &consentv1.ObjectionRecorded{ObjectionId: id("o", 0), PatientId: pid, Categories: []consentv1.Category{consentv1.Category_CATEGORY_PLAN}, RecordedAt: ts(day(50))}),
		consent(day(90), &consentv1.ConsentWithdrawn{ConsentId: id("c", 0), PatientId: pid, WithdrawnAt: ts(day(90))}),
	)
	if i%5 == 0 {
		steps = append(steps, cont(day(120),
			&continuityv1.RelationshipEnded{RelationshipId: id("rel", 3), PatientId: pid, ProfessionalId: "hpr:4001", Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT, EndedAt: ts(day(120)), Role: continuityv1.Role_ROLE_COORDINATOR},
			&continuityv1.PatientLeftWithoutContact{PatientId: pid, RelationshipId: id("rel", 3), ProfessionalId: "hpr:4001", Role: continuityv1.Role_ROLE_COORDINATOR, Unit: Kommu,
				Reason: continuityv1.EndReason_END_REASON_PROVIDER_LEFT, At: ts(day(120))}))
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// PendingReferral appends a second referral for patient i, to the DPS,
// received at base and not yet assessed: a date at risk.
func PendingReferral(ctx context.Context, w *Writer, i int, base time.Time) error {
	pid, ref := PatientID(i), fmt.Sprintf("ref-%d-1", i)
	_, err := w.Commit(ctx, "referral", "referral", ref, pid, base, &referralv1.ReferralReceived{
		ReferralId: ref, PatientId: pid, ReceivingUnit: DPS, ReceivedAt: ts(base), AssessmentDue: base.AddDate(0, 0, 14).Format(time.DateOnly)})
	return err
}

// Recorder keeps appended commits in memory, numbering them like a stream.
type Recorder struct {
	Records []eventstore.Record
}

// Append records the commit at the next sequence.
func (r *Recorder) Append(_ context.Context, a eventstore.Append) (eventstore.AppendResult, error) {
	seq := uint64(len(r.Records) + 1)
	r.Records = append(r.Records, eventstore.Record{Seq: seq, Subject: a.Subject, Commit: a.Commit})
	return eventstore.AppendResult{Seq: seq}, nil
}
