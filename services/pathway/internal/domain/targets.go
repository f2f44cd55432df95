package domain

import eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"

// Target is how long after its anchor a milestone should be reached. Zero
// Days means no target.
type Target struct {
	Days int
	// Workdays counts Norwegian working days instead of calendar days.
	Workdays bool
}

// Targets is the target table of one pathway type. Each milestone counts
// from the milestone before it, so a late first attendance does not make
// every later target overdue at once.
type Targets struct {
	// From the start of the pathway.
	Coordinator     Target
	FirstAttendance Target
	// From the first attendance.
	BasicDecision Target
	// From the basic clinical decision CU (extended assessment).
	ExtendedDecision Target
	// From the clinical decision to treat (CP, CT, CS).
	TreatmentPlan Target
	// From the first treatment plan agreed.
	FirstEvaluation Target
	// From the previous evaluation.
	NextEvaluation Target
}

// DefaultTargets is the built-in target table of a pathway type.
//
// Source: Helsedirektoratet, "Pakkeforløp for psykisk helse og rus"
// (2018, in use from 1 January 2019): D11 "Utredning og behandling i
// psykisk helsevern, voksne", D12 "… barn og unge", D01 "Tverrfaglig
// spesialisert rusbehandling (TSB)". The guideline's forløpstider are
// veiledende (guidance, not law — the binding date is the care-start
// deadline of the granted right), which is why a missed target emits
// MilestoneOverdue and never a HELFO notice. The defaults follow its
// outpatient measuring points:
//
//   - a pathway coordinator in place, and the first attendance, within
//     10 working days of the start;
//   - clinical decision after the basic assessment within 6 weeks (42
//     calendar days) of the first attendance;
//   - clinical decision after an extended assessment within a further 6
//     weeks of the basic decision;
//   - the treatment plan agreed within 2 weeks of the decision to treat;
//   - the first evaluation within 6 weeks of the plan, then every 6 weeks.
//
// The guideline is revised from time to time and units measure some points
// differently (e.g. inpatient care), so every value is configuration
// (pathway.Config.Targets) and these defaults must be checked against the
// edition in force when the service is deployed.
func DefaultTargets(eventsv1.PathwayType) Targets {
	return Targets{
		Coordinator:      Target{Days: 10, Workdays: true},
		FirstAttendance:  Target{Days: 10, Workdays: true},
		BasicDecision:    Target{Days: 42},
		ExtendedDecision: Target{Days: 42},
		TreatmentPlan:    Target{Days: 14},
		FirstEvaluation:  Target{Days: 42},
		NextEvaluation:   Target{Days: 42},
	}
}
