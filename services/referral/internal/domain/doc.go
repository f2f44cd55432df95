// Package domain holds the referral rules (DESIGN §6.1) as pure functions:
// Authorize(state, actor) says who may act, Decide(state, command) returns
// events or an error, Evolve(state, event) returns the next state. Time, ids
// and the working-day calendar are passed in.
//
// # Rule index
//
// Each rule of DESIGN §6.1, the file that decides it, and the test that
// proves it (tests in this package unless another is named):
//
//   - Assess within 10 working days of receipt, counted from the day after
//     receipt in Oslo, skipping weekends and public holidays; the due date is
//     fixed at receipt — receive.go DecideReceive;
//     TestAssessmentIsDueTenWorkingDaysCountedFromTheDayAfterReceiptInOslo.
//   - Idempotency keys (request_id, external_id) are the caller's —
//     pkg/command (claimed per sender in the store);
//     app.TestARequestIDReusedForADifferentRequestIsRefused,
//     app.TestConcurrentDuplicatesMakeExactlyOneReferral; a FHIR
//     conditional create is the same command under the sender's identifier —
//     app.TestAConditionalCreateIsReceiveReferralUnderTheSendersIdentifier.
//   - Only health personnel of the receiving unit assess, forward, schedule or
//     ask for information — authorize.go AuthorizeUnitWork;
//     TestOnlyHealthPersonnelOfTheReceivingUnitMayRequestInformationAssessForwardOrSchedule.
//   - A referral is assessed once, with right granted (binding care-start
//     deadline not in the past, pathway type, priority) or no right (reason
//     and follow-up) — assess.go DecideAssess;
//     TestAssessingRecordsTheOutcomeAndClosesTheAssessment,
//     TestAReferralIsAssessedOnlyOnce,
//     TestGrantingARightWithACareStartDeadlineInThePastIsInvalid.
//   - An incomplete referral is not sent back unassessed: information is
//     requested and the due date stands — request_information.go;
//     TestRequestingInformationKeepsTheDueDateAndStillAllowsAssessment.
//   - Forwarding keeps the original receipt date — forward.go DecideForward;
//     TestForwardingKeepsTheReceiptAndAssessmentDueDatesAndMovesTheUnit.
//   - Emergency and internal referrals get no rights assessment — assess.go,
//     receive.go; TestEmergencyAndInternalReferralsCannotBeAssessed,
//     TestEmergencyAndInternalReferralsGetNoAssessmentDueDate.
//   - The sender or the receiving unit may withdraw an open referral —
//     authorize.go AuthorizeWithdraw, withdraw.go;
//     TestTheSenderOrTheReceivingUnitMayWithdrawAnOpenReferral,
//     TestNoOneElseMayWithdrawAReferral.
//   - A missed assessment date emits AssessmentDeadlineBreached; a missed
//     care-start date CareStartDeadlineBreached; at risk a configurable number
//     of working days before when nothing is booked — deadlines.go;
//     TestAssessmentDeadlineIsBreachedTheDayAfterTheDueDateNotOnIt,
//     TestCareStartIsAtRiskFiveWorkingDaysBeforeTheDeadlineWhenNothingIsBooked,
//     TestCareStartDeadlineIsBreachedTheDayAfterItWhenNotCovered.
//   - The receiving unit keeps its own record; the sender keeps the record it
//     wrote — referral.go HeldBy (and the consent service's record-holder
//     basis); TestTheForwardingOrganisationKeepsItsRecordButOnlyTheNewUnitMayAct.
//   - Denied is absent, in content and in work — pkg/command;
//     app.TestDeniedCostsWhatAbsentCosts, app.TestListsRevealNothingTheyHide;
//     over FHIR too — app.TestAFHIRReadOfAMissingReferralCostsWhatADeniedOneCosts,
//     app.TestATaskSearchPageIsCutFromTheCallersCandidatesAndCheckedOnce.
package domain
