package app

import (
	"context"
	"fmt"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// CheckAccessRequest is one question from a service about an end user.
type CheckAccessRequest struct {
	ActorProfessionalID string
	ActorOrgNumber      string
	ActorPatientID      string
	PatientID           string
	Category            consentv1.Category
	Purpose             consentv1.Purpose
}

// CheckAccess is the policy decision point. Only services may ask
// (domain.AuthorizeCheckAccess); the answer reflects every event that was in
// the stream when the call began.
func (a *App) CheckAccess(ctx context.Context, actor access.Actor, req CheckAccessRequest) (domain.AccessDecision, error) {
	if err := domain.AuthorizeCheckAccess(actor); err != nil {
		return domain.AccessDecision{}, err
	}
	var v errs.Validation
	validateCheck(&v, "", req)
	if err := v.Err(); err != nil {
		return domain.AccessDecision{}, err
	}
	if err := a.fresh(ctx); err != nil {
		return domain.AccessDecision{}, err
	}
	return a.decide(req), nil
}

// MaxBatch bounds one BatchCheckAccess: a page of a listing at most.
const MaxBatch = 500

// BatchCheckAccess answers several checks, in request order, behind one read
// barrier: a listing's page costs one call and one stream-info request.
func (a *App) BatchCheckAccess(ctx context.Context, actor access.Actor, reqs []CheckAccessRequest) ([]domain.AccessDecision, error) {
	if err := domain.AuthorizeCheckAccess(actor); err != nil {
		return nil, err
	}
	var v errs.Validation
	if len(reqs) > MaxBatch {
		v.Add("checks", fmt.Sprintf("must hold at most %d checks", MaxBatch))
	} else {
		for i, r := range reqs {
			validateCheck(&v, fmt.Sprintf("checks[%d].", i), r)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := a.fresh(ctx); err != nil {
		return nil, err
	}
	return a.decideAll(reqs), nil
}

func validateCheck(v *errs.Validation, prefix string, r CheckAccessRequest) {
	validatePersonID(v, prefix+"patient_id", r.PatientID)
	v.Text(prefix+"actor_professional_id", r.ActorProfessionalID, false, errs.LimitID)
	v.Text(prefix+"actor_org_number", r.ActorOrgNumber, false, errs.LimitID)
	v.Text(prefix+"actor_patient_id", r.ActorPatientID, false, errs.LimitID)
	// Unspecified is a question with no answer but deny; an unknown number
	// is refused, or a consent to CATEGORY_ALL would permit it.
	v.Enum(prefix+"category", r.Category)
	v.Enum(prefix+"purpose", r.Purpose)
}

func (a *App) decideAll(reqs []CheckAccessRequest) []domain.AccessDecision {
	out := make([]domain.AccessDecision, len(reqs))
	for i, r := range reqs {
		out[i] = a.decide(r)
	}
	return out
}

func (a *App) decide(req CheckAccessRequest) domain.AccessDecision {
	s := a.image.Get(req.PatientID).State
	return domain.CheckAccess(s, domain.AccessRequest{
		ActorProfessionalID: req.ActorProfessionalID,
		ActorOrgNumber:      req.ActorOrgNumber,
		ActorIsPatientSelf:  req.ActorPatientID != "" && req.ActorPatientID == req.PatientID,
		Category:            req.Category,
		Purpose:             req.Purpose,
		Now:                 a.clock.Now(),
	})
}

// localChecker lets the consent service's own reads use the shared guard and
// access log, deciding in process. It runs no read barrier of its own: every
// query of this service runs the barrier once, before it reads.
type localChecker struct{ app *App }

func (l localChecker) CheckAccess(_ context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	return DecisionProto(l.app.decide(CheckRequestFromProto(req))), nil
}

func (l localChecker) BatchCheckAccess(_ context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	resp := &consentv1.BatchCheckAccessResponse{}
	for _, r := range req.GetChecks() {
		resp.Results = append(resp.Results, DecisionProto(l.app.decide(CheckRequestFromProto(r))))
	}
	return resp, nil
}

// CheckRequestFromProto maps a wire check to the application's.
func CheckRequestFromProto(r *consentv1.CheckAccessRequest) CheckAccessRequest {
	return CheckAccessRequest{
		ActorProfessionalID: r.GetActorProfessionalId(), ActorOrgNumber: r.GetActorOrgNumber(),
		ActorPatientID: r.GetActorPatientId(), PatientID: r.GetPatientId(),
		Category: r.GetCategory(), Purpose: r.GetPurpose(),
	}
}

// DecisionProto is a decision's wire form.
func DecisionProto(d domain.AccessDecision) *consentv1.CheckAccessResponse {
	return &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID}
}
