package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/civil"
)

// Calendar counts Norwegian working days.
type Calendar interface {
	Add(d civil.Date, n int) civil.Date
	Subtract(d civil.Date, n int) civil.Date
	Between(from, to civil.Date) int
}

// Policy is the configuration the rules need.
type Policy struct {
	Calendar Calendar
	// Zone is Europe/Oslo: dates are reckoned there.
	Zone *time.Location
	// AssessmentWorkdays is the legal assessment deadline (10 working days).
	AssessmentWorkdays int
	// AtRiskWorkdays is how many working days before the care-start deadline
	// an unbooked referral is reported at risk (default 5).
	AtRiskWorkdays int
}

// DateOf is the Oslo date of an instant.
func (p Policy) DateOf(t time.Time) civil.Date { return civil.Of(t, p.Zone) }
