// Package ports exposes the pathway application over gRPC: it turns requests
// into application commands and domain state into responses, nothing more.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/ids"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/app"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// Server implements stafett.pathway.v1.PathwayService.
type Server struct {
	pathwayv1.UnimplementedPathwayServiceServer
	app        *app.App
	pseudonyms *ids.Pseudonymizer
}

// NewServer returns the gRPC server for the application.
func NewServer(a *app.App, pseudonyms *ids.Pseudonymizer) *Server {
	return &Server{app: a, pseudonyms: pseudonyms}
}

// Scopes is the scope each RPC needs.
func Scopes() authn.Policy {
	const read, write = "pathway:read", "pathway:write"
	s := "/" + pathwayv1.PathwayService_ServiceDesc.ServiceName + "/"
	return authn.Policy{
		s + "AssignPathwayCoordinator":       write,
		s + "RecordFirstAttendance":          write,
		s + "RecordClinicalDecision":         write,
		s + "AgreeTreatmentPlan":             write,
		s + "RecordEvaluation":               write,
		s + "RecordPatientPostponement":      write,
		s + "TransferPathway":                write,
		s + "CompletePathway":                write,
		s + "RequestMedicationFreeTreatment": write,
		s + "GetPathway":                     read,
		s + "ListPathways":                   read,
		s + "GetDecisionStatistics":          read,
	}
}

