package suite_test

// referralInvariantRows are the invariant test's rows for the referral service.
func referralInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{}
}
