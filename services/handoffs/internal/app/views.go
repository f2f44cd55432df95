package app

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
)

// Views is every view the service answers from, unfiltered and
// un-suppressed where that is possible, for comparing a live projection
// with a rebuild. It is a test and operations aid, never served.
type Views struct {
	Applied    uint64
	Journeys   map[string]*handoffsv1.GetPatientJourneyResponse
	Continuity map[string]*handoffsv1.GetContinuityResponse
	Graph      *handoffsv1.GetHandoffGraphResponse
	Alone      *handoffsv1.ListPatientsWithoutContactResponse
	Risks      *handoffsv1.ListDeadlineRisksResponse
}

// Views renders every view as of now.
func (p *Projection) Views(now time.Time) Views {
	all := domain.Allowed{}
	for _, c := range domain.Categories {
		all[c] = true
	}
	out := Views{Journeys: map[string]*handoffsv1.GetPatientJourneyResponse{}, Continuity: map[string]*handoffsv1.GetContinuityResponse{}}
	p.Read(func(v *domain.View) {
		out.Applied = v.Applied
		for id, pt := range v.Patients {
			out.Journeys[id] = &handoffsv1.GetPatientJourneyResponse{PatientId: id, Entries: v.Journey(pt, all, 0)}
			out.Continuity[id] = domain.Continuity(pt, domain.Window{}, now.UnixNano())
		}
		out.Graph = v.Graph(domain.Scope{})
		out.Alone = &handoffsv1.ListPatientsWithoutContactResponse{Patients: v.WithoutContact(domain.Scope{})}
		out.Risks = &handoffsv1.ListDeadlineRisksResponse{Risks: v.DeadlineRisks(domain.Scope{}, domain.Day(now.UTC().Format(time.DateOnly)), 3650)}
	})
	return out
}

// Diff names the first view that differs between a and b, "" when equal.
func (a Views) Diff(b Views) string {
	switch {
	case a.Applied != b.Applied:
		return "applied sequence"
	case !proto.Equal(a.Graph, b.Graph):
		return "handoff graph"
	case !proto.Equal(a.Alone, b.Alone):
		return "patients without contact"
	case !proto.Equal(a.Risks, b.Risks):
		return "deadline risks"
	case len(a.Journeys) != len(b.Journeys):
		return "number of journeys"
	}
	ids := make([]string, 0, len(a.Journeys))
	for id := range a.Journeys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !proto.Equal(a.Journeys[id], b.Journeys[id]) {
			return "journey of " + id
		}
		if !proto.Equal(a.Continuity[id], b.Continuity[id]) {
			return "continuity of " + id
		}
	}
	return ""
}
