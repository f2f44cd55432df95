package domain_test

import (
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/testkit"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

const (
	catReferral = consentv1.Category_CATEGORY_REFERRAL
	catPathway  = consentv1.Category_CATEGORY_PATHWAY
	catPlan     = consentv1.Category_CATEGORY_PLAN
	catAll      = consentv1.Category_CATEGORY_ALL

	basisNone     = consentv1.Basis_BASIS_UNSPECIFIED
	basisOwn      = consentv1.Basis_BASIS_OWN_DATA
	basisConsent  = consentv1.Basis_BASIS_CONSENT
	basisTeam     = consentv1.Basis_BASIS_CARE_TEAM
	basisEmerg    = consentv1.Basis_BASIS_EMERGENCY
	basisRecorder = consentv1.Basis_BASIS_RECORD_HOLDER
)

type accessCase struct {
	name    string
	given   []proto.Message
	setup   func(domain.PatientState) domain.PatientState // for hooks without events yet
	actor   string
	org     string
	self    bool
	cat     consentv1.Category
	purpose consentv1.Purpose
	now     time.Time // zero: noon
	permit  bool
	basis   consentv1.Basis
	consent string
}

func runAccess(t *testing.T, cases []accessCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fold(domain.Initial(patientID), tc.given...)
			if tc.setup != nil {
				s = tc.setup(s)
			}
			now := tc.now
			if now.IsZero() {
				now = noon(t)
			}
			got := domain.CheckAccess(s, domain.AccessRequest{
				ActorProfessionalID: tc.actor, ActorOrgNumber: tc.org, ActorIsPatientSelf: tc.self,
				Category: tc.cat, Purpose: tc.purpose, Now: now,
			})
			want := domain.AccessDecision{Permit: tc.permit, Basis: tc.basis, ConsentID: tc.consent}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestPatientReadsOwnData(t *testing.T) {
	runAccess(t, []accessCase{
		{name: "own data without anything else", self: true, cat: catPlan, permit: true, basis: basisOwn},
	})
}

func TestStrangerIsDenied(t *testing.T) {
	runAccess(t, []accessCase{
		{name: "unknown patient", actor: strangerHPR, org: otherOrg, cat: catReferral},
		{name: "known patient, unrelated professional", given: []proto.Message{received("r1", unitOrg, "1990-01-01")},
			actor: strangerHPR, org: otherOrg, cat: catReferral},
		{name: "malformed actor id", given: []proto.Message{received("r1", unitOrg, "1990-01-01")},
			actor: "1234567", org: unitOrg, cat: catReferral},
		{name: "CATEGORY_ALL is never granted as a read", given: []proto.Message{received("r1", unitOrg, "1990-01-01")},
			actor: clinicianHPR, org: unitOrg, cat: catAll},
	})
}

func TestReceivingUnitIsInCareTeamWhileReferralOpen(t *testing.T) {
	r := received("r1", unitOrg, "1990-01-01")
	runAccess(t, []accessCase{
		{name: "received", given: []proto.Message{r}, actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "right granted keeps it open", given: []proto.Message{r, granted("r1")}, actor: clinicianHPR, org: unitOrg, cat: catPlan, permit: true, basis: basisTeam},
		{name: "no right closes it", given: []proto.Message{r, noRight("r1")}, actor: clinicianHPR, org: unitOrg, cat: catPathway},
		{name: "withdrawal closes it", given: []proto.Message{r, withdrawn("r1")}, actor: clinicianHPR, org: unitOrg, cat: catPathway},
		{name: "forwarded: the new unit is in the team", given: []proto.Message{r, forwarded("r1", unitOrg, newUnitOrg)},
			actor: strangerHPR, org: newUnitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "forwarded: the old unit is not", given: []proto.Message{r, forwarded("r1", unitOrg, newUnitOrg)},
			actor: clinicianHPR, org: unitOrg, cat: catPathway},
	})
}

func TestReceivingUnitKeepsItsReferralRecordAfterClosing(t *testing.T) {
	r := received("r1", unitOrg, "1990-01-01")
	runAccess(t, []accessCase{
		{name: "closed by no right", given: []proto.Message{r, noRight("r1")}, actor: clinicianHPR, org: unitOrg, cat: catReferral, permit: true, basis: basisRecorder},
		{name: "closed by withdrawal", given: []proto.Message{r, withdrawn("r1")}, actor: clinicianHPR, org: unitOrg, cat: catReferral, permit: true, basis: basisRecorder},
		{name: "unit it was forwarded from", given: []proto.Message{r, forwarded("r1", unitOrg, newUnitOrg)}, actor: clinicianHPR, org: unitOrg, cat: catReferral, permit: true, basis: basisRecorder},
		{name: "only the referral category", given: []proto.Message{r, noRight("r1")}, actor: clinicianHPR, org: unitOrg, cat: catPlan},
		{name: "not for ext: professionals at that org", given: []proto.Message{r, noRight("r1")}, actor: "ext:983974899:clerk", org: unitOrg, cat: catReferral},
	})
}

func TestObjectionOverridesCareTeamSharing(t *testing.T) {
	r := received("r1", unitOrg, "1990-01-01")
	runAccess(t, []accessCase{
		{name: "objection against the professional", given: []proto.Message{r, objectionAgainstProfessional("o1", clinicianHPR, catPathway)},
			actor: clinicianHPR, org: unitOrg, cat: catPathway},
		{name: "objection against the unit", given: []proto.Message{r, objectionAgainstUnit("o1", unitOrg, catAll)},
			actor: strangerHPR, org: unitOrg, cat: catPlan},
		{name: "objection for another category does not apply", given: []proto.Message{r, objectionAgainstProfessional("o1", clinicianHPR, catPlan)},
			actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "a lifted objection no longer applies", given: []proto.Message{r, objectionAgainstProfessional("o1", clinicianHPR, catPathway),
			&consentv1.ObjectionLifted{ObjectionId: "o1", PatientId: patientID, LiftedAt: timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))}},
			actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: true, basis: basisTeam},
		{name: "objection also overrides a consent to the care team", given: []proto.Message{r, consentTo("c1", toCareTeam(), time.Time{}, catAll),
			objectionAgainstProfessional("o1", clinicianHPR, catPathway)}, actor: clinicianHPR, org: unitOrg, cat: catPathway},
		{name: "a consent naming the professional still applies", given: []proto.Message{r, consentTo("c1", toProfessional(clinicianHPR), time.Time{}, catPathway),
			objectionAgainstProfessional("o1", clinicianHPR, catPathway)}, actor: clinicianHPR, org: unitOrg, cat: catPathway, permit: true, basis: basisConsent, consent: "c1"},
		{name: "while the referral is open an objection takes the unit's access to it", given: []proto.Message{r, objectionAgainstUnit("o1", unitOrg, catAll)},
			actor: clinicianHPR, org: unitOrg, cat: catReferral},
		{name: "once closed the unit keeps its own referral record despite an objection", given: []proto.Message{r, objectionAgainstUnit("o1", unitOrg, catAll), withdrawn("r1")},
			actor: clinicianHPR, org: unitOrg, cat: catReferral, permit: true, basis: basisRecorder},
	})
}

