package domain_test

import (
	"testing"
	"time"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

func TestGrantConsentThenWithdraw(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	s := domain.Initial(patientID)
	ev, err := domain.DecideGrantConsent(s, domain.GrantConsent{ConsentID: "c1", RequestID: "req-1", PatientID: patientID,
		Grantee: domain.Party{Unit: domain.Unit{OrgNumber: navOrg}}, Categories: []consentv1.Category{catPlan, catPlan, catPathway},
		Purpose: consentv1.Purpose_PURPOSE_COORDINATION, By: clinician(), At: now})
	s = decided(t, s, ev, err)
	c, ok := s.Consent("c1")
	if !ok || len(c.Categories) != 2 || c.Grantee.Unit.OrgNumber != navOrg || c.RecordedBy != clinicianHPR {
		t.Fatalf("consent not folded as granted: %+v", c)
	}
	if id, ok := s.ResultOf(domain.Actor{ProfessionalID: clinicianHPR}, "req-1"); !ok || id != "c1" {
		t.Fatalf("request id not remembered: %q %v", id, ok)
	}
	_, err = domain.DecideGrantConsent(s, domain.GrantConsent{ConsentID: "c1", PatientID: patientID, Grantee: domain.Party{CareTeam: true},
		Categories: []consentv1.Category{catPlan}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT, At: now})
	wantPrecondition(t, err)

	ev, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{PatientID: patientID, ConsentID: "c1", By: clinician(), At: now})
	s = decided(t, s, ev, err)
	_, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{PatientID: patientID, ConsentID: "c1", At: now})
	wantPrecondition(t, err)
	_, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{PatientID: patientID, ConsentID: "nope", At: now})
	wantNotFound(t, err)
}

func TestGrantConsentRejectsBadInput(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	ok := domain.GrantConsent{ConsentID: "c1", PatientID: patientID, Grantee: domain.Party{ProfessionalID: strangerHPR},
		Categories: []consentv1.Category{catPlan}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT, At: now}
	cases := []struct {
		name  string
		edit  func(*domain.GrantConsent)
		field string
	}{
		{"no grantee", func(c *domain.GrantConsent) { c.Grantee = domain.Party{} }, "grantee"},
		{"two grantees", func(c *domain.GrantConsent) { c.Grantee.CareTeam = true }, "grantee"},
		{"bad professional id", func(c *domain.GrantConsent) { c.Grantee.ProfessionalID = "hpr:0123" }, "grantee.professional_id"},
		{"bad unit org number", func(c *domain.GrantConsent) { c.Grantee = domain.Party{Unit: domain.Unit{OrgNumber: "123456789"}} }, "grantee.unit.org_number"},
		{"no categories", func(c *domain.GrantConsent) { c.Categories = nil }, "categories"},
		{"unspecified category", func(c *domain.GrantConsent) { c.Categories = []consentv1.Category{0} }, "categories"},
		{"no purpose", func(c *domain.GrantConsent) { c.Purpose = 0 }, "purpose"},
		{"already expired", func(c *domain.GrantConsent) { c.ValidUntil = now.Add(-time.Minute) }, "valid_until"},
		{"no patient", func(c *domain.GrantConsent) { c.PatientID = "" }, "patient_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := ok
			tc.edit(&cmd)
			_, err := domain.DecideGrantConsent(domain.Initial(patientID), cmd)
			wantInvalid(t, err, tc.field)
		})
	}
	if _, err := domain.DecideGrantConsent(domain.Initial(patientID), ok); err != nil {
		t.Fatalf("valid command rejected: %v", err)
	}
}

