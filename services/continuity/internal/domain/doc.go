// Package domain holds the relationship-continuity rules (DESIGN §6.4) as
// pure functions: decide(state, command) returns events or an error,
// Evolve(state, event, commit) returns the next state. There is one aggregate
// per patient holding relationships, handoffs, the individual plan and the
// patient's continuity preferences, so "was that the patient's last named
// person?" is decided in the same commit as the ending that causes it. Time
// and ids are passed in; nothing here does I/O. Who may act at all is the
// consent service's answer, required by each command's declaration in the
// app; the choices only the patient makes are decided here.
//
// # Rule index
//
// Each rule of DESIGN §6.4, the file that decides it, and the test that
// proves it (tests in this package unless another is named):
//
//   - A relationship has a role, unit, sector, start, end and end reason, and
//     whether the patient chose the person; it ends once —
//     start_relationship.go, end_relationship.go;
//     TestARelationshipEndsOnceAndOnlyIfItExists,
//     TestTheSameProfessionalCannotHoldTheSameRoleTwiceAtOnce.
//   - Contacts count only within their relationship — record_contact.go;
//     TestContactsAreCountedOnlyWithinTheRelationship.
//   - A handoff is planned from an active relationship, one at a time —
//     plan_handoff.go; TestAHandoffIsPlannedFromAnActiveRelationshipOneAtATime.
//   - Warm (overlap or joint meeting, summary shared) or cold; completing it
//     starts the successor's relationship in the same commit —
//     complete_handoff.go;
//     TestAWarmHandoffIsWarmOnlyWithOverlapOrAJointMeetingAndTheSummaryShared,
//     TestCompletingAHandoffStartsTheSuccessorsRelationshipInTheSameCommit.
//   - The summary goes only to a successor who may receive it (health
//     personnel as cooperating personnel unless the patient objected, others
//     by consent) — complete_handoff.go;
//     TestTheSummaryIsSharedOnlyWithASuccessorWhoMayReceiveIt.
//   - The last key relationship (coordinator, contact person, therapist,
//     pathway coordinator) ending with no completed handoff leaves the patient
//     without a named person: PatientLeftWithoutContact, once; a new key
//     relationship clears it — end_relationship.go, evolve.go;
//     TestEndingTheLastKeyRelationshipWithoutACompletedHandoffLeavesThePatientWithoutContactOnce,
//     TestANewKeyRelationshipClearsPatientLeftWithoutContact,
//     TestCompletingAHandoffAfterThePatientWasLeftAloneRestoresContact.
//   - An individual plan only if the patient wants it; one per patient —
//     create_plan.go; TestAnIndividualPlanIsMadeOnlyWithThePatientsConsent,
//     TestAPatientHasOneIndividualPlan.
//   - The patient chooses the coordinator, the group, the goals and how the
//     group works — errors.go patientChoice, appoint_coordinator.go,
//     add_member.go, set_goal.go, set_meeting_preference.go;
//     TestThePatientChoosesTheCoordinatorGoalsAndHowTheGroupWorks.
//   - Adding a member needs consent to share with them; removal names the plan
//     consent to withdraw — add_member.go, remove_member.go;
//     TestAddingAPlanningGroupMemberRequiresThePatientsChoiceAndConsentToShare,
//     TestRemovingAMemberNamesTheConsentToWithdraw.
//   - A coordinator must be allowed to see the plan — appoint_coordinator.go;
//     TestACoordinatorMustBeAllowedToSeeThePlan.
//   - Denied is absent, in content and in work (unknown ids resolve to a
//     decoy patient) — app; app.TestDeniedCostsWhatAbsentCosts.
package domain
