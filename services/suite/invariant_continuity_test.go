package suite_test

// continuityInvariantRows are the invariant test's rows for the continuity service.
func continuityInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{}
}
