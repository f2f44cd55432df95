package suite_test

import (
	"testing"

	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	"github.com/stafett/stafett/services/suite/suitetest"
)

// handoffsInvariantRows are the invariant test's rows for the handoffs service.
func handoffsInvariantRows() map[string]invariantRow {
	return map[string]invariantRow{
		"/stafett.handoffs.v1.HandoffService/ListStalledPathways": {query: true, setup: func(*testing.T, *suitetest.Env) invariantCase {
			return invariantCase{ok: call{name: "ops", as: opsUser(), req: &handoffsv1.ListStalledPathwaysRequest{}}}
		}},
	}
}
