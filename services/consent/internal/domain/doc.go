// Package domain holds the consent and confidentiality rules (DESIGN §6.3) as
// pure functions. There is one aggregate per patient (PatientState, state.go);
// besides the consent context's own events it folds the facts of other
// contexts that make someone part of the patient's care team. Authorize
// functions (authorize.go) say who may issue a command, Decide functions say
// what it records, Evolve folds the stream, CheckAccess and LegalStatusOn
// answer from a state. Time, ids and the time zone are passed in.
//
// The shape of a request (ids, enums, lengths, instants, dates) is checked by
// the app's Validate steps; this package decides only what concerns the
// patient.
//
// # Rule index
//
// Each rule of DESIGN §6.3 (and the §4/§5 rules this service keeps), the file
// that decides it, and the tests that prove it. Tests are in this package
// unless marked app (internal/app) or suite (services/suite).
//
//   - "A consent change governs every access check that begins after the
//     command returned" — a withdrawal governs every later check:
//     withdraw_consent.go (DecideWithdrawConsent) records it, state.go
//     (Consent.ActiveAt) stops CheckAccess permitting by it, and the app's read
//     barrier (app.go, fresh) makes every check and every command wait for
//     the stream's head. TestAWithdrawnConsentGovernsEveryLaterCheck,
//     TestValidConsentPermits; app TestAConsentWithdrawalGovernsEveryLaterCheck,
//     TestEveryCallRunsOneReadBarrier; suite
//     TestAccessDecisionsAreNeverStaleAcrossProcesses.
//   - "Consent lifts confidentiality (§22): grantee (professional, unit, or the
//     care team), categories, purpose, validity, who recorded it and how":
//     grant_consent.go, access.go (CheckAccess, basis 2).
//     TestGrantConsentThenWithdraw, TestValidConsentPermits,
//     TestExpiredConsentDoesNotPermit, TestAConsentAlreadyExpiredWhenRecordedIsRefused;
//     app TestGrantConsentRejectsBadInput.
//   - "Cooperating personnel in the care team may share (§25) unless the
//     patient objects; an objection names whom and what": access.go
//     (objected), record_objection.go, lift_objection.go.
//     TestObjectionOverridesCareTeamSharing, TestObjectionLifecycle.
//   - "Only health personnel (hpr:) can be cooperating personnel; NAV, schools,
//     PPT and child welfare reach patient data only by consent": access.go,
//     evolve_continuity.go. TestNAVReachesDataOnlyByConsent,
//     TestHealthPersonnelWithAnActiveCareRelationshipAreInTheCareTeam.
//   - "The care team is folded from the stream: the receiving unit while a
//     referral is open there, the active pathway's unit and coordinator, health
//     personnel with an active care relationship": evolve.go,
//     evolve_pathway.go, evolve_continuity.go.
//     TestReceivingUnitIsInCareTeamWhileReferralOpen,
//     TestActivePathwayPutsItsUnitAndCoordinatorInTheCareTeam,
//     TestCompletedPathwayClosesItsReferralAndLeavesTheCareTeam,
//     TestTransferMovesTheCareTeamToTheNewUnit,
//     TestAPlannedSuccessorReceivesTheHandoffSummaryButNotTheRestOfTheRecord,
//     TestIgnoresUnrelatedEvents.
//   - "Access is decided per category; purpose is recorded but does not by
//     itself deny": access.go. TestValidConsentPermits, TestStrangerIsDenied.
//   - "Capacity: 18+ full, 16–17 consents to health care unless an assessment
//     says otherwise, under 16 through parents/guardians (both when shared)":
//     legal_status.go. TestLegalStatusByAge.
//   - "A capacity assessment names its domain and who assessed": only health
//     personnel assess (authorize.go, AuthorizeRecordCapacityAssessment),
//     record_capacity_assessment.go. TestOnlyHealthPersonnelAssessCapacity,
//     TestCapacityAssessmentIsRecordedWithWhoAssessed.
//   - "Compulsory care: observation (§3-2) or compulsory care (§3-3), with
//     decision maker and dates": start_compulsory_care.go,
//     end_compulsory_care.go, legal_status.go.
//     TestCompulsoryCareOneEpisodeAtATime, TestCompulsoryCareIsActiveBetweenItsDates.
//   - "Contact after the relationship ends is off by default; the patient can
//     permit it for a named professional": state.go (ContactAfterEndPermitted),
//     permit_contact_after_end.go, revoke_contact_after_end.go.
//     TestContactAfterEndIsOffByDefault.
//   - "Representatives: under 16 the parents/guardians consent; parental
//     responsibility ends at 18": register_representative.go, legal_status.go.
//     TestParentsRepresentOnlyMinors, TestLegalStatusByAge.
//   - "Choices only the patient makes are made by the patient or a professional
//     recording the patient's stated choice (chosen_by_patient)": authorize.go
//     (AuthorizeRecordChoice; AuthorizeProfessionalRecord for what
//     professionals establish). TestOnlyThePatientOrAProfessionalWithAccessRecordsThePatientsChoices,
//     TestPatientsDoNotRecordWhatProfessionalsEstablish.
//   - A service records a patient's choice made elsewhere as that patient
//     (on_behalf_of, honoured only for the suite's own service identity):
//     authorize.go (ActingFor). TestAServiceActsForTheEndUserItNamesAndNoOneElseDoes;
//     app TestAServiceRecordsThePatientsChoiceForThemAndNoOneElseCanNameAnyone.
//   - "Emergency access: opened with a stated reason, time-boxed, written to the
//     access log and flagged for review; a reviewer records the outcome":
//     authorize.go (AuthorizeUseEmergencyAccess, AuthorizeReviewEmergencyAccess),
//     use_emergency_access.go, review_emergency_access.go, access.go (basis 3).
//     TestOnlyHealthPersonnelUseEmergencyAccess, TestEmergencyAccessIsOpenedAndReviewed,
//     TestEmergencyAccessIsTimeBoxed, TestEmergencyAccessIsReviewedWhereItWasUsedByAnotherProfessional;
//     app TestAnOrganisationListsOnlyTheEmergencyAccessesItsProfessionalsOpened.
//   - "CheckAccess answers permit/deny with the basis (consent, care team,
//     emergency, own data, record holder); only services may ask": access.go,
//     authorize.go (AuthorizeCheckAccess). TestPatientReadsOwnData,
//     TestReceivingUnitKeepsItsReferralRecordAfterClosing,
//     TestOnlyServicesMayAskThePolicyDecisionPoint; app TestOnlyServicesMayCheckAccess,
//     TestBatchCheckAccessAnswersInRequestOrder.
//   - "Denied costs what absent costs" (§5): every refusal that depends on the
//     patient is NotFound("patient") (authorize.go), for a patient nobody knows
//     too. app TestAbsentAndDeniedPatientsCostTheSameForEveryQuery,
//     TestAbsentAndDeniedPatientsCostTheSameForEveryCommand.
//
// Not decided anywhere yet: a representative acting for the patient with
// their own token, categories kept from parents of a 12–15 year old (pbrl
// §3-4), and what parents of a minor receive for parental responsibility.
package domain
