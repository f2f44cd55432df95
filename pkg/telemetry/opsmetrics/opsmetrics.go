// Package opsmetrics counts the domain events an ops team charts, where they
// are decided: each service counts the commits it appends (through the event
// store's Committed hook), so every count carries the deciding service's
// service.name and sums correctly over replicas and restarts.
//
// Attributes are low-cardinality and never personal: a unit's HER-id (a
// clinic, not a patient), an outcome, a kind, a milestone. Never a patient
// id, a referral id, a professional or any free text.
package opsmetrics

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Attribute keys of the domain metrics.
const (
	// UnitKey is the unit's HER-id from the address register.
	UnitKey      = attribute.Key("stafett.unit.her_id")
	UrgencyKey   = attribute.Key("stafett.referral.urgency")
	OutcomeKey   = attribute.Key("stafett.assessment.outcome")
	DeadlineKey  = attribute.Key("stafett.deadline.kind")
	MilestoneKey = attribute.Key("stafett.pathway.milestone")
	RoleKey      = attribute.Key("stafett.relationship.role")
)

// Counters are the domain event counters of one service.
type Counters struct {
	received, assessed, breached, atRisk, overdue, leftAlone, restored metric.Int64Counter
	// count maps an event's full name to what it adds, for the events
	// counted at all; everything else is skipped without being decoded.
	count map[protoreflect.FullName]func(ctx context.Context, e proto.Message)
}

// New creates the counters on m.
func New(m metric.Meter) (*Counters, error) {
	c := &Counters{}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		ctr, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return ctr
	}
	c.received = counter("stafett.referrals.received", "{referral}", "Referrals received, by receiving unit and urgency.")
	c.assessed = counter("stafett.referrals.assessed", "{referral}", "Referrals assessed, by receiving unit and outcome (right_granted, no_right).")
	c.breached = counter("stafett.deadlines.breached", "{deadline}", "Legal deadlines missed (assessment, care_start), by unit: each must be reported to HELFO.")
	c.atRisk = counter("stafett.deadlines.at_risk", "{deadline}", "Care-start deadlines foreseen to be missed (no first appointment scheduled in time), by unit.")
	c.overdue = counter("stafett.milestones.overdue", "{milestone}", "Pathway milestones that passed their target date, by unit and milestone.")
	c.leftAlone = counter("stafett.patients.left_without_contact", "{patient}", "Times a patient's last key relationship ended with no completed handoff, by unit and role.")
	c.restored = counter("stafett.patients.contact_restored", "{patient}", "Times a new key relationship gave a patient left without contact a named person again.")
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("opsmetrics: %w", err)
	}
	add := func(ctr metric.Int64Counter, attrs ...attribute.KeyValue) func(ctx context.Context) {
		return func(ctx context.Context) { ctr.Add(ctx, 1, metric.WithAttributes(attrs...)) }
	}
	c.count = map[protoreflect.FullName]func(context.Context, proto.Message){
		name(&referralv1.ReferralReceived{}): func(ctx context.Context, m proto.Message) {
			e := m.(*referralv1.ReferralReceived)
			add(c.received, unit(e.GetReceivingUnit()), UrgencyKey.String(label(e.GetUrgency().String(), "URGENCY_")))(ctx)
		},
		name(&referralv1.ReferralAssessed{}): func(ctx context.Context, m proto.Message) {
			e := m.(*referralv1.ReferralAssessed)
			add(c.assessed, unit(e.GetReceivingUnit()), OutcomeKey.String(outcome(e)))(ctx)
		},
		name(&referralv1.AssessmentDeadlineBreached{}): func(ctx context.Context, m proto.Message) {
			add(c.breached, unit(m.(*referralv1.AssessmentDeadlineBreached).GetReceivingUnit()), DeadlineKey.String("assessment"))(ctx)
		},
		name(&referralv1.CareStartDeadlineBreached{}): func(ctx context.Context, m proto.Message) {
			add(c.breached, unit(m.(*referralv1.CareStartDeadlineBreached).GetReceivingUnit()), DeadlineKey.String("care_start"))(ctx)
		},
		name(&referralv1.CareStartDeadlineAtRisk{}): func(ctx context.Context, m proto.Message) {
			add(c.atRisk, unit(m.(*referralv1.CareStartDeadlineAtRisk).GetReceivingUnit()), DeadlineKey.String("care_start"))(ctx)
		},
		name(&pathwayv1.MilestoneOverdue{}): func(ctx context.Context, m proto.Message) {
			e := m.(*pathwayv1.MilestoneOverdue)
			add(c.overdue, unit(e.GetUnit()), MilestoneKey.String(label(e.GetMilestone().String(), "MILESTONE_")))(ctx)
		},
		name(&continuityv1.PatientLeftWithoutContact{}): func(ctx context.Context, m proto.Message) {
			e := m.(*continuityv1.PatientLeftWithoutContact)
			add(c.leftAlone, unit(e.GetUnit()), RoleKey.String(label(e.GetRole().String(), "ROLE_")))(ctx)
		},
		name(&continuityv1.PatientContactRestored{}): func(ctx context.Context, _ proto.Message) {
			add(c.restored)(ctx)
		},
	}
	return c, nil
}

// Committed counts the events of a commit just appended; install it as the
// event store's Instrumentation.Committed. Events it does not count are not
// decoded.
func (c *Counters) Committed(ctx context.Context, commit *eventsv1.Commit) {
	for _, a := range commit.GetEvents() {
		count, ok := c.count[a.MessageName()]
		if !ok {
			continue
		}
		e, err := a.UnmarshalNew()
		if err != nil {
			// Appended by this very process a moment ago: undecodable means
			// a bug elsewhere, which the consumers will park and report.
			continue
		}
		count(ctx, e)
	}
}

func name(m proto.Message) protoreflect.FullName { return m.ProtoReflect().Descriptor().FullName() }

// unit labels a count with the unit's HER-id; a unit without one is
// "unknown" rather than a missing label, so sums by unit stay complete.
func unit(u *eventsv1.UnitRef) attribute.KeyValue {
	if u.GetHerId() == "" {
		return UnitKey.String("unknown")
	}
	return UnitKey.String(u.GetHerId())
}

// label turns an enum value name into a short lowercase label:
// URGENCY_ROUTINE → routine.
func label(enumName, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(enumName, prefix))
}

func outcome(e *referralv1.ReferralAssessed) string {
	switch e.GetOutcome().(type) {
	case *referralv1.ReferralAssessed_RightGranted:
		return "right_granted"
	case *referralv1.ReferralAssessed_NoRight:
		return "no_right"
	default:
		return "unspecified"
	}
}
