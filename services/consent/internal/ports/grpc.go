// Package ports exposes the consent application over gRPC: it turns requests
// into application commands and domain state into responses, nothing more.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
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

func (s *Server) ResolvePatient(_ context.Context, req *consentv1.ResolvePatientRequest) (*consentv1.ResolvePatientResponse, error) {
	id, err := s.app.ResolvePatient(req.GetNationalId())
	if err != nil {
		return nil, err
	}
	return &consentv1.ResolvePatientResponse{PatientId: id}, nil
}

func (s *Server) GrantConsent(ctx context.Context, req *consentv1.GrantConsentRequest) (*consentv1.GrantConsentResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	id, err := s.app.GrantConsent(ctx, actor, req.GetRequestId(), app.GrantConsent{
		PatientID: req.GetPatientId(), Grantee: domain.GranteeFromProto(req.GetGrantee()), Categories: req.GetCategories(),
		Purpose: req.GetPurpose(), ValidUntil: instant(req.GetValidUntil()), Method: req.GetMethod(),
		ChosenByPatient: req.GetChosenByPatient(), OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.GrantConsentResponse{ConsentId: id}, nil
}

func (s *Server) WithdrawConsent(ctx context.Context, req *consentv1.WithdrawConsentRequest) (*consentv1.WithdrawConsentResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.WithdrawConsent(ctx, actor, req.GetRequestId(), app.WithdrawConsent{
		PatientID: req.GetPatientId(), ConsentID: req.GetConsentId(), OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	}); err != nil {
		return nil, err
	}
	return &consentv1.WithdrawConsentResponse{}, nil
}

func (s *Server) RecordObjection(ctx context.Context, req *consentv1.RecordObjectionRequest) (*consentv1.RecordObjectionResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	id, err := s.app.RecordObjection(ctx, actor, req.GetRequestId(), app.RecordObjection{
		PatientID: req.GetPatientId(), Against: domain.TargetFromProto(req.GetAgainst()), Categories: req.GetCategories(),
		OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RecordObjectionResponse{ObjectionId: id}, nil
}

func (s *Server) LiftObjection(ctx context.Context, req *consentv1.LiftObjectionRequest) (*consentv1.LiftObjectionResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.LiftObjection(ctx, actor, req.GetRequestId(), app.LiftObjection{
		PatientID: req.GetPatientId(), ObjectionID: req.GetObjectionId(), OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	}); err != nil {
		return nil, err
	}
	return &consentv1.LiftObjectionResponse{}, nil
}

func (s *Server) RecordCapacityAssessment(ctx context.Context, req *consentv1.RecordCapacityAssessmentRequest) (*consentv1.RecordCapacityAssessmentResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	id, err := s.app.RecordCapacityAssessment(ctx, actor, req.GetRequestId(), app.RecordCapacityAssessment{
		PatientID: req.GetPatientId(), Domain: req.GetDomain(), HasCapacity: req.GetHasCapacity(), Note: req.GetNote(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RecordCapacityAssessmentResponse{AssessmentId: id}, nil
}

func (s *Server) RegisterRepresentative(ctx context.Context, req *consentv1.RegisterRepresentativeRequest) (*consentv1.RegisterRepresentativeResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	id, err := s.app.RegisterRepresentative(ctx, actor, req.GetRequestId(), app.RegisterRepresentative{
		PatientID: req.GetPatientId(), PersonID: req.GetPersonId(), Role: req.GetRole(), ParentalResponsibility: req.GetParentalResponsibility(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.RegisterRepresentativeResponse{RepresentativeId: id}, nil
}

func (s *Server) StartCompulsoryCare(ctx context.Context, req *consentv1.StartCompulsoryCareRequest) (*consentv1.StartCompulsoryCareResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	id, err := s.app.StartCompulsoryCare(ctx, actor, req.GetRequestId(), app.StartCompulsoryCare{
		PatientID: req.GetPatientId(), Kind: req.GetKind(), DecisionMaker: req.GetDecisionMaker(), StartsOn: req.GetStartsOn(),
	})
	if err != nil {
		return nil, err
	}
	return &consentv1.StartCompulsoryCareResponse{EpisodeId: id}, nil
}

func (s *Server) EndCompulsoryCare(ctx context.Context, req *consentv1.EndCompulsoryCareRequest) (*consentv1.EndCompulsoryCareResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.EndCompulsoryCare(ctx, actor, req.GetRequestId(), app.EndCompulsoryCare{
		PatientID: req.GetPatientId(), EpisodeID: req.GetEpisodeId(), EndedOn: req.GetEndedOn(),
	}); err != nil {
		return nil, err
	}
	return &consentv1.EndCompulsoryCareResponse{}, nil
}

func (s *Server) PermitContactAfterEnd(ctx context.Context, req *consentv1.PermitContactAfterEndRequest) (*consentv1.PermitContactAfterEndResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.PermitContactAfterEnd(ctx, actor, req.GetRequestId(), app.PermitContactAfterEnd{
		PatientID: req.GetPatientId(), ProfessionalID: req.GetProfessionalId(), OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	}); err != nil {
		return nil, err
	}
	return &consentv1.PermitContactAfterEndResponse{}, nil
}

func (s *Server) RevokeContactAfterEnd(ctx context.Context, req *consentv1.RevokeContactAfterEndRequest) (*consentv1.RevokeContactAfterEndResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.RevokeContactAfterEnd(ctx, actor, req.GetRequestId(), app.RevokeContactAfterEnd{
		PatientID: req.GetPatientId(), ProfessionalID: req.GetProfessionalId(), OnBehalfOf: actorFromProto(req.GetOnBehalfOf()),
	}); err != nil {
		return nil, err
	}
	return &consentv1.RevokeContactAfterEndResponse{}, nil
}

func (s *Server) UseEmergencyAccess(ctx context.Context, req *consentv1.UseEmergencyAccessRequest) (*consentv1.UseEmergencyAccessResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	opened, err := s.app.UseEmergencyAccess(ctx, actor, req.GetRequestId(), app.UseEmergencyAccess{PatientID: req.GetPatientId(), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	return &consentv1.UseEmergencyAccessResponse{AccessId: opened.ID, ExpiresAt: ts(opened.ExpiresAt)}, nil
}

func (s *Server) ListEmergencyAccesses(ctx context.Context, req *consentv1.ListEmergencyAccessesRequest) (*consentv1.ListEmergencyAccessesResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListEmergencyAccesses(ctx, actor, app.ListEmergencyAccesses{
		PatientID: req.GetPatientId(), UnreviewedOnly: req.GetUnreviewedOnly(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &consentv1.ListEmergencyAccessesResponse{NextPageToken: page.NextPageToken}
	for _, e := range page.Accesses {
		resp.Accesses = append(resp.Accesses, emergencyProto(e))
	}
	return resp, nil
}

func (s *Server) ReviewEmergencyAccess(ctx context.Context, req *consentv1.ReviewEmergencyAccessRequest) (*consentv1.ReviewEmergencyAccessResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	if err := s.app.ReviewEmergencyAccess(ctx, actor, req.GetRequestId(), app.ReviewEmergencyAccess{
		PatientID: req.GetPatientId(), AccessID: req.GetAccessId(), Justified: req.GetJustified(), Note: req.GetNote(),
	}); err != nil {
		return nil, err
	}
	return &consentv1.ReviewEmergencyAccessResponse{}, nil
}

func (s *Server) CheckAccess(ctx context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	d, err := s.app.CheckAccess(ctx, actor, app.CheckRequestFromProto(req))
	if err != nil {
		return nil, err
	}
	return app.DecisionProto(d), nil
}

func (s *Server) BatchCheckAccess(ctx context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	checks := make([]app.CheckAccessRequest, len(req.GetChecks()))
	for i, r := range req.GetChecks() {
		checks[i] = app.CheckRequestFromProto(r)
	}
	ds, err := s.app.BatchCheckAccess(ctx, actor, checks)
	if err != nil {
		return nil, err
	}
	resp := &consentv1.BatchCheckAccessResponse{Results: make([]*consentv1.CheckAccessResponse, len(ds))}
	for i, d := range ds {
		resp.Results[i] = app.DecisionProto(d)
	}
	return resp, nil
}

func (s *Server) GetLegalStatus(ctx context.Context, req *consentv1.GetLegalStatusRequest) (*consentv1.GetLegalStatusResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	ls, err := s.app.GetLegalStatus(ctx, actor, req.GetPatientId())
	if err != nil {
		return nil, err
	}
	return &consentv1.GetLegalStatusResponse{LegalStatus: legalStatusProto(req.GetPatientId(), ls)}, nil
}

func (s *Server) ListConsents(ctx context.Context, req *consentv1.ListConsentsRequest) (*consentv1.ListConsentsResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListConsents(ctx, actor, app.ListConsents{
		PatientID: req.GetPatientId(), IncludeInactive: req.GetIncludeInactive(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &consentv1.ListConsentsResponse{NextPageToken: page.NextPageToken}
	for _, c := range page.Consents {
		resp.Consents = append(resp.Consents, consentProto(req.GetPatientId(), c))
	}
	return resp, nil
}

func (s *Server) ListAccessLog(ctx context.Context, req *consentv1.ListAccessLogRequest) (*consentv1.ListAccessLogResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListAccessLog(ctx, actor, app.ListAccessLog{PatientID: req.GetPatientId(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	return &consentv1.ListAccessLogResponse{Entries: page.Entries, NextPageToken: page.NextPageToken}, nil
}

// instant is an optional wire timestamp: nil when absent. A present one is
// passed on whatever it holds, for the app to judge.
func instant(t *timestamppb.Timestamp) *time.Time {
	if t == nil {
		return nil
	}
	at := t.AsTime()
	return &at
}

// actorFromProto is the end user a request names (on_behalf_of), or nil.
func actorFromProto(a *eventsv1.Actor) *access.Actor {
	if a == nil {
		return nil
	}
	return &access.Actor{
		ProfessionalID: a.GetProfessionalId(), OrgNumber: a.GetOrgNumber(), PatientID: a.GetPatientId(),
		Role: access.Role(a.GetRole()), Service: a.GetService(),
	}
}
