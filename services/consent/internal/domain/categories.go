package domain

import (
	"slices"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// normalise sorts and deduplicates categories so equal consents have equal events.
func normalise(cats []consentv1.Category) []consentv1.Category {
	out := slices.Clone(cats)
	slices.Sort(out)
	return slices.Compact(out)
}
