// Package ports exposes the consent application over gRPC.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// Server implements stafett.consent.v1.ConsentService.
type Server struct {
	consentv1.UnimplementedConsentServiceServer
	app        *app.App
	pseudonyms *ids.Pseudonymizer
}

// NewServer returns the gRPC server for the application.
func NewServer(a *app.App, pseudonyms *ids.Pseudonymizer) *Server {
	return &Server{app: a, pseudonyms: pseudonyms}
}

// Scopes is the scope each RPC needs. CheckAccess needs consent:check, which
// only the suite's own service identity carries.
func Scopes() authn.Policy {
	const read, write, check = "consent:read", "consent:write", "consent:check"
	s := "/" + consentv1.ConsentService_ServiceDesc.ServiceName + "/"
	return authn.Policy{
		s + "ResolvePatient":           read,
		s + "GrantConsent":             write,
		s + "WithdrawConsent":          write,
		s + "RecordObjection":          write,
		s + "LiftObjection":            write,
		s + "RecordCapacityAssessment": write,
		s + "RegisterRepresentative":   write,
		s + "StartCompulsoryCare":      write,
		s + "EndCompulsoryCare":        write,
		s + "PermitContactAfterEnd":    write,
		s + "RevokeContactAfterEnd":    write,
		s + "UseEmergencyAccess":       write,
		s + "ListEmergencyAccesses":    read,
		s + "ReviewEmergencyAccess":    write,
		s + "CheckAccess":              check,
		s + "BatchCheckAccess":         check,
		s + "GetLegalStatus":           read,
		s + "ListConsents":             read,
		s + "ListAccessLog":            read,
	}
}

func (s *Server) caller(ctx context.Context) (app.Caller, error) {
	a, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return app.Caller{}, err
	}
	return app.Caller{
		Actor:   domain.Actor{ProfessionalID: a.ProfessionalID, OrgNumber: a.OrgNumber, PatientID: a.PatientID, Service: a.Service},
		Service: a.IsService(),
		Role:    string(a.Role),
	}, nil
}

// callerFor is caller, except that a service identity may name the end user
// it records a choice for: the continuity service passing on a patient's
// decision. Anyone else's on_behalf_of is ignored.
func (s *Server) callerFor(ctx context.Context, onBehalfOf *eventsv1.Actor) (app.Caller, error) {
	c, err := s.caller(ctx)
	if err != nil || !c.Service || onBehalfOf == nil {
		return c, err
	}
	c.Actor = domain.Actor{
		ProfessionalID: onBehalfOf.GetProfessionalId(), OrgNumber: onBehalfOf.GetOrgNumber(),
		PatientID: onBehalfOf.GetPatientId(), Service: c.Actor.Service,
	}
	c.Role = onBehalfOf.GetRole()
	return c, nil
}

func (s *Server) ResolvePatient(_ context.Context, req *consentv1.ResolvePatientRequest) (*consentv1.ResolvePatientResponse, error) {
	id, err := s.app.ResolvePatient(req.GetNationalId())
	if err != nil {
		return nil, err
	}
	return &consentv1.ResolvePatientResponse{PatientId: id}, nil
}

