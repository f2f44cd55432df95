package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

const (
	treatment = consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT
	sharing   = consentv1.CapacityDomain_CAPACITY_DOMAIN_SHARING
)

func assessed(d consentv1.CapacityDomain, has bool) *consentv1.CapacityAssessed {
	return &consentv1.CapacityAssessed{AssessmentId: "a-" + d.String(), PatientId: patientID, Domain: d, HasCapacity: has, AssessedBy: clinicianHPR}
}

func parent(id string, responsibility bool) *consentv1.RepresentativeRegistered {
	return &consentv1.RepresentativeRegistered{RepresentativeId: id, PatientId: patientID, PersonId: "pt_" + id,
		Role: consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT, ParentalResponsibility: responsibility}
}

func TestLegalStatusByAge(t *testing.T) {
	cases := []struct {
		name           string
		birth          string
		given          []proto.Message
		band           consentv1.AgeBand
		decidesTreat   bool
		decidesSharing bool
		jointly        bool
	}{
		{name: "TestAdultHasFullCapacity", birth: "1990-01-01", band: consentv1.AgeBand_AGE_BAND_ADULT, decidesTreat: true, decidesSharing: true},
		{name: "TestEighteenOnTheBirthday", birth: "2008-03-01", band: consentv1.AgeBand_AGE_BAND_ADULT, decidesTreat: true, decidesSharing: true},
		{name: "TestSixteenYearOldConsentsToHealthCareThemselves", birth: "2010-01-15", band: consentv1.AgeBand_AGE_BAND_YOUTH, decidesTreat: true, decidesSharing: true},
		{name: "TestCapacityAssessmentOverridesSixteenYearOld", birth: "2010-01-15", given: []proto.Message{assessed(treatment, false)},
			band: consentv1.AgeBand_AGE_BAND_YOUTH, decidesTreat: false, decidesSharing: true},
		{name: "TestLatestAssessmentCounts", birth: "1990-01-01", given: []proto.Message{assessed(sharing, false), assessed(sharing, true)},
			band: consentv1.AgeBand_AGE_BAND_ADULT, decidesTreat: true, decidesSharing: true},
		{name: "TestUnderSixteenConsentsThroughRepresentatives", birth: "2012-06-01", given: []proto.Message{parent("mum", true)},
			band: consentv1.AgeBand_AGE_BAND_CHILD},
		{name: "TestBothParentsWhenResponsibilityIsShared", birth: "2012-06-01", given: []proto.Message{parent("mum", true), parent("dad", true)},
			band: consentv1.AgeBand_AGE_BAND_CHILD, jointly: true},
		{name: "TestParentWithoutResponsibilityIsNotNeeded", birth: "2012-06-01", given: []proto.Message{parent("mum", true), parent("dad", false)},
			band: consentv1.AgeBand_AGE_BAND_CHILD},
		{name: "TestUnknownAgePresumesCapacity", band: consentv1.AgeBand_AGE_BAND_UNKNOWN, decidesTreat: true, decidesSharing: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var given []proto.Message
			if tc.birth != "" {
				given = append(given, received("r1", unitOrg, tc.birth))
			}
			s := fold(domain.Initial(patientID), append(given, tc.given...)...)
			ls := domain.LegalStatusOn(s, testkit.Date(t, "2026-03-01"))
			if ls.AgeBand != tc.band || ls.PatientDecides(treatment) != tc.decidesTreat ||
				ls.PatientDecides(sharing) != tc.decidesSharing || ls.RepresentativesConsentJointly != tc.jointly {
				t.Fatalf("got band %v treat %v sharing %v jointly %v", ls.AgeBand, ls.PatientDecides(treatment), ls.PatientDecides(sharing), ls.RepresentativesConsentJointly)
			}
		})
	}
}

func TestCompulsoryCareIsActiveBetweenItsDates(t *testing.T) {
	s := fold(domain.Initial(patientID),
		&consentv1.CompulsoryCareStarted{EpisodeId: "e1", Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION, StartsOn: "2026-02-01"},
		&consentv1.CompulsoryCareEnded{EpisodeId: "e1", EndedOn: "2026-02-10"},
		&consentv1.CompulsoryCareStarted{EpisodeId: "e2", Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE, StartsOn: "2026-02-11"})
	for _, tc := range []struct {
		on   string
		want consentv1.CompulsoryCareKind
	}{
		{"2026-01-31", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_UNSPECIFIED},
		{"2026-02-01", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION},
		{"2026-02-10", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION},
		{"2026-02-11", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE},
		{"2027-01-01", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE},
	} {
		if got := domain.LegalStatusOn(s, testkit.Date(t, tc.on)).ActiveCompulsoryCare; got != tc.want {
			t.Errorf("on %s: got %v, want %v", tc.on, got, tc.want)
		}
	}
}