func TestNAVReachesDataOnlyByConsent(t *testing.T) {
	r := received("r1", navOrg, "1990-01-01") // even a referral "received" at NAV's org gives no §25 access
	runAccess(t, []accessCase{
		{name: "no consent, open referral at the org", given: []proto.Message{r}, actor: navOfficer, org: navOrg, cat: catPathway},
		{name: "no consent, record at the org", given: []proto.Message{r, noRight("r1")}, actor: navOfficer, org: navOrg, cat: catReferral},
		{name: "care-team consent does not reach NAV", given: []proto.Message{r, consentTo("c1", toCareTeam(), time.Time{}, catAll)},
			actor: navOfficer, org: navOrg, cat: catPlan},
		{name: "consent to NAV's unit", given: []proto.Message{consentTo("c1", toUnit(navOrg), time.Time{}, catPlan)},
			actor: navOfficer, org: navOrg, cat: catPlan, permit: true, basis: basisConsent, consent: "c1"},
		{name: "consent to NAV's unit, org taken from the ext id", given: []proto.Message{consentTo("c1", toUnit(navOrg), time.Time{}, catPlan)},
			actor: navOfficer, cat: catPlan, permit: true, basis: basisConsent, consent: "c1"},
		{name: "consent to the officer by name", given: []proto.Message{consentTo("c1", toProfessional(navOfficer), time.Time{}, catAll)},
			actor: navOfficer, org: navOrg, cat: catPathway, permit: true, basis: basisConsent, consent: "c1"},
		{name: "consent for another category", given: []proto.Message{consentTo("c1", toProfessional(navOfficer), time.Time{}, catPlan)},
			actor: navOfficer, org: navOrg, cat: catPathway},
		{name: "no emergency door for NAV", given: []proto.Message{&consentv1.EmergencyAccessOpened{AccessId: "e1", ProfessionalId: navOfficer,
			OpenedAt: timestamppb.New(time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)), ExpiresAt: timestamppb.New(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))}},
			actor: navOfficer, org: navOrg, cat: catPlan},
	})
}

