package domain

import (
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/fold"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Evolve applies one event from the shared stream to a patient's state. It
// folds the consent context's own events, the referral events that make a
// unit part of the care team (here), and the pathway and continuity events
// that do the same (evolve_pathway.go, evolve_continuity.go). Any other event
// returns the state it was given, unchanged (TestIgnoresUnrelatedEvents), so
// the memory image can feed it every event that carries the patient. It
// copies what it changes (slices.Clip before append, maps.Clone before write)
// so earlier states held by readers never move under them.
func Evolve(s PatientState, event proto.Message, c *eventsv1.Commit) PatientState {
	switch e := event.(type) {
	// --- consent context ---
	case *consentv1.ConsentGranted:
		s.Consents = append(slices.Clip(s.Consents), Consent{
			ID: e.GetConsentId(), Grantee: GranteeFromProto(e.GetGrantee()), Categories: e.GetCategories(),
			Purpose: e.GetPurpose(), ValidUntil: fold.Instant(e.GetValidUntil()), Method: e.GetMethod(),
			RecordedBy: e.GetRecordedBy(), GrantedAt: fold.Instant(e.GetGrantedAt()), ChosenByPatient: e.GetChosenByPatient(),
		})
		s = remember(s, c, e.GetConsentId())
	case *consentv1.ConsentWithdrawn:
		s.Consents = fold.Update(s.Consents, func(x Consent) bool { return x.ID == e.GetConsentId() },
			func(x Consent) Consent { x.WithdrawnAt = fold.Instant(e.GetWithdrawnAt()); return x })
		s = remember(s, c, e.GetConsentId())
	case *consentv1.ObjectionRecorded:
		s.Objections = append(slices.Clip(s.Objections), Objection{
			ID: e.GetObjectionId(), Against: TargetFromProto(e.GetAgainst()), Categories: e.GetCategories(),
			RecordedBy: e.GetRecordedBy(), RecordedAt: fold.Instant(e.GetRecordedAt()),
		})
		s = remember(s, c, e.GetObjectionId())
	case *consentv1.ObjectionLifted:
		s.Objections = fold.Update(s.Objections, func(x Objection) bool { return x.ID == e.GetObjectionId() },
			func(x Objection) Objection { x.LiftedAt = fold.Instant(e.GetLiftedAt()); return x })
		s = remember(s, c, e.GetObjectionId())
	case *consentv1.CapacityAssessed:
		s.CapacityAssessments = append(slices.Clip(s.CapacityAssessments), CapacityAssessment{
			ID: e.GetAssessmentId(), Domain: e.GetDomain(), HasCapacity: e.GetHasCapacity(),
			AssessedBy: e.GetAssessedBy(), AssessedAt: fold.Instant(e.GetAssessedAt()), Note: e.GetNote(),
		})
		s = remember(s, c, e.GetAssessmentId())
	case *consentv1.RepresentativeRegistered:
		s.Representatives = append(slices.Clip(s.Representatives), Representative{
			ID: e.GetRepresentativeId(), PersonID: e.GetPersonId(), Role: e.GetRole(),
			ParentalResponsibility: e.GetParentalResponsibility(), RegisteredBy: e.GetRegisteredBy(),
			RegisteredAt: fold.Instant(e.GetRegisteredAt()),
		})
		s = remember(s, c, e.GetRepresentativeId())
	case *consentv1.CompulsoryCareStarted:
		s.CompulsoryCare = append(slices.Clip(s.CompulsoryCare), CompulsoryCareEpisode{
			ID: e.GetEpisodeId(), Kind: e.GetKind(), DecisionMaker: e.GetDecisionMaker(),
			StartsOn: fold.Date(e.GetStartsOn()), RecordedBy: e.GetRecordedBy(),
		})
		s = remember(s, c, e.GetEpisodeId())
	case *consentv1.CompulsoryCareEnded:
		s.CompulsoryCare = fold.Update(s.CompulsoryCare, func(x CompulsoryCareEpisode) bool { return x.ID == e.GetEpisodeId() },
			func(x CompulsoryCareEpisode) CompulsoryCareEpisode { x.EndedOn = fold.Date(e.GetEndedOn()); return x })
		s = remember(s, c, e.GetEpisodeId())
	case *consentv1.ContactAfterEndPermitted:
		m := maps.Clone(s.ContactAfterEnd)
		if m == nil {
			m = map[string]time.Time{}
		}
		m[e.GetProfessionalId()] = fold.Instant(e.GetPermittedAt())
		s.ContactAfterEnd = m
		s = remember(s, c, e.GetProfessionalId())
	case *consentv1.ContactAfterEndRevoked:
		m := maps.Clone(s.ContactAfterEnd)
		delete(m, e.GetProfessionalId())
		s.ContactAfterEnd = m
		s = remember(s, c, e.GetProfessionalId())
	case *consentv1.EmergencyAccessOpened:
		s.EmergencyAccesses = append(slices.Clip(s.EmergencyAccesses), EmergencyAccess{
			ID: e.GetAccessId(), ProfessionalID: e.GetProfessionalId(), OrgNumber: e.GetOrgNumber(),
			Reason: e.GetReason(), OpenedAt: fold.Instant(e.GetOpenedAt()), ExpiresAt: fold.Instant(e.GetExpiresAt()),
		})
		s = remember(s, c, e.GetAccessId())
	case *consentv1.EmergencyAccessReviewed:
		s.EmergencyAccesses = fold.Update(s.EmergencyAccesses, func(x EmergencyAccess) bool { return x.ID == e.GetAccessId() },
			func(x EmergencyAccess) EmergencyAccess {
				x.Reviewed, x.Justified, x.ReviewNote = true, e.GetJustified(), e.GetNote()
				x.ReviewedBy, x.ReviewedAt = e.GetReviewedBy(), fold.Instant(e.GetReviewedAt())
				return x
			})
		s = remember(s, c, e.GetAccessId())

	// --- referral context: the receiving unit is in the care team ---
	case *referralv1.ReferralReceived:
		if d := fold.Date(e.GetPatientBirthDate()); !d.IsZero() {
			s.BirthDate = d
		}
		u := ids.UnitFromRef(e.GetReceivingUnit())
		s = putReferral(s, ReferralFact{ID: e.GetReferralId(), Unit: u, Open: true, RecordHolders: []string{u.OrgNumber}, Sender: e.GetSenderOrgNumber()})
	case *referralv1.ReferralAssessed:
		if d := fold.Date(e.GetPatientBirthDate()); !d.IsZero() && s.BirthDate.IsZero() {
			s.BirthDate = d
		}
		if r, ok := s.Referrals[e.GetReferralId()]; ok {
			// A granted right keeps the referral open until its pathway ends
			// (evolve_pathway.go closes it); no right closes it now.
			r.RightGranted = e.GetRightGranted() != nil
			r.Open = r.RightGranted
			s = putReferral(s, r)
		}
	case *referralv1.ReferralForwarded:
		if r, ok := s.Referrals[e.GetReferralId()]; ok {
			r.Unit = ids.UnitFromRef(e.GetToUnit())
			holders := slices.Clip(r.RecordHolders)
			for _, org := range []string{e.GetFromUnit().GetOrgNumber(), r.Unit.OrgNumber} {
				if org != "" && !slices.Contains(holders, org) {
					holders = append(holders, org)
				}
			}
			r.RecordHolders = holders
			s = putReferral(s, r)
		}
	case *referralv1.ReferralWithdrawn:
		if r, ok := s.Referrals[e.GetReferralId()]; ok {
			r.Open = false
			s = putReferral(s, r)
		}
	default:
		// The pathway and continuity contexts fold in files of their own.
		s = evolvePathwayFacts(s, event)
		s = evolveContinuityFacts(s, event)
	}
	return s
}

func putReferral(s PatientState, r ReferralFact) PatientState {
	m := maps.Clone(s.Referrals)
	if m == nil {
		m = map[string]ReferralFact{}
	}
	m[r.ID] = r
	s.Referrals = m
	return s
}

// remember records what the commit created or changed under its idempotency
// key, so the state it left behind says what its command answered.
func remember(s PatientState, c *eventsv1.Commit, created string) PatientState {
	key := c.GetIdempotencyKey()
	if key == "" {
		return s
	}
	m := maps.Clone(s.Created)
	if m == nil {
		m = map[string]string{}
	}
	m[key] = created
	s.Created = m
	return s
}
