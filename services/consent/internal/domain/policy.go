package domain

import (
	"time"

	"github.com/stafett/stafett/pkg/civil"
)

// Policy is the configuration the rules depend on.
type Policy struct {
	// EmergencyAccessDuration is how long an emergency access stays open.
	EmergencyAccessDuration time.Duration
	// Zone turns instants into the calendar dates ages and compulsory care
	// are counted in (Europe/Oslo).
	Zone *time.Location
}

// DateOf is the calendar date of t in the policy's zone.
func (p Policy) DateOf(t time.Time) civil.Date { return civil.Of(t, p.Zone) }
