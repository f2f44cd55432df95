package domain

import (
	"maps"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/ids"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// evolvePathwayFacts folds the pathway context's events: an active pathway's
// unit and coordinator are the patient's care team, and a pathway's end closes
// the referral it came from. A transfer closes the pathway at the old unit and
// the linked pathway's PathwayStarted puts the new unit in the team, so the
// care team moves with the patient. Maps are cloned before every write.
func evolvePathwayFacts(s PatientState, event proto.Message) PatientState {
	switch e := event.(type) {
	case *pathwayv1.PathwayStarted:
		s = putPathway(s, PathwayFact{ID: e.GetPathwayId(), Unit: ids.UnitFromRef(e.GetUnit())})
	case *pathwayv1.PathwayCoordinatorAssigned:
		if p, ok := s.ActivePathways[e.GetPathwayId()]; ok {
			p.CoordinatorProfessionalID = e.GetProfessionalId()
			s = putPathway(s, p)
		}
	case *pathwayv1.PathwayTransferred:
		s = endPathway(s, e.GetPathwayId(), e.GetReferralId())
	case *pathwayv1.PathwayCompleted:
		s = endPathway(s, e.GetPathwayId(), e.GetReferralId())
	}
	return s
}

func putPathway(s PatientState, p PathwayFact) PatientState {
	m := maps.Clone(s.ActivePathways)
	if m == nil {
		m = map[string]PathwayFact{}
	}
	m[p.ID] = p
	s.ActivePathways = m
	return s
}

// endPathway removes the pathway from the active ones and closes the
// referral it came from: a granted referral stays open only until its
// pathway is completed or transferred (DESIGN §6.3). The unit keeps its
// record of the referral (RecordHolders are untouched).
func endPathway(s PatientState, pathwayID, referralID string) PatientState {
	if _, ok := s.ActivePathways[pathwayID]; ok {
		m := maps.Clone(s.ActivePathways)
		delete(m, pathwayID)
		s.ActivePathways = m
	}
	if r, ok := s.Referrals[referralID]; ok && r.Open {
		r.Open = false
		s = putReferral(s, r)
	}
	return s
}
