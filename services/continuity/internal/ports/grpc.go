// Package ports exposes the continuity application over gRPC: it turns
// requests into application commands and domain state into responses,
// nothing more.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/ids"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	"github.com/stafett/stafett/services/continuity/internal/app"
	"github.com/stafett/stafett/services/continuity/internal/domain"
)

// Server implements stafett.continuity.v1.ContinuityService.
type Server struct {
	continuityv1.UnimplementedContinuityServiceServer
	app        *app.App
	pseudonyms *ids.Pseudonymizer
}

// NewServer returns the gRPC server for the application.
func NewServer(a *app.App, pseudonyms *ids.Pseudonymizer) *Server {
	return &Server{app: a, pseudonyms: pseudonyms}
}

// Scopes is the scope each RPC needs.
func Scopes() authn.Policy {
	const read, write = "continuity:read", "continuity:write"
	s := "/" + continuityv1.ContinuityService_ServiceDesc.ServiceName + "/"
	return authn.Policy{
		s + "StartRelationship":          write,
		s + "RecordContact":              write,
		s + "EndRelationship":            write,
		s + "PlanHandoff":                write,
		s + "CompleteHandoff":            write,
		s + "CreateIndividualPlan":       write,
		s + "AppointCoordinator":         write,
		s + "AddPlanningGroupMember":     write,
		s + "RemovePlanningGroupMember":  write,
		s + "SetPlanGoal":                write,
		s + "AssignPlanService":          write,
		s + "SetMeetingPreference":       write,
		s + "ReviewPlan":                 write,
		s + "RecordContinuityPreference": write,
		s + "GetCareTeam":                read,
		s + "GetIndividualPlan":          read,
	}
}

func (s *Server) caller(ctx context.Context) (access.Actor, error) {
	return authn.Caller(ctx, s.pseudonyms)
}

// instant maps an optional timestamp; nil means "now" to the application,
// which also validates it.
func instant(t *timestamppb.Timestamp) *time.Time {
	if t == nil {
		return nil
	}
	v := t.AsTime()
	return &v
}

