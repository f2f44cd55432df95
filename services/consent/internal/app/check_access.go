package app

import (
	"context"
	"fmt"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// consentCategory is what a professional needs access to before recording
// choices on the patient's behalf or reading their consent information.
const consentCategory = consentv1.Category_CATEGORY_CONSENT

// CheckAccessRequest is one question from a service about an end user.
type CheckAccessRequest struct {
	ActorProfessionalID string
	ActorOrgNumber      string
	ActorPatientID      string
	PatientID           string
	Category            consentv1.Category
	Purpose             consentv1.Purpose
}

// CheckAccess is the policy decision point. Only services may ask: anyone
// else could use it to learn whether a person is a patient.
func (a *App) CheckAccess(ctx context.Context, c Caller, req CheckAccessRequest) (domain.AccessDecision, error) {
	if !c.Service {
		return domain.AccessDecision{}, errs.Permission("only services may check access")
	}
	if err := mustPatientID(req.PatientID); err != nil {
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
func (a *App) BatchCheckAccess(ctx context.Context, c Caller, reqs []CheckAccessRequest) ([]domain.AccessDecision, error) {
	if !c.Service {
		return nil, errs.Permission("only services may check access")
	}
	var v errs.Validation
	if len(reqs) > MaxBatch {
		v.Add("checks", "must hold at most 500 checks")
	}
	for i, r := range reqs {
		if !ids.IsPatientID(r.PatientID) {
			v.Add(fmt.Sprintf("checks[%d].patient_id", i), "must be a patient id (pt_…) from ResolvePatient")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := a.fresh(ctx); err != nil {
		return nil, err
	}
	out := make([]domain.AccessDecision, len(reqs))
	for i, r := range reqs {
		out[i] = a.decide(r)
	}
	return out, nil
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

// localChecker lets the consent service's own reads use the shared guard.
type localChecker struct{ app *App }

func (l localChecker) CheckAccess(ctx context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	if err := l.app.fresh(ctx); err != nil {
		return nil, err
	}
	d := l.app.decide(CheckRequestFromProto(req))
	return &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID}, nil
}

func (l localChecker) BatchCheckAccess(ctx context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	if err := l.app.fresh(ctx); err != nil {
		return nil, err
	}
	resp := &consentv1.BatchCheckAccessResponse{}
	for _, r := range req.GetChecks() {
		d := l.app.decide(CheckRequestFromProto(r))
		resp.Results = append(resp.Results, &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID})
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

func roleOf(r string) authn.Role { return authn.Role(r) }
