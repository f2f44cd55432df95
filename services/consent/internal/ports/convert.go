package ports

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/app"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// ts is an instant's wire form; the zero instant (not withdrawn, no
// expiry) is no timestamp.
func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func consentProto(patientID string, c domain.Consent) *consentv1.Consent {
	return &consentv1.Consent{
		ConsentId: c.ID, PatientId: patientID, Grantee: domain.GranteeProto(c.Grantee), Categories: c.Categories,
		Purpose: c.Purpose, ValidUntil: ts(c.ValidUntil), Method: c.Method, RecordedBy: c.RecordedBy,
		GrantedAt: ts(c.GrantedAt), WithdrawnAt: ts(c.WithdrawnAt), ChosenByPatient: c.ChosenByPatient,
	}
}

func emergencyProto(e app.PatientEmergencyAccess) *consentv1.EmergencyAccess {
	return &consentv1.EmergencyAccess{
		AccessId: e.ID, PatientId: e.PatientID, ProfessionalId: e.ProfessionalID, OrgNumber: e.OrgNumber, Reason: e.Reason,
		OpenedAt: ts(e.OpenedAt), ExpiresAt: ts(e.ExpiresAt), Reviewed: e.Reviewed, Justified: e.Justified,
		ReviewNote: e.ReviewNote, ReviewedBy: e.ReviewedBy, ReviewedAt: ts(e.ReviewedAt),
	}
}

func legalStatusProto(patientID string, ls domain.LegalStatus) *consentv1.LegalStatus {
	out := &consentv1.LegalStatus{
		PatientId: patientID, BirthDate: ls.BirthDate.String(), AgeBand: ls.AgeBand,
		ActiveCompulsoryCare: ls.ActiveCompulsoryCare, RepresentativesConsentJointly: ls.RepresentativesConsentJointly,
	}
	for _, c := range ls.Capacity {
		cs := &consentv1.CapacityStatus{Domain: c.Domain, PatientDecides: c.PatientDecides}
		if a := c.Assessment; a != nil {
			cs.Assessment = &consentv1.CapacityAssessment{
				AssessmentId: a.ID, Domain: a.Domain, HasCapacity: a.HasCapacity, AssessedBy: a.AssessedBy, AssessedAt: ts(a.AssessedAt), Note: a.Note,
			}
		}
		out.Capacity = append(out.Capacity, cs)
	}
	for _, e := range ls.CompulsoryCare {
		out.CompulsoryCare = append(out.CompulsoryCare, &consentv1.CompulsoryCareEpisode{
			EpisodeId: e.ID, Kind: e.Kind, DecisionMaker: e.DecisionMaker, StartsOn: e.StartsOn.String(), EndedOn: e.EndedOn.String(), Active: e.Active,
		})
	}
	for _, r := range ls.Representatives {
		out.Representatives = append(out.Representatives, &consentv1.Representative{
			RepresentativeId: r.ID, PersonId: r.PersonID, Role: r.Role, ParentalResponsibility: r.ParentalResponsibility,
			RegisteredBy: r.RegisteredBy, RegisteredAt: ts(r.RegisteredAt),
		})
	}
	return out
}
