package app

import (
	"context"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// AgreeTreatmentPlan is a treatment plan as the unit records it.
type AgreeTreatmentPlan struct {
	Caller            Caller
	RequestID         string
	PathwayID         string
	OptionsOffered    []string
	ChosenOption      string
	DecisionMode      pathwayv1.DecisionMode
	RestrictionReason string
	ChosenByPatient   bool
}

const maxOptions = 50

// AgreeTreatmentPlan records the menu, the patient's choice and how it was
// decided. A restricted decision must say why; the other modes must not
// carry a restriction reason, so the statistics of shared decisions mean
// what they say.
func (a *App) AgreeTreatmentPlan(ctx context.Context, in AgreeTreatmentPlan) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	switch {
	case len(in.OptionsOffered) == 0:
		v.Add("options_offered", "at least one option offered is required")
	case len(in.OptionsOffered) > maxOptions:
		v.Add("options_offered", "at most "+strconv.Itoa(maxOptions)+" options")
	}
	for i, o := range in.OptionsOffered {
		v.Text("options_offered["+strconv.Itoa(i)+"]", o, true, 500)
	}
	restricted := in.DecisionMode == pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED
	switch in.DecisionMode {
	case pathwayv1.DecisionMode_DECISION_MODE_CLIENT_LED, pathwayv1.DecisionMode_DECISION_MODE_SHARED,
		pathwayv1.DecisionMode_DECISION_MODE_PROFESSIONAL_LED, pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED:
	default:
		v.Add("decision_mode", "must be DECISION_MODE_CLIENT_LED, _SHARED, _PROFESSIONAL_LED or _RESTRICTED")
	}
	// When the patient's say was restricted there may be no choice of theirs to record.
	v.Text("chosen_option", in.ChosenOption, !restricted, 500)
	switch {
	case restricted:
		v.Text("restriction_reason", in.RestrictionReason, true, 5000)
	case strings.TrimSpace(in.RestrictionReason) != "":
		v.Add("restriction_reason", "is only recorded with DECISION_MODE_RESTRICTED")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideAgreeTreatmentPlan(p, domain.AgreeTreatmentPlan{
			By: in.Caller.Actor, OptionsOffered: in.OptionsOffered, ChosenOption: in.ChosenOption, Mode: in.DecisionMode,
			RestrictionReason: in.RestrictionReason, ChosenByPatient: in.ChosenByPatient, At: a.clock.Now(),
		}, a.policy)
	})
}
