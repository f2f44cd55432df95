package suite_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/authn"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// The consent rows' callers, besides patient(patientNID): the receiving
// unit's clinician (the care team once a referral is open there), a
// clinician elsewhere, NAV, and the suite's own service identity.
const (
	consentRowsOtherNID  = "24050650088" // a patient nobody knows
	consentRowsParentNID = "15018010035"
	consentService       = "/stafett.consent.v1.ConsentService/"
)

func consentRowsTeam() authn.TokenSpec {
	return clinician(colleagueHPR, dpsOrg, "consent:read", "consent:write")
}

func consentRowsOutsider() authn.TokenSpec {
	return clinician(strangerHPR, otherOrg, "consent:read", "consent:write")
}

func consentRowsNAV() authn.TokenSpec {
	return authn.TokenSpec{Subject: "case-17", ChildOrgNumber: otherOrg, Role: authn.RoleCoordinator, Scopes: []string{"consent:read", "consent:write"}}
}

func consentRowsService() authn.TokenSpec {
	return authn.TokenSpec{Subject: "stafett-suite", Service: "stafett-suite", Role: authn.RoleService, Scopes: []string{"consent:check", "consent:read", "consent:write"}}
}

// consentRowsPatient is a patient with a referral open at the DPS, and the
// id of a patient nobody knows.
func consentRowsPatient(t *testing.T, env *suitetest.Env) (known, unknown string) {
	t.Helper()
	return receive(t, env, "consent-row").GetPatientId(), env.PatientID(consentRowsOtherNID)
}

func consentRowsGrant(t *testing.T, env *suitetest.Env, pid, requestID, hpr string) string {
	t.Helper()
	res, err := consentClient(env).GrantConsent(env.As(t.Context(), patient(patientNID)), &consentv1.GrantConsentRequest{
		RequestId: requestID, PatientId: pid, Grantee: toHPR(hpr),
		Categories: []consentv1.Category{consentv1.Category_CATEGORY_REFERRAL}, Purpose: consentv1.Purpose_PURPOSE_TREATMENT,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetConsentId()
}

func toHPR(hpr string) *consentv1.Grantee {
	return &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: "hpr:" + hpr}}
}

func againstHPR(hpr string) *consentv1.ObjectionTarget {
	return &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_ProfessionalId{ProfessionalId: "hpr:" + hpr}}
}

