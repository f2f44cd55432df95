package app

import (
	"context"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
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
	d := l.app.decide(CheckAccessRequest{
		ActorProfessionalID: req.GetActorProfessionalId(), ActorOrgNumber: req.GetActorOrgNumber(),
		ActorPatientID: req.GetActorPatientId(), PatientID: req.GetPatientId(),
		Category: req.GetCategory(), Purpose: req.GetPurpose(),
	})
	return &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID}, nil
}

func roleOf(r string) authn.Role { return authn.Role(r) }