func TestObjectionLifecycle(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	s := domain.Initial(patientID)
	_, err := domain.DecideRecordObjection(s, domain.RecordObjection{ObjectionID: "o1", PatientID: patientID,
		Against: domain.Party{ProfessionalID: navOfficer}, Categories: []consentv1.Category{catPlan}, At: now})
	wantInvalid(t, err, "against.professional_id")
	_, err = domain.DecideRecordObjection(s, domain.RecordObjection{ObjectionID: "o1", PatientID: patientID,
		Against: domain.Party{CareTeam: true}, Categories: []consentv1.Category{catPlan}, At: now})
	wantInvalid(t, err, "against.care_team")

	ev, err := domain.DecideRecordObjection(s, domain.RecordObjection{ObjectionID: "o1", PatientID: patientID,
		Against: domain.Party{Unit: domain.Unit{OrgNumber: unitOrg}}, Categories: []consentv1.Category{catAll}, By: clinician(), At: now})
	s = decided(t, s, ev, err)
	ev, err = domain.DecideLiftObjection(s, domain.LiftObjection{PatientID: patientID, ObjectionID: "o1", At: now})
	s = decided(t, s, ev, err)
	_, err = domain.DecideLiftObjection(s, domain.LiftObjection{PatientID: patientID, ObjectionID: "o1", At: now})
	wantPrecondition(t, err)
	_, err = domain.DecideLiftObjection(s, domain.LiftObjection{PatientID: patientID, ObjectionID: "o2", At: now})
	wantNotFound(t, err)
}

func TestOnlyHealthPersonnelAssessCapacity(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	cmd := domain.RecordCapacityAssessment{AssessmentID: "a1", PatientID: patientID, Domain: treatment, By: domain.Actor{ProfessionalID: navOfficer}, At: now}
	_, err := domain.DecideRecordCapacityAssessment(domain.Initial(patientID), cmd)
	wantPermission(t, err)
	cmd.By = clinician()
	s := decidedBy(t, domain.Initial(patientID))(domain.DecideRecordCapacityAssessment(domain.Initial(patientID), cmd))
	if len(s.CapacityAssessments) != 1 || s.CapacityAssessments[0].AssessedBy != clinicianHPR {
		t.Fatalf("assessment not folded: %+v", s.CapacityAssessments)
	}
	cmd.Domain = 0
	_, err = domain.DecideRecordCapacityAssessment(domain.Initial(patientID), cmd)
	wantInvalid(t, err, "domain")
}

func TestParentsRepresentOnlyMinors(t *testing.T) {
	p := policy(t)
	now := at(t, "2026-03-01T12:00:00Z")
	cmd := domain.RegisterRepresentative{RepresentativeID: "rep1", PatientID: patientID, PersonID: "pt_mum",
		Role: consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT, ParentalResponsibility: true, By: clinician(), At: now}

	adult := fold(domain.Initial(patientID), received("r1", unitOrg, "1990-01-01"))
	_, err := domain.DecideRegisterRepresentative(adult, cmd, p)
	wantPrecondition(t, err)

	child := fold(domain.Initial(patientID), received("r1", unitOrg, "2014-01-01"))
	ev, err := domain.DecideRegisterRepresentative(child, cmd, p)
	child = decided(t, child, ev, err)
	_, err = domain.DecideRegisterRepresentative(child, cmd, p)
	wantPrecondition(t, err)

	guardian := cmd
	guardian.Role, guardian.PersonID = consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_GUARDIAN, "pt_guardian"
	_, err = domain.DecideRegisterRepresentative(adult, guardian, p)
	wantInvalid(t, err, "parental_responsibility")
	guardian.ParentalResponsibility = false
	if _, err := domain.DecideRegisterRepresentative(adult, guardian, p); err != nil {
		t.Fatalf("guardian for an adult rejected: %v", err)
	}
	self := cmd
	self.PersonID = patientID
	_, err = domain.DecideRegisterRepresentative(child, self, p)
	wantInvalid(t, err, "person_id")
}

func TestCompulsoryCareOneEpisodeAtATime(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	start := domain.StartCompulsoryCare{EpisodeID: "e1", PatientID: patientID, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION,
		DecisionMaker: clinicianHPR, StartsOn: date(t, "2026-03-01"), By: clinician(), At: now}
	bad := start
	bad.DecisionMaker = navOfficer
	_, err := domain.DecideStartCompulsoryCare(domain.Initial(patientID), bad)
	wantInvalid(t, err, "decision_maker")

	s := decidedBy(t, domain.Initial(patientID))(domain.DecideStartCompulsoryCare(domain.Initial(patientID), start))
	second := start
	second.EpisodeID, second.Kind = "e2", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE
	_, err = domain.DecideStartCompulsoryCare(s, second)
	wantPrecondition(t, err)

	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{PatientID: patientID, EpisodeID: "e1", EndedOn: date(t, "2026-02-28"), At: now})
	wantInvalid(t, err, "ended_on")
	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{PatientID: patientID, EpisodeID: "nope", EndedOn: date(t, "2026-03-05"), At: now})
	wantNotFound(t, err)
	s = decidedBy(t, s)(domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{PatientID: patientID, EpisodeID: "e1", EndedOn: date(t, "2026-03-05"), At: now}))
	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{PatientID: patientID, EpisodeID: "e1", EndedOn: date(t, "2026-03-06"), At: now})
	wantPrecondition(t, err)
	second.StartsOn = date(t, "2026-03-06")
	if _, err := domain.DecideStartCompulsoryCare(s, second); err != nil {
		t.Fatalf("a new episode after the first ended was refused: %v", err)
	}
}