func (s *Server) AssignPathwayCoordinator(ctx context.Context, req *pathwayv1.AssignPathwayCoordinatorRequest) (*pathwayv1.AssignPathwayCoordinatorResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.AssignPathwayCoordinator(ctx, actor, req.GetRequestId(), app.AssignPathwayCoordinator{PathwayID: req.GetPathwayId(), ProfessionalID: req.GetProfessionalId()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.AssignPathwayCoordinatorResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) RecordFirstAttendance(ctx context.Context, req *pathwayv1.RecordFirstAttendanceRequest) (*pathwayv1.RecordFirstAttendanceResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	in := app.RecordFirstAttendance{PathwayID: req.GetPathwayId()}
	if ts := req.GetAttendedAt(); ts != nil {
		t := ts.AsTime()
		in.AttendedAt = &t
	}
	res, err := s.app.RecordFirstAttendance(ctx, actor, req.GetRequestId(), in)
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordFirstAttendanceResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) RecordClinicalDecision(ctx context.Context, req *pathwayv1.RecordClinicalDecisionRequest) (*pathwayv1.RecordClinicalDecisionResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.RecordClinicalDecision(ctx, actor, req.GetRequestId(), app.RecordClinicalDecision{PathwayID: req.GetPathwayId(), Code: req.GetCode(), Stage: req.GetStage()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordClinicalDecisionResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) AgreeTreatmentPlan(ctx context.Context, req *pathwayv1.AgreeTreatmentPlanRequest) (*pathwayv1.AgreeTreatmentPlanResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.AgreeTreatmentPlan(ctx, actor, req.GetRequestId(), app.AgreeTreatmentPlan{
		PathwayID: req.GetPathwayId(), OptionsOffered: req.GetOptionsOffered(), ChosenOption: req.GetChosenOption(),
		DecisionMode: req.GetDecisionMode(), RestrictionReason: req.GetRestrictionReason(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.AgreeTreatmentPlanResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) RecordEvaluation(ctx context.Context, req *pathwayv1.RecordEvaluationRequest) (*pathwayv1.RecordEvaluationResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.RecordEvaluation(ctx, actor, req.GetRequestId(), app.RecordEvaluation{
		PathwayID: req.GetPathwayId(), PatientTookPart: req.GetPatientTookPart(),
		FeedbackToolUsed: req.GetFeedbackToolUsed(), FeedbackTool: req.GetFeedbackTool(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordEvaluationResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) RecordPatientPostponement(ctx context.Context, req *pathwayv1.RecordPatientPostponementRequest) (*pathwayv1.RecordPatientPostponementResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.RecordPatientPostponement(ctx, actor, req.GetRequestId(), app.RecordPatientPostponement{
		PathwayID: req.GetPathwayId(), FromDate: req.GetFromDate(), UntilDate: req.GetUntilDate(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordPatientPostponementResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) TransferPathway(ctx context.Context, req *pathwayv1.TransferPathwayRequest) (*pathwayv1.TransferPathwayResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.TransferPathway(ctx, actor, req.GetRequestId(), app.TransferPathway{
		PathwayID: req.GetPathwayId(), To: ids.UnitFromRef(req.GetToUnit()), Reason: req.GetReason(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.TransferPathwayResponse{Pathway: ToProto(res.Pathway.State), NewPathway: ToProto(res.NewPathway)}, nil
}

func (s *Server) CompletePathway(ctx context.Context, req *pathwayv1.CompletePathwayRequest) (*pathwayv1.CompletePathwayResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.CompletePathway(ctx, actor, req.GetRequestId(), app.CompletePathway{PathwayID: req.GetPathwayId(), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.CompletePathwayResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) RequestMedicationFreeTreatment(ctx context.Context, req *pathwayv1.RequestMedicationFreeTreatmentRequest) (*pathwayv1.RequestMedicationFreeTreatmentResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.RequestMedicationFreeTreatment(ctx, actor, req.GetRequestId(), app.RequestMedicationFreeTreatment{
		PathwayID: req.GetPathwayId(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RequestMedicationFreeTreatmentResponse{Pathway: ToProto(res.State)}, nil
}

func (s *Server) GetPathway(ctx context.Context, req *pathwayv1.GetPathwayRequest) (*pathwayv1.GetPathwayResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	p, err := s.app.GetPathway(ctx, actor, req.GetPathwayId())
	if err != nil {
		return nil, err
	}
	return &pathwayv1.GetPathwayResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) ListPathways(ctx context.Context, req *pathwayv1.ListPathwaysRequest) (*pathwayv1.ListPathwaysResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	in := app.ListPathways{PatientID: req.GetPatientId(), Status: req.GetStatus(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()}
	if u, ok := req.GetSubject().(*pathwayv1.ListPathwaysRequest_Unit); ok {
		unit := ids.UnitFromRef(u.Unit)
		in.Unit = &unit
	}
	page, err := s.app.ListPathways(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	resp := &pathwayv1.ListPathwaysResponse{NextPageToken: page.NextPageToken}
	for _, p := range page.Pathways {
		resp.Pathways = append(resp.Pathways, ToProto(p))
	}
	return resp, nil
}

func (s *Server) GetDecisionStatistics(ctx context.Context, req *pathwayv1.GetDecisionStatisticsRequest) (*pathwayv1.GetDecisionStatisticsResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	st, err := s.app.GetDecisionStatistics(ctx, actor, ids.UnitFromRef(req.GetUnit()))
	if err != nil {
		return nil, err
	}
	resp := &pathwayv1.GetDecisionStatisticsResponse{Unit: st.Unit.Ref(), Suppressed: st.Suppressed}
	if st.Suppressed {
		return resp, nil
	}
	resp.TreatmentPlans = int32(st.TreatmentPlans)
	resp.SharedShare = st.SharedShare()
	resp.Evaluations = int32(st.Evaluations)
	resp.EvaluationsPatientTookPart = int32(st.EvaluationsTookPart)
	resp.EvaluationsFeedbackToolUsed = int32(st.EvaluationsWithTool)
	for _, m := range []pathwayv1.DecisionMode{
		pathwayv1.DecisionMode_DECISION_MODE_CLIENT_LED, pathwayv1.DecisionMode_DECISION_MODE_SHARED,
		pathwayv1.DecisionMode_DECISION_MODE_PROFESSIONAL_LED, pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED,
	} {
		resp.ByDecisionMode = append(resp.ByDecisionMode, &pathwayv1.DecisionModeCount{DecisionMode: m, Count: int32(st.ByMode[m])})
	}
	return resp, nil
}

// ToProto is a pathway's wire form.
func ToProto(p domain.Pathway) *pathwayv1.Pathway {
	out := &pathwayv1.Pathway{
		PathwayId:                      p.ID,
		ReferralId:                     p.ReferralID,
		PatientId:                      p.PatientID,
		PathwayType:                    p.Type,
		Status:                         p.Status,
		Unit:                           p.Unit.Ref(),
		Coordinator:                    p.Coordinator,
		PreviousPathwayId:              p.PreviousID,
		NextPathwayId:                  p.NextID,
		TreatmentPlans:                 p.Plans,
		Evaluations:                    p.Evaluations,
		Postponements:                  p.Postponements,
		TimingFlagged:                  p.TimingFlagged,
		MedicationFreeTreatmentGranted: p.MedicationFreeGranted,
		CareStartDeadline:              dateString(p.CareStartDeadline),
		StartedAt:                      instant(p.StartedAt),
	}
	for _, d := range p.Decisions {
		out.ClinicalDecisions = append(out.ClinicalDecisions, &pathwayv1.ClinicalDecisionEntry{
			Code: d.Code, Stage: d.Stage, DecidedOn: d.DecidedOn.String(), RecordedBy: d.RecordedBy,
		})
	}
	for _, m := range p.MilestoneStatuses() {
		out.Milestones = append(out.Milestones, &pathwayv1.MilestoneStatus{
			Milestone: m.Milestone, TargetDate: dateString(m.Target), ActualDate: dateString(m.Actual), Overdue: m.Overdue,
		})
	}
	return out
}

func dateString(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func instant(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