func TestValidConsentPermits(t *testing.T) {
	runAccess(t, []accessCase{
		{name: "to a professional", given: []proto.Message{consentTo("c1", toProfessional(strangerHPR), time.Time{}, catPlan)},
			actor: strangerHPR, org: otherOrg, cat: catPlan, permit: true, basis: basisConsent, consent: "c1"},
		{name: "to a unit, compared by org number", given: []proto.Message{consentTo("c1", toUnit(otherOrg), time.Time{}, catAll)},
			actor: strangerHPR, org: otherOrg, cat: catPathway, permit: true, basis: basisConsent, consent: "c1"},
		{name: "to the care team, for a member", given: []proto.Message{received("r1", unitOrg, ""), consentTo("c1", toCareTeam(), time.Time{}, catPlan)},
			actor: clinicianHPR, org: unitOrg, cat: catPlan, permit: true, basis: basisConsent, consent: "c1"},
		{name: "to the care team, not for others", given: []proto.Message{received("r1", unitOrg, ""), consentTo("c1", toCareTeam(), time.Time{}, catPlan)},
			actor: strangerHPR, org: otherOrg, cat: catPlan},
		{name: "purpose never denies", given: []proto.Message{consentTo("c1", toProfessional(strangerHPR), time.Time{}, catPlan)},
			actor: strangerHPR, org: otherOrg, cat: catPlan, purpose: consentv1.Purpose_PURPOSE_ADMINISTRATION, permit: true, basis: basisConsent, consent: "c1"},
		{name: "withdrawn consent", given: []proto.Message{consentTo("c1", toProfessional(strangerHPR), time.Time{}, catPlan),
			&consentv1.ConsentWithdrawn{ConsentId: "c1", WithdrawnAt: timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))}},
			actor: strangerHPR, org: otherOrg, cat: catPlan},
	})
}

func TestExpiredConsentDoesNotPermit(t *testing.T) {
	until := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	given := []proto.Message{consentTo("c1", toProfessional(strangerHPR), until, catPlan)}
	runAccess(t, []accessCase{
		{name: "a second before expiry", given: given, actor: strangerHPR, org: otherOrg, cat: catPlan, now: until.Add(-time.Second), permit: true, basis: basisConsent, consent: "c1"},
		{name: "at expiry", given: given, actor: strangerHPR, org: otherOrg, cat: catPlan, now: until},
		{name: "after expiry", given: given, actor: strangerHPR, org: otherOrg, cat: catPlan, now: testkit.At(t, "2026-04-01 00:00")},
	})
}

func TestEmergencyAccessIsTimeBoxed(t *testing.T) {
	opened := &consentv1.EmergencyAccessOpened{AccessId: "e1", PatientId: patientID, ProfessionalId: strangerHPR, OrgNumber: otherOrg,
		Reason: "unconscious", OpenedAt: timestamppb.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		ExpiresAt: timestamppb.New(time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC))}
	runAccess(t, []accessCase{
		{name: "while open", given: []proto.Message{opened}, actor: strangerHPR, org: otherOrg, cat: catPlan, now: testkit.At(t, "2026-03-01 14:00"), permit: true, basis: basisEmerg},
		{name: "after it expired", given: []proto.Message{opened}, actor: strangerHPR, org: otherOrg, cat: catPlan, now: testkit.At(t, "2026-03-01 15:00")},
		{name: "only for whoever opened it", given: []proto.Message{opened}, actor: coordinatorHPR, org: otherOrg, cat: catPlan, now: testkit.At(t, "2026-03-01 14:00")},
	})
}