// consentInvariantRows are the invariant test's rows for the consent service.
func consentInvariantRows() map[string]invariantRow {
	me := patient(patientNID)
	cats := []consentv1.Category{consentv1.Category_CATEGORY_REFERRAL}
	return map[string]invariantRow{
		consentService + "ResolvePatient": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok:      call{"resolve", me, &consentv1.ResolvePatientRequest{NationalId: patientNID}},
				refused: []call{{"not a national id", me, &consentv1.ResolvePatientRequest{NationalId: "31129998948"}}},
			}
		}},

		consentService + "GrantConsent": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			grant := func(requestID, patientID string, edit func(*consentv1.GrantConsentRequest)) *consentv1.GrantConsentRequest {
				r := &consentv1.GrantConsentRequest{RequestId: requestID, PatientId: patientID, Grantee: toHPR(grantedHPR),
					Categories: cats, Purpose: consentv1.Purpose_PURPOSE_TREATMENT}
				if edit != nil {
					edit(r)
				}
				return r
			}
			return invariantCase{
				ok: call{"the patient consents", me, grant("g", pid, nil)},
				refused: []call{
					{"method 999", me, grant("g-method", pid, func(r *consentv1.GrantConsentRequest) { r.Method = 999 })},
					{"valid_until 2^62 seconds", me, grant("g-far", pid, func(r *consentv1.GrantConsentRequest) { r.ValidUntil = &timestamppb.Timestamp{Seconds: 1 << 62} })},
					{"valid_until 0001-01-01", me, grant("g-zero", pid, func(r *consentv1.GrantConsentRequest) { r.ValidUntil = &timestamppb.Timestamp{Seconds: -62135596800} })},
					{"a patient nobody knows", consentRowsTeam(), grant("g-unknown", unknown, nil)},
					{"another patient's consent", me, grant("g-other", unknown, nil)},
					{"an outsider", consentRowsOutsider(), grant("g-outsider", pid, nil)},
				},
				reuse: &call{"all categories instead", me, grant("g", pid, func(r *consentv1.GrantConsentRequest) {
					r.Categories = []consentv1.Category{consentv1.Category_CATEGORY_ALL}
				})},
			}
		}},

		consentService + "WithdrawConsent": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			first := consentRowsGrant(t, env, pid, "g1", grantedHPR)
			second := consentRowsGrant(t, env, pid, "g2", emergencyHPR)
			withdraw := func(requestID, patientID, consentID string) *consentv1.WithdrawConsentRequest {
				return &consentv1.WithdrawConsentRequest{RequestId: requestID, PatientId: patientID, ConsentId: consentID}
			}
			return invariantCase{
				ok: call{"the patient withdraws", me, withdraw("w", pid, first)},
				refused: []call{
					{"no consent id", me, withdraw("w-empty", pid, "")},
					{"a consent that does not exist", me, withdraw("w-absent", pid, "01JNOSUCHCONSENT")},
					{"a patient nobody knows", consentRowsTeam(), withdraw("w-unknown", unknown, first)},
					{"an outsider", consentRowsOutsider(), withdraw("w-outsider", pid, first)},
				},
				reuse: &call{"another consent", me, withdraw("w", pid, second)},
			}
		}},

		consentService + "RecordObjection": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			object := func(requestID, patientID string, cats ...consentv1.Category) *consentv1.RecordObjectionRequest {
				return &consentv1.RecordObjectionRequest{RequestId: requestID, PatientId: patientID, Against: againstHPR(colleagueHPR), Categories: cats}
			}
			return invariantCase{
				ok: call{"the patient objects", me, object("o", pid, cats...)},
				refused: []call{
					{"category 999", me, object("o-999", pid, 999)},
					{"no category", me, object("o-none", pid)},
					{"a patient nobody knows", consentRowsTeam(), object("o-unknown", unknown, cats...)},
					{"an outsider", consentRowsOutsider(), object("o-outsider", pid, cats...)},
				},
				reuse: &call{"another category", me, object("o", pid, consentv1.Category_CATEGORY_PLAN)},
			}
		}},

		consentService + "LiftObjection": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			var objections []string
			for _, requestID := range []string{"o1", "o2"} {
				res, err := consentClient(env).RecordObjection(env.As(t.Context(), me), &consentv1.RecordObjectionRequest{
					RequestId: requestID, PatientId: pid, Against: againstHPR(colleagueHPR), Categories: cats,
				})
				if err != nil {
					t.Fatal(err)
				}
				objections = append(objections, res.GetObjectionId())
			}
			lift := func(requestID, patientID, objectionID string) *consentv1.LiftObjectionRequest {
				return &consentv1.LiftObjectionRequest{RequestId: requestID, PatientId: patientID, ObjectionId: objectionID}
			}
			return invariantCase{
				ok: call{"the patient lifts it", me, lift("l", pid, objections[0])},
				refused: []call{
					{"no objection id", me, lift("l-empty", pid, "")},
					{"an objection that does not exist", me, lift("l-absent", pid, "01JNOSUCHOBJECTION")},
					{"a patient nobody knows", consentRowsTeam(), lift("l-unknown", unknown, objections[0])},
					{"an outsider", consentRowsOutsider(), lift("l-outsider", pid, objections[0])},
				},
				reuse: &call{"another objection", me, lift("l", pid, objections[1])},
			}
		}},

		consentService + "RecordCapacityAssessment": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			assess := func(requestID, patientID string, d consentv1.CapacityDomain, note string) *consentv1.RecordCapacityAssessmentRequest {
				return &consentv1.RecordCapacityAssessmentRequest{RequestId: requestID, PatientId: patientID, Domain: d, Note: note}
			}
			treatment := consentv1.CapacityDomain_CAPACITY_DOMAIN_TREATMENT
			return invariantCase{
				ok: call{"the care team assesses", consentRowsTeam(), assess("a", pid, treatment, "assessed in conversation")},
				refused: []call{
					{"domain 999", consentRowsTeam(), assess("a-999", pid, 999, "")},
					{"a note over the limit", consentRowsTeam(), assess("a-long", pid, treatment, strings.Repeat("x", 5001))},
					{"a patient nobody knows", consentRowsTeam(), assess("a-unknown", unknown, treatment, "")},
					{"an outsider", consentRowsOutsider(), assess("a-outsider", pid, treatment, "")},
					{"the patient", me, assess("a-patient", pid, treatment, "")},
				},
				reuse: &call{"another domain", consentRowsTeam(), assess("a", pid, consentv1.CapacityDomain_CAPACITY_DOMAIN_SHARING, "assessed in conversation")},
			}
		}},

		consentService + "RegisterRepresentative": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			person := env.PatientID(consentRowsParentNID)
			register := func(requestID, patientID string, role consentv1.RepresentativeRole) *consentv1.RegisterRepresentativeRequest {
				return &consentv1.RegisterRepresentativeRequest{RequestId: requestID, PatientId: patientID, PersonId: person, Role: role}
			}
			guardian := consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_GUARDIAN
			return invariantCase{
				ok: call{"the care team registers a guardian", consentRowsTeam(), register("r", pid, guardian)},
				refused: []call{
					{"role 999", consentRowsTeam(), register("r-999", pid, 999)},
					{"a patient nobody knows", consentRowsTeam(), register("r-unknown", unknown, guardian)},
					{"an outsider", consentRowsOutsider(), register("r-outsider", pid, guardian)},
					{"the patient", me, register("r-patient", pid, guardian)},
				},
				reuse: &call{"a parent instead", consentRowsTeam(), register("r", pid, consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT)},
			}
		}},

		consentService + "StartCompulsoryCare": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			start := func(requestID, patientID string, kind consentv1.CompulsoryCareKind, startsOn string) *consentv1.StartCompulsoryCareRequest {
				return &consentv1.StartCompulsoryCareRequest{RequestId: requestID, PatientId: patientID, Kind: kind, DecisionMaker: "hpr:" + colleagueHPR, StartsOn: startsOn}
			}
			observation := consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION
			return invariantCase{
				ok: call{"the care team records observation", consentRowsTeam(), start("s", pid, observation, "2026-03-02")},
				refused: []call{
					{"not a date", consentRowsTeam(), start("s-date", pid, observation, "2026-02-30")},
					{"year 2", consentRowsTeam(), start("s-year", pid, observation, "0002-03-02")},
					{"kind 999", consentRowsTeam(), start("s-999", pid, 999, "2026-03-02")},
					{"a patient nobody knows", consentRowsTeam(), start("s-unknown", unknown, observation, "2026-03-02")},
					{"an outsider", consentRowsOutsider(), start("s-outsider", pid, observation, "2026-03-02")},
				},
				reuse: &call{"compulsory care instead", consentRowsTeam(), start("s", pid, consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_COMPULSORY_CARE, "2026-03-02")},
			}
		}},

		consentService + "EndCompulsoryCare": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			started, err := consentClient(env).StartCompulsoryCare(env.As(t.Context(), consentRowsTeam()), &consentv1.StartCompulsoryCareRequest{
				RequestId: "s", PatientId: pid, Kind: consentv1.CompulsoryCareKind_COMPULSORY_CARE_KIND_OBSERVATION,
				DecisionMaker: "hpr:" + colleagueHPR, StartsOn: "2026-03-02",
			})
			if err != nil {
				t.Fatal(err)
			}
			end := func(requestID, patientID, episodeID, endedOn string) *consentv1.EndCompulsoryCareRequest {
				return &consentv1.EndCompulsoryCareRequest{RequestId: requestID, PatientId: patientID, EpisodeId: episodeID, EndedOn: endedOn}
			}
			episode := started.GetEpisodeId()
			return invariantCase{
				ok: call{"the care team ends it", consentRowsTeam(), end("e", pid, episode, "2026-03-05")},
				refused: []call{
					{"not a date", consentRowsTeam(), end("e-date", pid, episode, "05.03.2026")},
					{"before it started", consentRowsTeam(), end("e-early", pid, episode, "2026-03-01")},
					{"an episode that does not exist", consentRowsTeam(), end("e-absent", pid, "01JNOSUCHEPISODE", "2026-03-05")},
					{"a patient nobody knows", consentRowsTeam(), end("e-unknown", unknown, episode, "2026-03-05")},
					{"an outsider", consentRowsOutsider(), end("e-outsider", pid, episode, "2026-03-05")},
				},
				reuse: &call{"another last day", consentRowsTeam(), end("e", pid, episode, "2026-03-06")},
			}
		}},

		consentService + "PermitContactAfterEnd": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			permit := func(requestID, patientID, professionalID string) *consentv1.PermitContactAfterEndRequest {
				return &consentv1.PermitContactAfterEndRequest{RequestId: requestID, PatientId: patientID, ProfessionalId: professionalID}
			}
			return invariantCase{
				ok: call{"the patient permits", me, permit("p", pid, "hpr:"+colleagueHPR)},
				refused: []call{
					{"not a professional id", me, permit("p-bad", pid, "someone")},
					{"another patient", me, permit("p-other", unknown, "hpr:"+colleagueHPR)},
					{"an outsider", consentRowsOutsider(), permit("p-outsider", pid, "hpr:"+colleagueHPR)},
				},
				reuse: &call{"another professional", me, permit("p", pid, "hpr:"+grantedHPR)},
			}
		}},

		consentService + "RevokeContactAfterEnd": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			for _, hpr := range []string{colleagueHPR, grantedHPR} {
				if _, err := consentClient(env).PermitContactAfterEnd(env.As(t.Context(), me), &consentv1.PermitContactAfterEndRequest{
					RequestId: "p-" + hpr, PatientId: pid, ProfessionalId: "hpr:" + hpr,
				}); err != nil {
					t.Fatal(err)
				}
			}
			revoke := func(requestID, patientID, professionalID string) *consentv1.RevokeContactAfterEndRequest {
				return &consentv1.RevokeContactAfterEndRequest{RequestId: requestID, PatientId: patientID, ProfessionalId: professionalID}
			}
			return invariantCase{
				ok: call{"the patient revokes", me, revoke("r", pid, "hpr:"+colleagueHPR)},
				refused: []call{
					{"not a professional id", me, revoke("r-bad", pid, "someone")},
					{"a permission that does not exist", me, revoke("r-absent", pid, "hpr:"+strangerHPR)},
					{"another patient", me, revoke("r-other", unknown, "hpr:"+colleagueHPR)},
					{"an outsider", consentRowsOutsider(), revoke("r-outsider", pid, "hpr:"+colleagueHPR)},
				},
				reuse: &call{"another professional", me, revoke("r", pid, "hpr:"+grantedHPR)},
			}
		}},

		// Any health personnel may open emergency access to any patient, so
		// a patient nobody knows is no refusal here: the refused callers are
		// those who are not health personnel.
		consentService + "UseEmergencyAccess": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, _ := consentRowsPatient(t, env)
			opener := clinician(emergencyHPR, otherOrg, "consent:write")
			use := func(requestID, patientID, reason string) *consentv1.UseEmergencyAccessRequest {
				return &consentv1.UseEmergencyAccessRequest{RequestId: requestID, PatientId: patientID, Reason: reason}
			}
			return invariantCase{
				ok: call{"health personnel open it", opener, use("em", pid, "acute suicide risk, patient unconscious")},
				refused: []call{
					{"no reason", opener, use("em-none", pid, " ")},
					{"a reason over the limit", opener, use("em-long", pid, strings.Repeat("x", 5001))},
					{"not a patient id", opener, use("em-bad", patientNID, "unconscious")},
					{"NAV", consentRowsNAV(), use("em-nav", pid, "unconscious")},
					{"the patient", me, use("em-patient", pid, "unconscious")},
				},
				reuse: &call{"another reason", opener, use("em", pid, "another reason")},
			}
		}},

		consentService + "ListEmergencyAccesses": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			return invariantCase{
				ok:      call{"a reviewer lists its organisation's", clinician("1001", otherOrg, "consent:read"), &consentv1.ListEmergencyAccessesRequest{UnreviewedOnly: true}},
				refused: []call{{"a negative page size", clinician("1001", otherOrg, "consent:read"), &consentv1.ListEmergencyAccessesRequest{PageSize: -1}}},
			}
		}},

		consentService + "ReviewEmergencyAccess": {setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			opener := clinician(emergencyHPR, otherOrg, "consent:write")
			opened, err := consentClient(env).UseEmergencyAccess(env.As(t.Context(), opener), &consentv1.UseEmergencyAccessRequest{
				RequestId: "em", PatientId: pid, Reason: "acute suicide risk, patient unconscious",
			})
			if err != nil {
				t.Fatal(err)
			}
			reviewer := clinician("1001", otherOrg, "consent:write")
			review := func(requestID, patientID, accessID, note string) *consentv1.ReviewEmergencyAccessRequest {
				return &consentv1.ReviewEmergencyAccessRequest{RequestId: requestID, PatientId: patientID, AccessId: accessID, Justified: true, Note: note}
			}
			access := opened.GetAccessId()
			return invariantCase{
				ok: call{"a colleague of the opener reviews", reviewer, review("rv", pid, access, "documented in the journal")},
				refused: []call{
					{"no note", reviewer, review("rv-none", pid, access, "")},
					{"an access that does not exist", reviewer, review("rv-absent", pid, "01JNOSUCHACCESS", "n")},
					{"a patient nobody knows", reviewer, review("rv-unknown", unknown, access, "n")},
					{"the opener", clinician(emergencyHPR, otherOrg, "consent:write"), review("rv-opener", pid, access, "n")},
					{"health personnel elsewhere", consentRowsTeam(), review("rv-elsewhere", pid, access, "n")},
				},
				reuse: &call{"another note", reviewer, review("rv", pid, access, "another note")},
			}
		}},

		consentService + "CheckAccess": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, _ := consentRowsPatient(t, env)
			check := &consentv1.CheckAccessRequest{ActorProfessionalId: "hpr:" + colleagueHPR, ActorOrgNumber: dpsOrg, PatientId: pid, Category: consentv1.Category_CATEGORY_REFERRAL}
			return invariantCase{
				ok:      call{"the suite's service asks", consentRowsService(), check},
				refused: []call{{"a user holding consent:check", clinician(colleagueHPR, dpsOrg, "consent:check"), check}},
			}
		}},

		consentService + "BatchCheckAccess": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, unknown := consentRowsPatient(t, env)
			batch := &consentv1.BatchCheckAccessRequest{Checks: []*consentv1.CheckAccessRequest{
				{ActorProfessionalId: "hpr:" + colleagueHPR, ActorOrgNumber: dpsOrg, PatientId: pid, Category: consentv1.Category_CATEGORY_REFERRAL},
				{ActorProfessionalId: "hpr:" + colleagueHPR, ActorOrgNumber: dpsOrg, PatientId: unknown, Category: consentv1.Category_CATEGORY_REFERRAL},
			}}
			return invariantCase{
				ok:      call{"the suite's service asks", consentRowsService(), batch},
				refused: []call{{"a user holding consent:check", clinician(colleagueHPR, dpsOrg, "consent:check"), batch}},
			}
		}},

		consentService + "GetLegalStatus": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, _ := consentRowsPatient(t, env)
			return invariantCase{
				ok:      call{"the patient", me, &consentv1.GetLegalStatusRequest{PatientId: pid}},
				refused: []call{{"an outsider", consentRowsOutsider(), &consentv1.GetLegalStatusRequest{PatientId: pid}}},
			}
		}},

		consentService + "ListConsents": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, _ := consentRowsPatient(t, env)
			consentRowsGrant(t, env, pid, "g", grantedHPR)
			return invariantCase{
				ok:      call{"the patient", me, &consentv1.ListConsentsRequest{PatientId: pid, IncludeInactive: true}},
				refused: []call{{"an outsider", consentRowsOutsider(), &consentv1.ListConsentsRequest{PatientId: pid}}},
			}
		}},

		consentService + "ListAccessLog": {query: true, setup: func(t *testing.T, env *suitetest.Env) invariantCase {
			pid, _ := consentRowsPatient(t, env)
			return invariantCase{
				ok:      call{"the patient", me, &consentv1.ListAccessLogRequest{PatientId: pid}},
				refused: []call{{"an outsider", consentRowsOutsider(), &consentv1.ListAccessLogRequest{PatientId: pid}}},
			}
		}},
	}
}
