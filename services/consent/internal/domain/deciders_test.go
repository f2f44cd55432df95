package domain_test

import (
	"testing"
	"time"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

func TestGrantConsentThenWithdraw(t *testing.T) {
	now := noon(t)
	s := domain.Initial(patientID)
	ev, err := domain.DecideGrantConsent(s, domain.GrantConsent{ConsentID: "c1",
		Grantee: domain.Party{Unit: domain.Unit{OrgNumber: navOrg}}, Categories: []consentv1.Category{catPlan, catPlan, catPathway},
		Purpose: consentv1.Purpose_PURPOSE_COORDINATION, By: clinician(), At: now})
	s = decided(t, s, ev, err)
	c, ok := s.Consent("c1")
	if !ok || len(c.Categories) != 2 || c.Grantee.Unit.OrgNumber != navOrg || c.RecordedBy != clinicianHPR {
		t.Fatalf("consent not folded as granted: %+v", c)
	}
	_, err = domain.DecideGrantConsent(s, domain.GrantConsent{ConsentID: "c1", Grantee: domain.Party{CareTeam: true},
		Categories: []consentv1.Category{catPlan}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT, At: now})
	testkit.ExpectErr(t, err, testkit.Precondition)

	ev, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{ConsentID: "c1", By: clinician(), At: now})
	s = decided(t, s, ev, err)
	_, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{ConsentID: "c1", At: now})
	testkit.ExpectErr(t, err, testkit.Precondition)
	_, err = domain.DecideWithdrawConsent(s, domain.WithdrawConsent{ConsentID: "nope", At: now})
	testkit.ExpectErr(t, err, testkit.NotFound)
}

func TestAConsentAlreadyExpiredWhenRecordedIsRefused(t *testing.T) {
	now := noon(t)
	cmd := domain.GrantConsent{ConsentID: "c1", Grantee: domain.Party{ProfessionalID: strangerHPR},
		Categories: []consentv1.Category{catPlan}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT, At: now}
	for _, until := range []time.Time{now.Add(-time.Minute), now} {
		cmd.ValidUntil = until
		_, err := domain.DecideGrantConsent(domain.Initial(patientID), cmd)
		testkit.ExpectErr(t, err, testkit.Invalid, "valid_until")
	}
	cmd.ValidUntil = now.Add(time.Minute)
	if _, err := domain.DecideGrantConsent(domain.Initial(patientID), cmd); err != nil {
		t.Fatalf("a consent valid for another minute was refused: %v", err)
	}
}

// TestTheStateACommitLeavesSaysWhatItCreated: a command's answer (the id of
// the consent it granted) is read from the state its commit left, under the
// commit's idempotency key, so a replay answers the same id.
func TestTheStateACommitLeavesSaysWhatItCreated(t *testing.T) {
	ev, err := domain.DecideGrantConsent(domain.Initial(patientID), domain.GrantConsent{ConsentID: "c1",
		Grantee: domain.Party{CareTeam: true}, Categories: []consentv1.Category{catPlan},
		Purpose: consentv1.Purpose_PURPOSE_TREATMENT, By: clinician(), At: noon(t)})
	if err != nil {
		t.Fatal(err)
	}
	s := domain.Evolve(domain.Initial(patientID), testkit.Single[*consentv1.ConsentGranted](t, ev),
		&eventsv1.Commit{PatientId: patientID, IdempotencyKey: unitOrg + "/req-1"})
	if id, ok := s.CreatedBy(unitOrg + "/req-1"); !ok || id != "c1" {
		t.Fatalf("CreatedBy = %q %v, want c1", id, ok)
	}
	if _, ok := s.CreatedBy(otherOrg + "/req-1"); ok {
		t.Fatal("another caller's key found what this request created")
	}
	if _, ok := s.CreatedBy(""); ok {
		t.Fatal("the empty key found something")
	}
}