func TestPathwayAndCareRelationshipHooksJoinTheCareTeam(t *testing.T) {
	pathway := func(s domain.PatientState) domain.PatientState {
		s.ActivePathways = map[string]domain.PathwayFact{"p1": {ID: "p1", Unit: domain.Unit{OrgNumber: newUnitOrg}, CoordinatorProfessionalID: coordinatorHPR}}
		return s
	}
	relationship := func(s domain.PatientState) domain.PatientState {
		s.ActiveCareRelationships = map[string]domain.CareRelationshipFact{"cr1": {ID: "cr1", ProfessionalID: strangerHPR, OrgNumber: otherOrg}}
		return s
	}
	runAccess(t, []accessCase{
		{name: "pathway unit", setup: pathway, actor: clinicianHPR, org: newUnitOrg, cat: catPlan, permit: true, basis: basisTeam},
		{name: "pathway coordinator at any org", setup: pathway, actor: coordinatorHPR, org: otherOrg, cat: catPlan, permit: true, basis: basisTeam},
		{name: "care relationship", setup: relationship, actor: strangerHPR, org: otherOrg, cat: catPlan, permit: true, basis: basisTeam},
		{name: "coordinator objected to", setup: pathway, given: []proto.Message{objectionAgainstProfessional("o1", coordinatorHPR, catPlan)},
			actor: coordinatorHPR, org: otherOrg, cat: catPlan, permit: false, basis: basisNone},
	})
}

// TestEvolveDoesNotMutateEarlierStates guards the copy-on-write contract a
// memory image relies on: a reader holding an older state sees it unchanged.
func TestEvolveDoesNotMutateEarlierStates(t *testing.T) {
	s1 := fold(domain.Initial(patientID), received("r1", unitOrg, "1990-01-01"),
		consentTo("c1", toProfessional(strangerHPR), time.Time{}, catPlan), objectionAgainstUnit("o1", otherOrg, catPlan))
	s2 := fold(s1, noRight("r1"),
		&consentv1.ConsentWithdrawn{ConsentId: "c1", WithdrawnAt: timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))},
		&consentv1.ObjectionLifted{ObjectionId: "o1", LiftedAt: timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))},
		&consentv1.ContactAfterEndPermitted{ProfessionalId: strangerHPR})
	if !s1.Referrals["r1"].Open || s1.Consents[0].Withdrawn() || s1.Objections[0].Lifted() || s1.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("evolving s1 changed it")
	}
	if s2.Referrals["r1"].Open || !s2.Consents[0].Withdrawn() || !s2.Objections[0].Lifted() || !s2.ContactAfterEndPermitted(strangerHPR) {
		t.Fatal("s2 lacks the changes")
	}
}

// TestIgnoresUnrelatedEvents holds Evolve to its comment: an event of no
// fact the consent context folds returns the state it was given, whatever
// the commit carries.
func TestIgnoresUnrelatedEvents(t *testing.T) {
	before := fold(domain.Initial(patientID), received("r1", unitOrg, "1990-01-01"),
		consentTo("c1", toProfessional(strangerHPR), time.Time{}, catPlan), objectionAgainstUnit("o1", otherOrg, catPlan))
	commit := &eventsv1.Commit{PatientId: "pt_another", IdempotencyKey: unitOrg + "/r", Actor: &eventsv1.Actor{ProfessionalId: clinicianHPR}}
	for _, e := range []proto.Message{
		&eventsv1.UnitRef{OrgNumber: unitOrg},
		&referralv1.AssessmentDeadlineBreached{ReferralId: "r1"}, &referralv1.FirstAppointmentScheduled{ReferralId: "r1"},
	} {
		if after := domain.Evolve(before, e, commit); !reflect.DeepEqual(after, before) {
			t.Fatalf("%T changed the state:\nbefore %+v\nafter  %+v", e, before, after)
		}
		if after := domain.Evolve(domain.Initial(""), e, commit); !reflect.DeepEqual(after, domain.Initial("")) {
			t.Fatalf("%T changed an initial state: %+v", e, after)
		}
	}
}
