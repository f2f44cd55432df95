// Package domain folds every context's events into the handoff views: one
// compact state per patient (journey, relationships, handoffs, referrals,
// pathways), from which the journey, continuity, graph and lists are
// computed on demand. It is pure: no gRPC, NATS or clock; callers pass "now".
//
// # Rule index
//
// Each rule of DESIGN §6.5, the file that decides it, and the test that
// proves it (tests in this package unless another is named):
//
//   - One journey across referrals, milestones, relationships, handoffs and
//     consent changes, in stream order — evolve.go, view.go Journey;
//     TestJourneyFoldsEveryContextInStreamOrder.
//   - The journey is filtered by what the caller may see, per category —
//     view.go Journey; TestJourneyWithholdsCategoriesTheCallerMayNotSee.
//   - COC, UPC, SECON, MMCI over a window; undefined values absent —
//     continuity.go; TestContinuityIndicesMatchHandComputedExamples,
//     TestContinuityDesignExampleRoundsToTheDocumentedFigures,
//     TestContinuityCountsContactsRelationshipsAndLongestOverTheWindow.
//   - The graph's nodes (unit + role) and edges (handoffs, warm share, median
//     gap); a cell describing fewer than 5 patients keeps its place, its
//     counts absent and marked suppressed — graph.go;
//     TestGraphWithholdsEveryCellDescribingFewerThanFivePatients.
//   - Empty filters mean every unit the caller may see: ops every unit,
//     personnel their own organisation's — graph.go;
//     TestGraphShowsOnlyTheCallersOrganisationUnlessEveryUnit.
//   - Patients without a named person, counted for ops without ids or small
//     cells — view.go; TestPatientsWithoutContactAreCountedForOpsWithoutIdsOrSmallCells.
//   - Deadline risks within reach and past — view.go;
//     TestDeadlineRisksListDatesWithinReachAndPast.
//   - A view equals a fresh rebuild; applying is idempotent by stream
//     sequence — evolve.go; TestApplyIsIdempotentByStreamSequence,
//     TestCheckpointedPatientFoldsOnAsIfNeverStored,
//     app.TestRebuildFromSequenceOneEqualsTheLiveViews,
//     app.TestKilledMidStreamRestartConvergesToTheSameViews.
package domain