func TestObjectionLifecycle(t *testing.T) {
	now := noon(t)
	s := domain.Initial(patientID)
	_, err := domain.DecideRecordObjection(s, domain.RecordObjection{ObjectionID: "o1",
		Against: domain.Party{ProfessionalID: navOfficer}, Categories: []consentv1.Category{catPlan}, At: now})
	testkit.ExpectErr(t, err, testkit.Invalid, "against.professional_id")

	ev, err := domain.DecideRecordObjection(s, domain.RecordObjection{ObjectionID: "o1",
		Against: domain.Party{Unit: domain.Unit{OrgNumber: unitOrg}}, Categories: []consentv1.Category{catAll}, By: clinician(), At: now})
	s = decided(t, s, ev, err)
	ev, err = domain.DecideLiftObjection(s, domain.LiftObjection{ObjectionID: "o1", At: now})
	s = decided(t, s, ev, err)
	_, err = domain.DecideLiftObjection(s, domain.LiftObjection{ObjectionID: "o1", At: now})
	testkit.ExpectErr(t, err, testkit.Precondition)
	_, err = domain.DecideLiftObjection(s, domain.LiftObjection{ObjectionID: "o2", At: now})
	testkit.ExpectErr(t, err, testkit.NotFound)
}

func TestCapacityAssessmentIsRecordedWithWhoAssessed(t *testing.T) {
	cmd := domain.RecordCapacityAssessment{AssessmentID: "a1", Domain: treatment, Note: "assessed in conversation", By: clinician(), At: noon(t)}
	s := decidedBy(t, domain.Initial(patientID))(domain.DecideRecordCapacityAssessment(domain.Initial(patientID), cmd))
	if len(s.CapacityAssessments) != 1 || s.CapacityAssessments[0].AssessedBy != clinicianHPR || s.CapacityAssessments[0].Note != cmd.Note {
		t.Fatalf("assessment not folded: %+v", s.CapacityAssessments)
	}
}

func TestParentsRepresentOnlyMinors(t *testing.T) {
	p := policy(t)
	cmd := domain.RegisterRepresentative{RepresentativeID: "rep1", PersonID: "pt_mum",
		Role: consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT, ParentalResponsibility: true, By: clinician(), At: noon(t)}

	adult := fold(domain.Initial(patientID), received("r1", unitOrg, "1990-01-01"))
	_, err := domain.DecideRegisterRepresentative(adult, cmd, p)
	testkit.ExpectErr(t, err, testkit.Precondition)

	child := fold(domain.Initial(patientID), received("r1", unitOrg, "2014-01-01"))
	ev, err := domain.DecideRegisterRepresentative(child, cmd, p)
	child = decided(t, child, ev, err)
	_, err = domain.DecideRegisterRepresentative(child, cmd, p)
	testkit.ExpectErr(t, err, testkit.Precondition)

	guardian := cmd
	guardian.Role, guardian.PersonID = consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_GUARDIAN, "pt_guardian"
	_, err = domain.DecideRegisterRepresentative(adult, guardian, p)
	testkit.ExpectErr(t, err, testkit.Invalid, "parental_responsibility")
	guardian.ParentalResponsibility = false
	if _, err := domain.DecideRegisterRepresentative(adult, guardian, p); err != nil {
		t.Fatalf("guardian for an adult rejected: %v", err)
	}
	self := cmd
	self.PersonID = patientID
	_, err = domain.DecideRegisterRepresentative(child, self, p)
	testkit.ExpectErr(t, err, testkit.Invalid, "person_id")
}

func TestCompulsoryCareOneEpisodeAtATime(t *testing.T) {
	now := noon(t)
	start := domain.StartCompulsoryCare{EpisodeID: "e1", Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION,
		DecisionMaker: clinicianHPR, StartsOn: testkit.Date(t, "2026-03-01"), By: clinician(), At: now}
	bad := start
	bad.DecisionMaker = navOfficer
	_, err := domain.DecideStartCompulsoryCare(domain.Initial(patientID), bad)
	testkit.ExpectErr(t, err, testkit.Invalid, "decision_maker")

	s := decidedBy(t, domain.Initial(patientID))(domain.DecideStartCompulsoryCare(domain.Initial(patientID), start))
	second := start
	second.EpisodeID, second.Kind = "e2", consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE
	_, err = domain.DecideStartCompulsoryCare(s, second)
	testkit.ExpectErr(t, err, testkit.Precondition)

	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{EpisodeID: "e1", EndedOn: testkit.Date(t, "2026-02-28"), At: now})
	testkit.ExpectErr(t, err, testkit.Invalid, "ended_on")
	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{EpisodeID: "nope", EndedOn: testkit.Date(t, "2026-03-05"), At: now})
	testkit.ExpectErr(t, err, testkit.NotFound)
	s = decidedBy(t, s)(domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{EpisodeID: "e1", EndedOn: testkit.Date(t, "2026-03-05"), At: now}))
	_, err = domain.DecideEndCompulsoryCare(s, domain.EndCompulsoryCare{EpisodeID: "e1", EndedOn: testkit.Date(t, "2026-03-06"), At: now})
	testkit.ExpectErr(t, err, testkit.Precondition)
	second.StartsOn = testkit.Date(t, "2026-03-06")
	if _, err := domain.DecideStartCompulsoryCare(s, second); err != nil {
		t.Fatalf("a new episode after the first ended was refused: %v", err)
	}
}

