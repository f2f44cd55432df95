// Package domain holds the care pathway rules (DESIGN §6.2) as pure
// functions: Authorize(state, actor) says who may act, Decide(state, command)
// returns events or an error, Evolve(state, event) returns the next state.
// Time, ids, the calendar, the milestone targets and the patient's legal
// status are passed in; nothing here does I/O.
//
// # Rule index
//
// Each rule of DESIGN §6.2, the file that decides it, and the test that
// proves it (tests here unless a package is named: app is
// services/pathway/internal/app, suite is services/suite).
//
//   - "Starts itself when a referral is assessed with a right granted … the
//     process manager itself starts exactly one pathway per assessed
//     referral": start.go (DecideStart, PathwayIDForReferral), driven by
//     app/process_manager.go. TestStartingAnExistingPathwayAgainDecidesNothing,
//     TestPathwayIDIsDerivedFromTheReferral,
//     app TestProcessManagerStartsExactlyOnePathwayPerGrantedReferralUnderRedeliveryAndRestart,
//     suite TestAGrantedReferralStartsExactlyOnePathwayAlsoAfterARestart.
//   - "at most two clinical decisions (basic, extended), and only after the
//     first attendance": record_clinical_decision.go.
//     TestClinicalDecisionsAreAtMostTwoBasicThenExtendedAfterFirstAttendance,
//     suite TestAThirdClinicalDecisionIsRefused.
//   - "Each milestone has a target date; targets are guidance, not legal
//     deadlines: a breach emits MilestoneOverdue … never a HELFO notice":
//     deadlines.go, swept by app/deadline_watcher.go.
//     TestMissedTargetIsReportedOnceAsMilestoneOverdue,
//     TestOverdueCarriesThePostponementFlagAndIsNoLegalBreach,
//     TestReachedMilestonesAndClosedPathwaysAreNeverOverdue,
//     app TestCheckDeadlinesAppendsMilestoneOverdueOnceWhenTheClockPassesATarget.
//   - "Targets are configured per pathway type (a table in config, with
//     documented defaults)": targets.go, policy.go; each milestone counts
//     from the one before it. TestStartSetsTargetsFromTheConfiguredTable,
//     TestDecisionsSetTheTargetOfTheNextMilestone,
//     pathway TestATargetFileOverridesOnlyTheMilestonesItNames.
//   - "A treatment plan is agreed with the patient: the options offered, the
//     patient's choice, and how the decision was made (… restricted — and
//     why)": agree_treatment_plan.go; the menu's and the reason's shape is
//     the request's validation, app/commands.go (validateTreatmentPlan).
//     TestTreatmentPlanRecordsMenuChoiceAndMode,
//     app TestInvalidCommandsNameTheFieldAndAppendNothing.
//   - "Evaluations record whether the patient took part and whether a
//     feedback tool was used": record_evaluation.go; the evaluation milestone
//     recurs, presented by pathway.go (MilestoneStatuses).
//     TestEvaluationRecordsParticipationAndFeedbackToolAndSetsTheNextTarget,
//     TestTheEvaluationMilestoneShowsTheNextTargetAndTheLatestEvaluation,
//     app TestDecisionStatisticsShowPerUnitHowOftenDecisionsWereShared.
//   - "Medication-free treatment may be chosen by a patient who is 18 or
//     older, has capacity to consent, and is not under compulsory care;
//     pathway asks consent service over gRPC (GetLegalStatus)":
//     medication_free.go, the legal status consulted by app/commands.go
//     (legalStatus) only once the actor may act.
//     TestMedicationFreeTreatmentNamesEveryUnmetCondition,
//     app TestStrangerAskingForMedicationFreeTreatmentLearnsNothingAndConsentIsNotAsked,
//     app TestMedicationFreeRequestIsUnavailableWhenConsentCannotAnswer,
//     suite TestMedicationFreeTreatmentIsGrantedOnlyToAnAdultWithCapacityOutsideCompulsoryCare.
//     Not yet true: "the request is always recorded" with its outcome.
//     Today a refusal is FAILED_PRECONDITION naming every unmet condition
//     and appends nothing (app TestARefusedMedicationFreeRequestAppendsNothingAndIsDecidedAgainOnRetry).
//   - "Patient postponement (more than 7 working days) is recorded and flags
//     the timing, it does not reset it": record_postponement.go.
//     TestPostponementOverSevenWorkingDaysFlagsTheTimingWithoutMovingTargets.
//   - "Transfer to another unit closes the pathway there and starts a linked
//     one at the new unit": transfer.go, start.go (DecideStartTransferred).
//     TestTransferClosesThePathwayAndTheLinkedOneKeepsTheTiming,
//     app TestTransferStartsOneLinkedPathwayAndARetryFinishesNotDuplicates,
//     suite TestATransferMovesThePathwayAndTheCareTeamToTheNewUnit.
//
// And the rules of DESIGN §2 and §5 as they fall to this context:
//
//   - Who acts on a pathway: health personnel of its unit, or its
//     coordinator; anyone else gets the NOT_FOUND an absent pathway gets:
//     authorize.go (AuthorizeAct).
//     TestOnlyHealthPersonnelOfTheUnitOrTheCoordinatorActsOnAPathway.
//   - Decision statistics are for the unit's own personnel and ops, and ops
//     see none behind fewer than 5 patients: authorize.go
//     (AuthorizeStatistics), app/decision_statistics.go.
//     TestDecisionStatisticsAreForTheUnitsOwnPersonnelAndOps,
//     app TestDecisionStatisticsShowPerUnitHowOftenDecisionsWereShared.
//   - "Denied costs what absent costs … lists decide visibility before
//     paging": app/get_pathway.go, app/list_pathways.go, app/visibility.go,
//     app/declare.go (every answer is a checked, logged read).
//     app TestGetPathwayDeniedCostsWhatAbsentCosts,
//     app TestListPathwaysByPatientDeniedCostsWhatNoPathwayCosts,
//     app TestListPathwaysByUnitDecidesVisibilityBeforePaging,
//     app TestACommandOnAnAbsentPathwayCostsWhatADeniedOneCosts,
//     app TestACommandsAnswerIsCheckedAndLoggedBeforeItAppends.
package domain
