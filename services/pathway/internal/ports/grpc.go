// Package ports exposes the pathway application over gRPC: it turns requests
// into application commands and domain state into responses, nothing more.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
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

func (s *Server) caller(ctx context.Context) (app.Caller, error) {
	a, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return app.Caller{}, err
	}
	return app.Caller{
		Actor:  domain.Actor{ProfessionalID: a.ProfessionalID, OrgNumber: a.OrgNumber, Role: string(a.Role), Service: a.Service},
		Access: a,
	}, nil
}

func (s *Server) AssignPathwayCoordinator(ctx context.Context, req *pathwayv1.AssignPathwayCoordinatorRequest) (*pathwayv1.AssignPathwayCoordinatorResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.AssignPathwayCoordinator(ctx, app.AssignPathwayCoordinator{Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), ProfessionalID: req.GetProfessionalId()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.AssignPathwayCoordinatorResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) RecordFirstAttendance(ctx context.Context, req *pathwayv1.RecordFirstAttendanceRequest) (*pathwayv1.RecordFirstAttendanceResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	in := app.RecordFirstAttendance{Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId()}
	if ts := req.GetAttendedAt(); ts != nil {
		if err := ts.CheckValid(); err != nil {
			return nil, errs.Invalid("attended_at", "is not a valid timestamp")
		}
		t := ts.AsTime()
		in.AttendedAt = &t
	}
	p, err := s.app.RecordFirstAttendance(ctx, in)
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordFirstAttendanceResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) RecordClinicalDecision(ctx context.Context, req *pathwayv1.RecordClinicalDecisionRequest) (*pathwayv1.RecordClinicalDecisionResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.RecordClinicalDecision(ctx, app.RecordClinicalDecision{Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), Code: req.GetCode(), Stage: req.GetStage()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordClinicalDecisionResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) AgreeTreatmentPlan(ctx context.Context, req *pathwayv1.AgreeTreatmentPlanRequest) (*pathwayv1.AgreeTreatmentPlanResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.AgreeTreatmentPlan(ctx, app.AgreeTreatmentPlan{
		Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), OptionsOffered: req.GetOptionsOffered(),
		ChosenOption: req.GetChosenOption(), DecisionMode: req.GetDecisionMode(), RestrictionReason: req.GetRestrictionReason(),
		ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.AgreeTreatmentPlanResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) RecordEvaluation(ctx context.Context, req *pathwayv1.RecordEvaluationRequest) (*pathwayv1.RecordEvaluationResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.RecordEvaluation(ctx, app.RecordEvaluation{
		Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), PatientTookPart: req.GetPatientTookPart(),
		FeedbackToolUsed: req.GetFeedbackToolUsed(), FeedbackTool: req.GetFeedbackTool(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordEvaluationResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) RecordPatientPostponement(ctx context.Context, req *pathwayv1.RecordPatientPostponementRequest) (*pathwayv1.RecordPatientPostponementResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.RecordPatientPostponement(ctx, app.RecordPatientPostponement{
		Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), FromDate: req.GetFromDate(), UntilDate: req.GetUntilDate(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RecordPatientPostponementResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) TransferPathway(ctx context.Context, req *pathwayv1.TransferPathwayRequest) (*pathwayv1.TransferPathwayResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	old, next, err := s.app.TransferPathway(ctx, app.TransferPathway{
		Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), To: unit(req.GetToUnit()), Reason: req.GetReason(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.TransferPathwayResponse{Pathway: ToProto(old), NewPathway: ToProto(next)}, nil
}

func (s *Server) CompletePathway(ctx context.Context, req *pathwayv1.CompletePathwayRequest) (*pathwayv1.CompletePathwayResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.CompletePathway(ctx, app.CompletePathway{Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.CompletePathwayResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) RequestMedicationFreeTreatment(ctx context.Context, req *pathwayv1.RequestMedicationFreeTreatmentRequest) (*pathwayv1.RequestMedicationFreeTreatmentResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.RequestMedicationFreeTreatment(ctx, app.RequestMedicationFreeTreatment{
		Caller: c, RequestID: req.GetRequestId(), PathwayID: req.GetPathwayId(), ChosenByPatient: req.GetChosenByPatient(),
	})
	if err != nil {
		return nil, err
	}
	return &pathwayv1.RequestMedicationFreeTreatmentResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) GetPathway(ctx context.Context, req *pathwayv1.GetPathwayRequest) (*pathwayv1.GetPathwayResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.GetPathway(ctx, c, req.GetPathwayId())
	if err != nil {
		return nil, err
	}
	return &pathwayv1.GetPathwayResponse{Pathway: ToProto(p)}, nil
}

func (s *Server) ListPathways(ctx context.Context, req *pathwayv1.ListPathwaysRequest) (*pathwayv1.ListPathwaysResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	in := app.ListPathways{Caller: c, PatientID: req.GetPatientId(), Status: req.GetStatus(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()}
	if u := req.GetUnit(); u != nil {
		du := unit(u)
		in.Unit = &du
	}
	page, err := s.app.ListPathways(ctx, in)
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
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.app.GetDecisionStatistics(ctx, c, unit(req.GetUnit()))
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

func unit(u *eventsv1.UnitRef) domain.Unit {
	return domain.Unit{HerID: u.GetHerId(), OrgNumber: u.GetOrgNumber()}
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
	for _, m := range domain.MilestoneOrder() {
		s, ok := p.Milestones[m]
		actual := s.Actual
		// An evaluation recurs: its target is the next one due and its
		// actual date the latest evaluation.
		if m == pathwayv1.Milestone_MILESTONE_EVALUATION && len(p.Evaluations) > 0 {
			actual = mustDate(p.Evaluations[len(p.Evaluations)-1].GetEvaluatedOn())
			ok = true
		}
		if !ok {
			continue
		}
		out.Milestones = append(out.Milestones, &pathwayv1.MilestoneStatus{
			Milestone: m, TargetDate: dateString(s.Target), ActualDate: dateString(actual), Overdue: s.Overdue(),
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

func mustDate(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
}

func instant(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
