package eventstore

import "testing"

func TestAStreamSubjectCoversTheSubjectsItsWildcardsMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		filter, subject string
		want            bool
	}{
		{"stafett.events.>", "stafett.events.>", true},
		{">", "stafett.events.>", true},
		{"stafett.>", "stafett.events.>", true},
		{"stafett.*.>", "stafett.events.>", true},
		{"stafett.events.referral.>", "stafett.events.>", false},
		{"stafett.events.*", "stafett.events.>", false},
		{"stafett.audit.>", "stafett.events.>", false},
		{"stafett.events", "stafett.events.>", false},
	} {
		if got := covers(tc.filter, tc.subject); got != tc.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tc.filter, tc.subject, got, tc.want)
		}
	}
}
