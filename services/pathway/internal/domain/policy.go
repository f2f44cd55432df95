package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/civil"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// Calendar counts Norwegian working days.
type Calendar interface {
	Add(d civil.Date, n int) civil.Date
	Between(from, to civil.Date) int
}

// Policy is the configuration the rules need.
type Policy struct {
	Calendar Calendar
	// Zone is Europe/Oslo: dates are reckoned there.
	Zone *time.Location
	// Targets per pathway type; a type missing here uses DefaultTargets.
	Targets map[eventsv1.PathwayType]Targets
	// PostponementFlagWorkdays: a patient postponement longer than this many
	// working days flags the pathway's timing (7).
	PostponementFlagWorkdays int
}

// DateOf is the Oslo date of an instant.
func (p Policy) DateOf(t time.Time) civil.Date { return civil.Of(t, p.Zone) }

// TargetsFor is the target table of a pathway type.
func (p Policy) TargetsFor(t eventsv1.PathwayType) Targets {
	if ts, ok := p.Targets[t]; ok {
		return ts
	}
	return DefaultTargets(t)
}

// due is the target date for a milestone counted from an anchor date.
func (p Policy) due(anchor civil.Date, t Target) civil.Date {
	if t.Workdays {
		return p.Calendar.Add(anchor, t.Days)
	}
	return anchor.AddDays(t.Days)
}

// target builds one wire target, or nil when the table has none for it.
func (p Policy) target(m pathwayv1.Milestone, anchor civil.Date, t Target) *pathwayv1.MilestoneTarget {
	if t.Days <= 0 || anchor.IsZero() {
		return nil
	}
	return &pathwayv1.MilestoneTarget{Milestone: m, TargetDate: p.due(anchor, t).String()}
}

func targets(ts ...*pathwayv1.MilestoneTarget) []*pathwayv1.MilestoneTarget {
	var out []*pathwayv1.MilestoneTarget
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}
