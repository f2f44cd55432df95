package suite_test

// pathwayInvariantRows are the invariant test's rows for the pathway service.
func pathwayInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{}
}