func TestContactAfterEndIsOffByDefault(t *testing.T) {
	now := at(t, "2026-03-01T12:00:00Z")
	s := domain.Initial(patientID)
	if s.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("contact after end must be off by default")
	}
	_, err := domain.DecideRevokeContactAfterEnd(s, domain.RevokeContactAfterEnd{PatientID: patientID, ProfessionalID: strangerHPR, At: now})
	wantNotFound(t, err)
	_, err = domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{PatientID: patientID, ProfessionalID: "someone", At: now})
	wantInvalid(t, err, "professional_id")

	s = decidedBy(t, s)(domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{PatientID: patientID, ProfessionalID: strangerHPR, At: now}))
	if !s.ContactAfterEndPermitted(strangerHPR) || s.ContactAfterEndPermitted(coordinatorHPR) {
		t.Fatal("permission must name exactly one professional")
	}
	_, err = domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{PatientID: patientID, ProfessionalID: strangerHPR, At: now})
	wantPrecondition(t, err)
	s = decidedBy(t, s)(domain.DecideRevokeContactAfterEnd(s, domain.RevokeContactAfterEnd{PatientID: patientID, ProfessionalID: strangerHPR, At: now}))
	if s.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("revoked permission still applies")
	}
}

func TestEmergencyAccessIsOpenedAndReviewed(t *testing.T) {
	p := policy(t)
	now := at(t, "2026-03-01T12:00:00Z")
	opener := domain.Actor{ProfessionalID: strangerHPR, OrgNumber: otherOrg}
	use := domain.UseEmergencyAccess{AccessID: "e1", PatientID: patientID, Reason: "unconscious in A&E", By: opener, At: now}

	noReason := use
	noReason.Reason = " "
	_, err := domain.DecideUseEmergencyAccess(domain.Initial(patientID), noReason, p)
	wantInvalid(t, err, "reason")
	nav := use
	nav.By = domain.Actor{ProfessionalID: navOfficer, OrgNumber: navOrg}
	_, err = domain.DecideUseEmergencyAccess(domain.Initial(patientID), nav, p)
	wantPermission(t, err)

	s := domain.Initial(patientID)
	s = decidedBy(t, s)(domain.DecideUseEmergencyAccess(s, use, p))
	e, _ := s.EmergencyAccess("e1")
	if !e.ExpiresAt.Equal(now.Add(4*time.Hour)) || e.Reviewed {
		t.Fatalf("access not time-boxed and flagged for review: %+v", e)
	}
	again := use
	again.AccessID, again.At = "e2", now.Add(time.Hour)
	_, err = domain.DecideUseEmergencyAccess(s, again, p)
	wantPrecondition(t, err)
	again.At = now.Add(5 * time.Hour)
	if _, err := domain.DecideUseEmergencyAccess(s, again, p); err != nil {
		t.Fatalf("reopening after expiry refused: %v", err)
	}

	review := domain.ReviewEmergencyAccess{PatientID: patientID, AccessID: "e1", Justified: true, Note: "correct", By: opener, At: now}
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	wantPrecondition(t, err) // not by the opener
	review.By = clinician()
	review.Note = ""
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	wantInvalid(t, err, "note")
	review.Note = "correct"
	s = decidedBy(t, s)(domain.DecideReviewEmergencyAccess(s, review))
	if e, _ := s.EmergencyAccess("e1"); !e.Reviewed || !e.Justified || e.ReviewedBy != clinicianHPR {
		t.Fatalf("review not folded: %+v", e)
	}
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	wantPrecondition(t, err)
	review.AccessID = "nope"
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	wantNotFound(t, err)
}
