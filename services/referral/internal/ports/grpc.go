// Package ports exposes the referral application over gRPC: it turns requests
// into application commands and domain state into responses, nothing more.
package ports

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/ids"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/referral/internal/app"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Server implements stafett.referral.v1.ReferralService.
type Server struct {
	referralv1.UnimplementedReferralServiceServer
	app        *app.App
	pseudonyms *ids.Pseudonymizer
}

// NewServer returns the gRPC server for the application.
func NewServer(a *app.App, pseudonyms *ids.Pseudonymizer) *Server {
	return &Server{app: a, pseudonyms: pseudonyms}
}

// Scopes is the scope each RPC needs.
func Scopes() authn.Policy {
	const read, write = "referral:read", "referral:write"
	s := referralv1.ReferralService_ServiceDesc.ServiceName
	return authn.Policy{
		"/" + s + "/ReceiveReferral":          write,
		"/" + s + "/RequestInformation":       write,
		"/" + s + "/AssessReferral":           write,
		"/" + s + "/ForwardReferral":          write,
		"/" + s + "/WithdrawReferral":         write,
		"/" + s + "/ScheduleFirstAppointment": write,
		"/" + s + "/GetReferral":              read,
		"/" + s + "/ListReferrals":            read,
	}
}

func (s *Server) ReceiveReferral(ctx context.Context, req *referralv1.ReceiveReferralRequest) (*referralv1.ReceiveReferralResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	var receivedAt *time.Time
	if ts := req.GetReceivedAt(); ts != nil {
		t := ts.AsTime()
		receivedAt = &t
	}
	res, err := s.app.ReceiveReferral(ctx, actor, req.GetRequestId(), app.ReceiveReferral{
		ExternalID:        req.GetExternalId(),
		PatientNationalID: req.GetPatientNationalId(),
		ReferrerHPR:       req.GetReferrerHpr(),
		ReferrerOrgNumber: req.GetReferrerOrgNumber(),
		Unit:              ids.UnitFromRef(req.GetReceivingUnit()),
		Reason:            req.GetReason(),
		Urgency:           req.GetUrgency(),
		Internal:          req.GetInternal(),
		ReceivedAt:        receivedAt,
	})
	if err != nil {
		return nil, err
	}
	return &referralv1.ReceiveReferralResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) RequestInformation(ctx context.Context, req *referralv1.RequestInformationRequest) (*referralv1.RequestInformationResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.RequestInformation(ctx, actor, req.GetRequestId(), app.RequestInformation{ReferralID: req.GetReferralId(), What: req.GetWhat()})
	if err != nil {
		return nil, err
	}
	return &referralv1.RequestInformationResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) AssessReferral(ctx context.Context, req *referralv1.AssessReferralRequest) (*referralv1.AssessReferralResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	in := app.AssessReferral{ReferralID: req.GetReferralId()}
	if g := req.GetRightGranted(); g != nil {
		in.RightGranted = &app.RightGranted{CareStartDeadline: g.GetCareStartDeadline(), PathwayType: g.GetPathwayType(), Priority: g.GetPriority()}
	}
	if n := req.GetNoRight(); n != nil {
		in.NoRight = &app.NoRight{Reason: n.GetReason(), FollowUp: n.GetFollowUp()}
	}
	res, err := s.app.AssessReferral(ctx, actor, req.GetRequestId(), in)
	if err != nil {
		return nil, err
	}
	return &referralv1.AssessReferralResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) ForwardReferral(ctx context.Context, req *referralv1.ForwardReferralRequest) (*referralv1.ForwardReferralResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.ForwardReferral(ctx, actor, req.GetRequestId(), app.ForwardReferral{ReferralID: req.GetReferralId(), To: ids.UnitFromRef(req.GetToUnit()), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	return &referralv1.ForwardReferralResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) WithdrawReferral(ctx context.Context, req *referralv1.WithdrawReferralRequest) (*referralv1.WithdrawReferralResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.WithdrawReferral(ctx, actor, req.GetRequestId(), app.WithdrawReferral{ReferralID: req.GetReferralId(), Reason: req.GetReason()})
	if err != nil {
		return nil, err
	}
	return &referralv1.WithdrawReferralResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) ScheduleFirstAppointment(ctx context.Context, req *referralv1.ScheduleFirstAppointmentRequest) (*referralv1.ScheduleFirstAppointmentResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	res, err := s.app.ScheduleFirstAppointment(ctx, actor, req.GetRequestId(), app.ScheduleFirstAppointment{ReferralID: req.GetReferralId(), AppointmentDate: req.GetAppointmentDate()})
	if err != nil {
		return nil, err
	}
	return &referralv1.ScheduleFirstAppointmentResponse{Referral: toProto(res.State)}, nil
}

func (s *Server) GetReferral(ctx context.Context, req *referralv1.GetReferralRequest) (*referralv1.GetReferralResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	r, err := s.app.GetReferral(ctx, actor, req.GetReferralId())
	if err != nil {
		return nil, err
	}
	return &referralv1.GetReferralResponse{Referral: toProto(r)}, nil
}

func (s *Server) ListReferrals(ctx context.Context, req *referralv1.ListReferralsRequest) (*referralv1.ListReferralsResponse, error) {
	actor, err := authn.Caller(ctx, s.pseudonyms)
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListReferrals(ctx, actor, app.ListReferrals{
		Unit: ids.UnitFromRef(req.GetReceivingUnit()), Status: req.GetStatus(), DueOnOrBefore: req.GetDueOnOrBefore(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &referralv1.ListReferralsResponse{NextPageToken: page.NextPageToken}
	for _, r := range page.Referrals {
		resp.Referrals = append(resp.Referrals, toProto(r))
	}
	return resp, nil
}

func toProto(r domain.Referral) *referralv1.Referral {
	out := &referralv1.Referral{
		ReferralId:                 r.ID,
		PatientId:                  r.PatientID,
		Status:                     r.Status,
		ReceivedAt:                 timestamppb.New(r.ReceivedAt),
		ReceivingUnit:              r.Unit.Ref(),
		AssessmentDue:              r.AssessmentDue.String(),
		ExternalId:                 r.ExternalID,
		ReferrerHpr:                r.ReferrerHPR,
		ReferrerOrgNumber:          r.ReferrerOrgNumber,
		Reason:                     r.Reason,
		Urgency:                    r.Urgency,
		Internal:                   r.Internal,
		PatientBirthDate:           r.PatientBirthDate.String(),
		PatientNationalId:          r.PatientNationalID,
		FirstAppointmentDate:       r.FirstAppointment.String(),
		WithdrawalReason:           r.WithdrawalReason,
		AssessmentDeadlineBreached: r.AssessmentDeadlineBreached,
		CareStartDeadlineAtRisk:    r.CareStartDeadlineAtRisk,
		CareStartDeadlineBreached:  r.CareStartDeadlineBreached,
	}
	if a := r.Assessment; a != nil {
		pa := &referralv1.Assessment{AssessedBy: a.AssessedBy, AssessedAt: timestamppb.New(a.AssessedAt)}
		if a.RightGranted {
			pa.Outcome = &referralv1.Assessment_RightGranted{RightGranted: &referralv1.RightGranted{
				CareStartDeadline: a.CareStartDeadline.String(), PathwayType: a.PathwayType, Priority: a.Priority,
			}}
		} else {
			pa.Outcome = &referralv1.Assessment_NoRight{NoRight: &referralv1.NoRight{Reason: a.NoRightReason, FollowUp: a.FollowUp}}
		}
		out.Assessment = pa
	}
	for _, ir := range r.InformationRequests {
		out.InformationRequests = append(out.InformationRequests, &referralv1.InformationRequest{
			RequestedBy: ir.RequestedBy, What: ir.What, RequestedAt: timestamppb.New(ir.RequestedAt),
		})
	}
	for _, f := range r.Forwardings {
		out.Forwardings = append(out.Forwardings, &referralv1.Forwarding{
			FromUnit: f.From.Ref(), ToUnit: f.To.Ref(), Reason: f.Reason, ForwardedBy: f.ForwardedBy, ForwardedAt: timestamppb.New(f.ForwardedAt),
		})
	}
	return out
}
