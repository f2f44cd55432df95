package domain

import (
	"github.com/stafett/stafett/pkg/civil"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// capacityDomains are the domains a capacity assessment can name, in the
// order LegalStatus reports them. A function, not a variable, so nothing
// can change the list at run time.
func capacityDomains() []consentv1.CapacityDomain {
	return []consentv1.CapacityDomain{
		consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT,
		consentv1.CapacityDomain_CAPACITY_DOMAIN_MEDICATION,
		consentv1.CapacityDomain_CAPACITY_DOMAIN_SHARING,
	}
}

// CapacityStatus is who decides in one domain.
type CapacityStatus struct {
	Domain         consentv1.CapacityDomain
	PatientDecides bool
	// Assessment is the latest assessment in the domain, if any.
	Assessment *CapacityAssessment
}

// EpisodeStatus is a compulsory care episode and whether it is active on the date asked about.
type EpisodeStatus struct {
	CompulsoryCareEpisode
	Active bool
}

// LegalStatus is who decides for the patient on a date.
type LegalStatus struct {
	BirthDate civil.Date
	AgeBand   consentv1.AgeBand
	Capacity  []CapacityStatus // one per domain, in capacityDomains() order
	// CompulsoryCare is every episode, oldest first.
	CompulsoryCare []EpisodeStatus
	// ActiveCompulsoryCare is the kind active on the date, or UNSPECIFIED.
	ActiveCompulsoryCare consentv1.CompulsoryCareKind
	Representatives      []Representative
	// RepresentativesConsentJointly: a child's consent needs every parent
	// with parental responsibility when more than one holds it (Children Act
	// §35, shared responsibility).
	RepresentativesConsentJointly bool
}

// AgeBandOn is the age band of someone born on birth, on the date on.
func AgeBandOn(birth, on civil.Date) consentv1.AgeBand {
	if birth.IsZero() {
		return consentv1.AgeBand_AGE_BAND_UNKNOWN
	}
	switch age := birth.YearsOldOn(on); {
	case age >= 18:
		return consentv1.AgeBand_AGE_BAND_ADULT
	case age >= 16:
		return consentv1.AgeBand_AGE_BAND_YOUTH
	default:
		return consentv1.AgeBand_AGE_BAND_CHILD
	}
}

// LegalStatusOn derives the legal status on a date (Patient and User Rights
// Act ch. 4): from 16 the patient consents to health care themself, and is
// presumed to have capacity unless the latest assessment in a domain found
// otherwise; under 16 parents or guardians consent. An unknown age (no
// referral seen yet) falls back to the presumption of capacity, with the
// band UNKNOWN so callers can see the presumption was made.
func LegalStatusOn(s PatientState, on civil.Date) LegalStatus {
	ls := LegalStatus{BirthDate: s.BirthDate, AgeBand: AgeBandOn(s.BirthDate, on), Representatives: s.Representatives}
	for _, d := range capacityDomains() {
		cs := CapacityStatus{Domain: d, PatientDecides: ls.AgeBand != consentv1.AgeBand_AGE_BAND_CHILD}
		if a, ok := latestAssessment(s, d); ok {
			cs.Assessment = &a
			if cs.PatientDecides {
				cs.PatientDecides = a.HasCapacity
			}
		}
		ls.Capacity = append(ls.Capacity, cs)
	}
	for _, e := range s.CompulsoryCare {
		active := e.ActiveOn(on)
		ls.CompulsoryCare = append(ls.CompulsoryCare, EpisodeStatus{CompulsoryCareEpisode: e, Active: active})
		if active {
			ls.ActiveCompulsoryCare = e.Kind
		}
	}
	if ls.AgeBand == consentv1.AgeBand_AGE_BAND_CHILD {
		holders := 0
		for _, r := range s.Representatives {
			if r.Role == consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT && r.ParentalResponsibility {
				holders++
			}
		}
		ls.RepresentativesConsentJointly = holders > 1
	}
	return ls
}

// PatientDecides reports whether the patient consents themself in the domain.
func (ls LegalStatus) PatientDecides(d consentv1.CapacityDomain) bool {
	for _, c := range ls.Capacity {
		if c.Domain == d {
			return c.PatientDecides
		}
	}
	return false
}

// latestAssessment is the most recent assessment in a domain; a later one
// supersedes an earlier, because capacity can be regained or lost.
func latestAssessment(s PatientState, d consentv1.CapacityDomain) (CapacityAssessment, bool) {
	for i := len(s.CapacityAssessments) - 1; i >= 0; i-- {
		if a := s.CapacityAssessments[i]; a.Domain == d {
			return a, true
		}
	}
	return CapacityAssessment{}, false
}
