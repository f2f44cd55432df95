package domain_test

import (
	"testing"

	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Readers hold earlier states while the writer folds on: two histories that
// branch from one state must not share what they append. Three requests
// leave spare capacity in the slice, which is where sharing would show.
func TestEvolveNeverChangesAStateAnotherReaderHolds(t *testing.T) {
	base := given(received(t), informationRequested(t), informationRequested(t), informationRequested(t), forwarded(t))

	second := informationRequested(t)
	second.What = "previous discharge summary"
	left := domain.Evolve(base, second, nil)

	fw := forwarded(t)
	fw.FromUnit, fw.ToUnit = newUnit().Ref(), domain.Unit{HerID: "8300003", OrgNumber: "911111111"}.Ref()
	right := domain.Evolve(domain.Evolve(base, informationRequested(t), nil), fw, nil)

	if len(base.InformationRequests) != 3 || len(base.Forwardings) != 1 || base.Unit != newUnit() {
		t.Fatalf("base changed: %d requests, %d forwardings, unit %+v",
			len(base.InformationRequests), len(base.Forwardings), base.Unit)
	}
	if got := left.InformationRequests[3].What; got != "previous discharge summary" {
		t.Errorf("left branch's second request = %q, overwritten by the other branch", got)
	}
	if got := right.InformationRequests[3].What; got != "current medication" {
		t.Errorf("right branch's second request = %q", got)
	}
	if len(left.Forwardings) != 1 || len(right.Forwardings) != 2 {
		t.Errorf("forwardings: left %d, right %d; want 1, 2", len(left.Forwardings), len(right.Forwardings))
	}
}
