// Package ports exposes the handoff views over gRPC: it turns requests into
// application queries, nothing more.
package ports

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs/internal/app"
)

// Server implements stafett.handoffs.v1.HandoffService.
type Server struct {
	handoffsv1.UnimplementedHandoffServiceServer
	app        *app.App
	pseudonyms *ids.Pseudonymizer
}

// NewServer returns the gRPC server for the application.
func NewServer(a *app.App, pseudonyms *ids.Pseudonymizer) *Server {
	return &Server{app: a, pseudonyms: pseudonyms}
}

// Scopes is the scope each RPC needs: the service is read-only.
func Scopes() authn.Policy {
	const read = "handoffs:read"
	s := handoffsv1.HandoffService_ServiceDesc.ServiceName
	return authn.Policy{
		"/" + s + "/GetPatientJourney":          read,
		"/" + s + "/WatchPatientJourney":        read,
		"/" + s + "/GetContinuity":              read,
		"/" + s + "/GetHandoffGraph":            read,
		"/" + s + "/ListPatientsWithoutContact": read,
		"/" + s + "/ListDeadlineRisks":          read,
		"/" + s + "/ListStalledPathways":        read,
	}
}

func (s *Server) caller(ctx context.Context) (app.Caller, error) {
	p, ok := authn.FromContext(ctx)
	if !ok {
		// The authentication interceptor always runs first; reaching here
		// without a principal is a wiring fault, not the caller's.
		return app.Caller{}, errs.Permission("no authenticated caller")
	}
	return app.Caller{Actor: p.Actor(s.pseudonyms)}, nil
}

func (s *Server) GetPatientJourney(ctx context.Context, req *handoffsv1.GetPatientJourneyRequest) (*handoffsv1.GetPatientJourneyResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.GetPatientJourney(ctx, c, req.GetPatientId())
}

func (s *Server) WatchPatientJourney(req *handoffsv1.WatchPatientJourneyRequest, stream grpc.ServerStreamingServer[handoffsv1.WatchPatientJourneyResponse]) error {
	c, err := s.caller(stream.Context())
	if err != nil {
		return err
	}
	return s.app.WatchPatientJourney(stream.Context(), c, req.GetPatientId(), stream.Send)
}

func (s *Server) GetContinuity(ctx context.Context, req *handoffsv1.GetContinuityRequest) (*handoffsv1.GetContinuityResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.GetContinuity(ctx, c, req.GetPatientId(), window(req.GetFrom(), req.GetTo()))
}

func (s *Server) GetHandoffGraph(ctx context.Context, req *handoffsv1.GetHandoffGraphRequest) (*handoffsv1.GetHandoffGraphResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.GetHandoffGraph(ctx, c, app.GraphFilter{OrgNumber: req.GetOrgNumber(), Unit: ids.UnitFromRef(req.GetUnit()), Window: window(req.GetFrom(), req.GetTo())})
}

func (s *Server) ListPatientsWithoutContact(ctx context.Context, req *handoffsv1.ListPatientsWithoutContactRequest) (*handoffsv1.ListPatientsWithoutContactResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.ListPatientsWithoutContact(ctx, c, ids.UnitFromRef(req.GetUnit()))
}

func (s *Server) ListDeadlineRisks(ctx context.Context, req *handoffsv1.ListDeadlineRisksRequest) (*handoffsv1.ListDeadlineRisksResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.ListDeadlineRisks(ctx, c, ids.UnitFromRef(req.GetUnit()), int(req.GetWithinDays()))
}

// window maps the optional bounds; the application validates them.
func window(from, to *timestamppb.Timestamp) app.Window {
	var w app.Window
	if from != nil {
		t := from.AsTime()
		w.From = &t
	}
	if to != nil {
		t := to.AsTime()
		w.To = &t
	}
	return w
}
