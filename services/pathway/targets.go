package pathway

import (
	"encoding/json"
	"fmt"
	"io"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// targetsFile is the JSON form of a target table. A milestone left out keeps
// its default, so a unit overrides only what it measures differently.
type targetsFile map[string]struct {
	Coordinator      *Target `json:"coordinator"`
	FirstAttendance  *Target `json:"first_attendance"`
	BasicDecision    *Target `json:"basic_decision"`
	ExtendedDecision *Target `json:"extended_decision"`
	TreatmentPlan    *Target `json:"treatment_plan"`
	FirstEvaluation  *Target `json:"first_evaluation"`
	NextEvaluation   *Target `json:"next_evaluation"`
}

// LoadTargets reads a target table such as docs/pathway-targets.json:
// pathway types (PATHWAY_TYPE_D11, …) to milestones to {"days": n,
// "workdays": bool}. Unknown pathway types, unknown fields and negative days
// are errors: a typo must not silently leave a default in force.
func LoadTargets(r io.Reader) (map[eventsv1.PathwayType]Targets, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var file targetsFile
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("pathway targets: %w", err)
	}
	out := map[eventsv1.PathwayType]Targets{}
	for name, f := range file {
		v, ok := eventsv1.PathwayType_value[name]
		if !ok || v == 0 {
			return nil, fmt.Errorf("pathway targets: unknown pathway type %q", name)
		}
		pt := eventsv1.PathwayType(v)
		t := DefaultTargets(pt)
		for _, o := range []struct {
			from *Target
			to   *Target
		}{
			{f.Coordinator, &t.Coordinator}, {f.FirstAttendance, &t.FirstAttendance},
			{f.BasicDecision, &t.BasicDecision}, {f.ExtendedDecision, &t.ExtendedDecision},
			{f.TreatmentPlan, &t.TreatmentPlan}, {f.FirstEvaluation, &t.FirstEvaluation},
			{f.NextEvaluation, &t.NextEvaluation},
		} {
			if o.from == nil {
				continue
			}
			if o.from.Days < 0 {
				return nil, fmt.Errorf("pathway targets: %s: days must not be negative", name)
			}
			*o.to = *o.from
		}
		out[pt] = t
	}
	return out, nil
}