func TestContactAfterEndIsOffByDefault(t *testing.T) {
	now := noon(t)
	s := domain.Initial(patientID)
	if s.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("contact after end must be off by default")
	}
	_, err := domain.DecideRevokeContactAfterEnd(s, domain.RevokeContactAfterEnd{ProfessionalID: strangerHPR, At: now})
	testkit.ExpectErr(t, err, testkit.NotFound)

	s = decidedBy(t, s)(domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{ProfessionalID: strangerHPR, At: now}))
	if !s.ContactAfterEndPermitted(strangerHPR) || s.ContactAfterEndPermitted(coordinatorHPR) {
		t.Fatal("permission must name exactly one professional")
	}
	_, err = domain.DecidePermitContactAfterEnd(s, domain.PermitContactAfterEnd{ProfessionalID: strangerHPR, At: now})
	testkit.ExpectErr(t, err, testkit.Precondition)
	s = decidedBy(t, s)(domain.DecideRevokeContactAfterEnd(s, domain.RevokeContactAfterEnd{ProfessionalID: strangerHPR, At: now}))
	if s.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("revoked permission still applies")
	}
}

func TestEmergencyAccessIsOpenedAndReviewed(t *testing.T) {
	p := policy(t)
	now := noon(t)
	opener := access.Actor{ProfessionalID: strangerHPR, OrgNumber: otherOrg}
	use := domain.UseEmergencyAccess{AccessID: "e1", Reason: "unconscious in A&E", By: opener, At: now}

	s := domain.Initial(patientID)
	s = decidedBy(t, s)(domain.DecideUseEmergencyAccess(s, use, p))
	e, _ := s.EmergencyAccess("e1")
	if !e.ExpiresAt.Equal(now.Add(4*time.Hour)) || e.Reviewed || e.OrgNumber != otherOrg {
		t.Fatalf("access not time-boxed and flagged for review: %+v", e)
	}
	again := use
	again.AccessID, again.At = "e2", now.Add(time.Hour)
	_, err := domain.DecideUseEmergencyAccess(s, again, p)
	testkit.ExpectErr(t, err, testkit.Precondition)
	again.At = now.Add(5 * time.Hour)
	if _, err := domain.DecideUseEmergencyAccess(s, again, p); err != nil {
		t.Fatalf("reopening after expiry refused: %v", err)
	}

	review := domain.ReviewEmergencyAccess{AccessID: "e1", Justified: true, Note: "correct", By: clinician(), At: now}
	s = decidedBy(t, s)(domain.DecideReviewEmergencyAccess(s, review))
	if e, _ := s.EmergencyAccess("e1"); !e.Reviewed || !e.Justified || e.ReviewedBy != clinicianHPR {
		t.Fatalf("review not folded: %+v", e)
	}
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	testkit.ExpectErr(t, err, testkit.Precondition)
	review.AccessID = "nope"
	_, err = domain.DecideReviewEmergencyAccess(s, review)
	testkit.ExpectErr(t, err, testkit.NotFound)
}

func TestEmergencyAccessNeedsConfiguration(t *testing.T) {
	_, err := domain.DecideUseEmergencyAccess(domain.Initial(patientID),
		domain.UseEmergencyAccess{AccessID: "e1", Reason: "r", By: clinician(), At: noon(t)}, domain.Policy{})
	testkit.ExpectErr(t, err, testkit.Precondition)
}