func (s *Server) GrantConsent(ctx context.Context, req *consentv1.GrantConsentRequest) (*consentv1.GrantConsentResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	id, err := s.app.GrantConsent(ctx, c, domain.GrantConsent{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), Grantee: domain.GranteeFromProto(req.GetGrantee()),
		Categories: req.GetCategories(), Purpose: req.GetPurpose(), ValidUntil: optionalTime(req.GetValidUntil()),
		Method: req.GetMethod(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.GrantConsentResponse{ConsentId: id}, nil
}

func (s *Server) WithdrawConsent(ctx context.Context, req *consentv1.WithdrawConsentRequest) (*consentv1.WithdrawConsentResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	_, err = s.app.WithdrawConsent(ctx, c, domain.WithdrawConsent{RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), ConsentID: req.GetConsentId()})
	if err != nil {
		return nil, err
	}
	return &consentv1.WithdrawConsentResponse{}, nil
}

func (s *Server) RecordObjection(ctx context.Context, req *consentv1.RecordObjectionRequest) (*consentv1.RecordObjectionResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	id, err := s.app.RecordObjection(ctx, c, domain.RecordObjection{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), Against: domain.TargetFromProto(req.GetAgainst()), Categories: req.GetCategories(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RecordObjectionResponse{ObjectionId: id}, nil
}

func (s *Server) LiftObjection(ctx context.Context, req *consentv1.LiftObjectionRequest) (*consentv1.LiftObjectionResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	if _, err := s.app.LiftObjection(ctx, c, domain.LiftObjection{RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), ObjectionID: req.GetObjectionId()}); err != nil {
		return nil, err
	}
	return &consentv1.LiftObjectionResponse{}, nil
}

func (s *Server) RecordCapacityAssessment(ctx context.Context, req *consentv1.RecordCapacityAssessmentRequest) (*consentv1.RecordCapacityAssessmentResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.RecordCapacityAssessment(ctx, c, domain.RecordCapacityAssessment{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), Domain: req.GetDomain(), HasCapacity: req.GetHasCapacity(), Note: req.GetNote(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RecordCapacityAssessmentResponse{AssessmentId: id}, nil
}

func (s *Server) RegisterRepresentative(ctx context.Context, req *consentv1.RegisterRepresentativeRequest) (*consentv1.RegisterRepresentativeResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.RegisterRepresentative(ctx, c, domain.RegisterRepresentative{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), PersonID: req.GetPersonId(), Role: req.GetRole(),
		ParentalResponsibility: req.GetParentalResponsibility(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RegisterRepresentativeResponse{RepresentativeId: id}, nil
}

func (s *Server) StartCompulsoryCare(ctx context.Context, req *consentv1.StartCompulsoryCareRequest) (*consentv1.StartCompulsoryCareResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	starts, err := date("starts_on", req.GetStartsOn())
	if err != nil {
		return nil, err
	}
	id, err := s.app.StartCompulsoryCare(ctx, c, domain.StartCompulsoryCare{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), Kind: req.GetKind(), DecisionMaker: req.GetDecisionMaker(), StartsOn: starts,
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.StartCompulsoryCareResponse{EpisodeId: id}, nil
}

func (s *Server) EndCompulsoryCare(ctx context.Context, req *consentv1.EndCompulsoryCareRequest) (*consentv1.EndCompulsoryCareResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	ended, err := date("ended_on", req.GetEndedOn())
	if err != nil {
		return nil, err
	}
	if _, err := s.app.EndCompulsoryCare(ctx, c, domain.EndCompulsoryCare{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), EpisodeID: req.GetEpisodeId(), EndedOn: ended,
	}); err != nil {
		return nil, err
	}
	return &consentv1.EndCompulsoryCareResponse{}, nil
}

func (s *Server) PermitContactAfterEnd(ctx context.Context, req *consentv1.PermitContactAfterEndRequest) (*consentv1.PermitContactAfterEndResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	if _, err := s.app.PermitContactAfterEnd(ctx, c, domain.PermitContactAfterEnd{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), ProfessionalID: req.GetProfessionalId(),
	}); err != nil {
		return nil, err
	}
	return &consentv1.PermitContactAfterEndResponse{}, nil
}

func (s *Server) RevokeContactAfterEnd(ctx context.Context, req *consentv1.RevokeContactAfterEndRequest) (*consentv1.RevokeContactAfterEndResponse, error) {
	c, err := s.callerFor(ctx, req.GetOnBehalfOf())
	if err != nil {
		return nil, err
	}
	if _, err := s.app.RevokeContactAfterEnd(ctx, c, domain.RevokeContactAfterEnd{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), ProfessionalID: req.GetProfessionalId(),
	}); err != nil {
		return nil, err
	}
	return &consentv1.RevokeContactAfterEndResponse{}, nil
}

func (s *Server) UseEmergencyAccess(ctx context.Context, req *consentv1.UseEmergencyAccessRequest) (*consentv1.UseEmergencyAccessResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.UseEmergencyAccess(ctx, c, domain.UseEmergencyAccess{RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	resp := &consentv1.UseEmergencyAccessResponse{AccessId: id}
	if page, err := s.app.ListEmergencyAccesses(ctx, c, "", false, app.Page{Size: 500}); err == nil {
		for _, e := range page.Accesses {
			if e.ID == id {
				resp.ExpiresAt = timestamppb.New(e.ExpiresAt)
			}
		}
	}
	return resp, nil
}

func (s *Server) ListEmergencyAccesses(ctx context.Context, req *consentv1.ListEmergencyAccessesRequest) (*consentv1.ListEmergencyAccessesResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListEmergencyAccesses(ctx, c, req.GetPatientId(), req.GetUnreviewedOnly(), app.Page{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &consentv1.ListEmergencyAccessesResponse{NextPageToken: page.Next}
	for _, e := range page.Accesses {
		resp.Accesses = append(resp.Accesses, emergencyProto(e))
	}
	return resp, nil
}

func (s *Server) ReviewEmergencyAccess(ctx context.Context, req *consentv1.ReviewEmergencyAccessRequest) (*consentv1.ReviewEmergencyAccessResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.app.ReviewEmergencyAccess(ctx, c, domain.ReviewEmergencyAccess{
		RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), AccessID: req.GetAccessId(), Justified: req.GetJustified(), Note: req.GetNote(),
	}); err != nil {
		return nil, err
	}
	return &consentv1.ReviewEmergencyAccessResponse{}, nil
}

func (s *Server) CheckAccess(ctx context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.app.CheckAccess(ctx, c, app.CheckRequestFromProto(req))
	if err != nil {
		return nil, err
	}
	return &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID}, nil
}

func (s *Server) BatchCheckAccess(ctx context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	checks := make([]app.CheckAccessRequest, len(req.GetChecks()))
	for i, r := range req.GetChecks() {
		checks[i] = app.CheckRequestFromProto(r)
	}
	ds, err := s.app.BatchCheckAccess(ctx, c, checks)
	if err != nil {
		return nil, err
	}
	resp := &consentv1.BatchCheckAccessResponse{Results: make([]*consentv1.CheckAccessResponse, len(ds))}
	for i, d := range ds {
		resp.Results[i] = &consentv1.CheckAccessResponse{Decision: d.Decision(), Basis: d.Basis, ConsentId: d.ConsentID}
	}
	return resp, nil
}

func (s *Server) GetLegalStatus(ctx context.Context, req *consentv1.GetLegalStatusRequest) (*consentv1.GetLegalStatusResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	ls, err := s.app.GetLegalStatus(ctx, c, req.GetPatientId())
	if err != nil {
		return nil, err
	}
	return &consentv1.GetLegalStatusResponse{LegalStatus: legalStatusProto(req.GetPatientId(), ls)}, nil
}

func (s *Server) ListConsents(ctx context.Context, req *consentv1.ListConsentsRequest) (*consentv1.ListConsentsResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListConsents(ctx, c, req.GetPatientId(), req.GetIncludeInactive(), app.Page{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	resp := &consentv1.ListConsentsResponse{NextPageToken: page.Next}
	for _, x := range page.Consents {
		resp.Consents = append(resp.Consents, consentProto(req.GetPatientId(), x))
	}
	return resp, nil
}

func (s *Server) ListAccessLog(ctx context.Context, req *consentv1.ListAccessLogRequest) (*consentv1.ListAccessLogResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListAccessLog(ctx, c, req.GetPatientId(), app.Page{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	return &consentv1.ListAccessLogResponse{Entries: page.Entries, NextPageToken: page.Next}, nil
}

func optionalTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func date(field, s string) (civil.Date, error) {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}, errs.Invalid(field, "must be a real date as YYYY-MM-DD")
	}
	return d, nil
}
