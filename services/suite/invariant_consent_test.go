package suite_test

// consentInvariantRows are the invariant test's rows for the consent service.
func consentInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{}
}