func (s *Server) StartRelationship(ctx context.Context, req *continuityv1.StartRelationshipRequest) (*continuityv1.StartRelationshipResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	at := instant(req.GetStartedAt())
	id, err := s.app.StartRelationship(ctx, app.StartRelationship{
		Caller: c, RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), ProfessionalID: req.GetProfessionalId(),
		Role: req.GetRole(), Unit: ids.UnitFromRef(req.GetUnit()), Sector: req.GetSector(),
		ChosenByPatient: req.GetChosenByPatient(), StartedAt: at,
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.StartRelationshipResponse{RelationshipId: id}, nil
}

func (s *Server) RecordContact(ctx context.Context, req *continuityv1.RecordContactRequest) (*continuityv1.RecordContactResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	at := instant(req.GetOccurredAt())
	if err := s.app.RecordContact(ctx, app.RecordContact{
		Caller: c, RequestID: req.GetRequestId(), RelationshipID: req.GetRelationshipId(), OccurredAt: at, Kind: req.GetKind(),
	}); err != nil {
		return nil, err
	}
	return &continuityv1.RecordContactResponse{}, nil
}

func (s *Server) EndRelationship(ctx context.Context, req *continuityv1.EndRelationshipRequest) (*continuityv1.EndRelationshipResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	at := instant(req.GetEndedAt())
	left, err := s.app.EndRelationship(ctx, app.EndRelationship{
		Caller: c, RequestID: req.GetRequestId(), RelationshipID: req.GetRelationshipId(), Reason: req.GetReason(), EndedAt: at,
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.EndRelationshipResponse{PatientLeftWithoutContact: left}, nil
}

func (s *Server) PlanHandoff(ctx context.Context, req *continuityv1.PlanHandoffRequest) (*continuityv1.PlanHandoffResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	at := instant(req.GetPlannedAt())
	id, err := s.app.PlanHandoff(ctx, app.PlanHandoff{
		Caller: c, RequestID: req.GetRequestId(), FromRelationshipID: req.GetFromRelationshipId(),
		ToProfessionalID: req.GetToProfessionalId(), ToRole: req.GetToRole(), ToUnit: ids.UnitFromRef(req.GetToUnit()),
		ToSector: req.GetToSector(), PlannedAt: at, Kind: req.GetKind(), JointMeeting: req.GetJointMeeting(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.PlanHandoffResponse{HandoffId: id}, nil
}

func (s *Server) CompleteHandoff(ctx context.Context, req *continuityv1.CompleteHandoffRequest) (*continuityv1.CompleteHandoffResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	at := instant(req.GetCompletedAt())
	out, err := s.app.CompleteHandoff(ctx, app.CompleteHandoff{
		Caller: c, RequestID: req.GetRequestId(), HandoffID: req.GetHandoffId(), CompletedAt: at, SummaryShared: req.GetSummaryShared(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.CompleteHandoffResponse{RelationshipId: out.RelationshipID, CompletedKind: out.Kind}, nil
}

func (s *Server) GetCareTeam(ctx context.Context, req *continuityv1.GetCareTeamRequest) (*continuityv1.GetCareTeamResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.GetCareTeam(ctx, c, req.GetPatientId())
	if err != nil {
		return nil, err
	}
	resp := &continuityv1.GetCareTeamResponse{WithoutContact: p.WithoutContact}
	for _, r := range p.Relationships {
		resp.Relationships = append(resp.Relationships, relationshipProto(p.PatientID, r))
	}
	for _, h := range p.Handoffs {
		resp.Handoffs = append(resp.Handoffs, handoffProto(h))
	}
	if pr := p.Preference; pr != nil {
		resp.Preference = &continuityv1.ContinuityPreference{
			KeepProfessionalId: pr.KeepProfessionalID, Closeness: pr.Closeness, ContactAfterEnd: pr.ContactAfterEnd,
			ContactAfterEndProfessionalId: pr.ContactAfterEndProfessionalID, ChosenByPatient: pr.ChosenByPatient,
			RecordedAt: stamp(pr.RecordedAt),
		}
	}
	return resp, nil
}

func (s *Server) CreateIndividualPlan(ctx context.Context, req *continuityv1.CreateIndividualPlanRequest) (*continuityv1.CreateIndividualPlanResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.CreatePlan(ctx, app.CreatePlan{
		Caller: c, RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), PatientConsents: req.GetPatientConsents(),
		PeriodFrom: req.GetPeriodFrom(), PeriodTo: req.GetPeriodTo(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.CreateIndividualPlanResponse{PlanId: id}, nil
}

func (s *Server) GetIndividualPlan(ctx context.Context, req *continuityv1.GetIndividualPlanRequest) (*continuityv1.GetIndividualPlanResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	plan, patientID, err := s.app.GetPlan(ctx, c, req.GetPlanId())
	if err != nil {
		return nil, err
	}
	return &continuityv1.GetIndividualPlanResponse{Plan: planProto(patientID, plan)}, nil
}

func (s *Server) AppointCoordinator(ctx context.Context, req *continuityv1.AppointCoordinatorRequest) (*continuityv1.AppointCoordinatorResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.app.AppointCoordinator(ctx, app.AppointCoordinator{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), ProfessionalID: req.GetProfessionalId(),
		ChosenByPatient: req.GetChosenByPatient(),
	}); err != nil {
		return nil, err
	}
	return &continuityv1.AppointCoordinatorResponse{}, nil
}

func (s *Server) AddPlanningGroupMember(ctx context.Context, req *continuityv1.AddPlanningGroupMemberRequest) (*continuityv1.AddPlanningGroupMemberResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	consentID, err := s.app.AddMember(ctx, app.AddMember{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), ProfessionalID: req.GetProfessionalId(),
		Role: req.GetRole(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.AddPlanningGroupMemberResponse{ConsentId: consentID}, nil
}

func (s *Server) RemovePlanningGroupMember(ctx context.Context, req *continuityv1.RemovePlanningGroupMemberRequest) (*continuityv1.RemovePlanningGroupMemberResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.app.RemoveMember(ctx, app.RemoveMember{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), ProfessionalID: req.GetProfessionalId(),
		ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.RemovePlanningGroupMemberResponse{ConsentWithdrawn: out.ConsentWithdrawn, ConsentNote: out.Note}, nil
}

func (s *Server) SetPlanGoal(ctx context.Context, req *continuityv1.SetPlanGoalRequest) (*continuityv1.SetPlanGoalResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.SetGoal(ctx, app.SetGoal{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), GoalID: req.GetGoalId(), Text: req.GetText(),
		ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.SetPlanGoalResponse{GoalId: id}, nil
}

func (s *Server) AssignPlanService(ctx context.Context, req *continuityv1.AssignPlanServiceRequest) (*continuityv1.AssignPlanServiceResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := s.app.AssignService(ctx, app.AssignService{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), ServiceID: req.GetServiceId(),
		Description: req.GetDescription(), ResponsibleProfessionalID: req.GetResponsibleProfessionalId(),
		ResponsibleUnit: ids.UnitFromRef(req.GetResponsibleUnit()), FromDate: req.GetFromDate(), ToDate: req.GetToDate(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.AssignPlanServiceResponse{ServiceId: id}, nil
}

func (s *Server) SetMeetingPreference(ctx context.Context, req *continuityv1.SetMeetingPreferenceRequest) (*continuityv1.SetMeetingPreferenceResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.app.SetMeetingPreference(ctx, app.SetMeetingPreference{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), Preference: req.GetPreference(),
		ChosenByPatient: req.GetChosenByPatient(),
	}); err != nil {
		return nil, err
	}
	return &continuityv1.SetMeetingPreferenceResponse{}, nil
}

func (s *Server) ReviewPlan(ctx context.Context, req *continuityv1.ReviewPlanRequest) (*continuityv1.ReviewPlanResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.app.ReviewPlan(ctx, app.ReviewPlan{
		Caller: c, RequestID: req.GetRequestId(), PlanID: req.GetPlanId(), ReviewedOn: req.GetReviewedOn(),
		Summary: req.GetSummary(), PatientTookPart: req.GetPatientTookPart(), NextReviewOn: req.GetNextReviewOn(),
	}); err != nil {
		return nil, err
	}
	return &continuityv1.ReviewPlanResponse{}, nil
}

func (s *Server) RecordContinuityPreference(ctx context.Context, req *continuityv1.RecordContinuityPreferenceRequest) (*continuityv1.RecordContinuityPreferenceResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.app.RecordPreference(ctx, app.RecordPreference{
		Caller: c, RequestID: req.GetRequestId(), PatientID: req.GetPatientId(), KeepProfessionalID: req.GetKeepProfessionalId(),
		Closeness: req.GetCloseness(), ContactAfterEnd: req.GetContactAfterEnd(),
		ContactAfterEndProfessionalID: req.GetContactAfterEndProfessionalId(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &continuityv1.RecordContinuityPreferenceResponse{ContactAfterEndRecorded: out.ContactAfterEndRecorded, ContactAfterEndNote: out.Note}, nil
}

func stamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func dateString(d interface {
	IsZero() bool
	String() string
}) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func relationshipProto(patientID string, r domain.Relationship) *continuityv1.Relationship {
	return &continuityv1.Relationship{
		RelationshipId: r.ID, PatientId: patientID, ProfessionalId: r.ProfessionalID, Role: r.Role, Unit: r.Unit.Ref(),
		Sector: r.Sector, ChosenByPatient: r.ChosenByPatient, StartedAt: stamp(r.StartedAt), EndedAt: stamp(r.EndedAt),
		EndReason: r.EndReason, Active: r.Active(), FromHandoffId: r.FromHandoffID, ContactCount: int32(r.Contacts),
		LastContactAt: stamp(r.LastContactAt),
	}
}

func handoffProto(h domain.Handoff) *continuityv1.Handoff {
	status := continuityv1.HandoffStatus_HANDOFF_STATUS_PLANNED
	if h.Completed() {
		status = continuityv1.HandoffStatus_HANDOFF_STATUS_COMPLETED
	}
	return &continuityv1.Handoff{
		HandoffId: h.ID, FromRelationshipId: h.FromRelationshipID, ToProfessionalId: h.ToProfessionalID, ToRole: h.ToRole,
		ToUnit: h.ToUnit.Ref(), ToSector: h.ToSector, PlannedAt: stamp(h.PlannedAt), Kind: h.Kind,
		JointMeeting: h.JointMeeting, Status: status, CompletedAt: stamp(h.CompletedAt), SummaryShared: h.SummaryShared,
		CompletedKind: h.CompletedKind, ToRelationshipId: h.ToRelationshipID,
	}
}

func planProto(patientID string, p domain.Plan) *continuityv1.IndividualPlan {
	out := &continuityv1.IndividualPlan{
		PlanId: p.ID, PatientId: patientID, CreatedAt: stamp(p.CreatedAt), ConsentRecordedBy: p.ConsentRecordedBy,
		CoordinatorProfessionalId: p.CoordinatorID, CoordinatorChosenByPatient: p.CoordinatorChosenByPatient,
		MeetingPreference: p.MeetingPreference, PeriodFrom: dateString(p.PeriodFrom), PeriodTo: dateString(p.PeriodTo),
		NextReviewOn: dateString(p.NextReviewOn),
	}
	for _, m := range p.Members {
		out.Members = append(out.Members, &continuityv1.PlanMember{
			ProfessionalId: m.ProfessionalID, Role: m.Role, ChosenByPatient: m.ChosenByPatient, ConsentId: m.ConsentID, AddedAt: stamp(m.AddedAt),
		})
	}
	for _, g := range p.Goals {
		out.Goals = append(out.Goals, &continuityv1.PlanGoal{GoalId: g.ID, Text: g.Text, SetAt: stamp(g.SetAt)})
	}
	for _, s := range p.Services {
		out.Services = append(out.Services, &continuityv1.PlanService{
			ServiceId: s.ID, Description: s.Description, ResponsibleProfessionalId: s.ResponsibleProfessionalID,
			ResponsibleUnit: s.ResponsibleUnit.Ref(), FromDate: dateString(s.From), ToDate: dateString(s.To),
		})
	}
	for _, r := range p.Reviews {
		out.Reviews = append(out.Reviews, &continuityv1.PlanReview{
			ReviewedOn: dateString(r.ReviewedOn), Summary: r.Summary, PatientTookPart: r.PatientTookPart,
			NextReviewOn: dateString(r.NextReviewOn), ReviewedBy: r.ReviewedBy,
		})
	}
	return out
}
