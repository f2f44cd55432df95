package suite_test

// handoffsInvariantRows are the invariant test's rows for the handoffs service.
func handoffsInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{}
}
