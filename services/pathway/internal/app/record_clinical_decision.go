package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// RecordClinicalDecision records a clinical decision.
type RecordClinicalDecision struct {
	Caller    Caller
	RequestID string
	PathwayID string
	Code      pathwayv1.ClinicalDecision
	Stage     pathwayv1.ClinicalDecisionStage
}

// RecordClinicalDecision records a clinical decision.
func (a *App) RecordClinicalDecision(ctx context.Context, in RecordClinicalDecision) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	if _, ok := pathwayv1.ClinicalDecision_name[int32(in.Code)]; !ok || in.Code == pathwayv1.ClinicalDecision_CLINICAL_DECISION_UNSPECIFIED {
		v.Add("code", "must be one of CLINICAL_DECISION_CU, _CP, _CT, _CS, _CK, _CA or _CI")
	}
	switch in.Stage {
	case pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_BASIC, pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED:
	default:
		v.Add("stage", "must be CLINICAL_DECISION_STAGE_BASIC or CLINICAL_DECISION_STAGE_EXTENDED")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideClinicalDecision(p, domain.RecordClinicalDecision{By: in.Caller.Actor, Code: in.Code, Stage: in.Stage, At: a.clock.Now()}, a.policy)
	})
}
