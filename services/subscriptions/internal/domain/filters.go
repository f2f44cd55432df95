package domain

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/stafett/stafett/pkg/ids"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// ParseFilter reads one backport-filter-criteria value, "Task?" followed by
// search parameters that must all hold: owner:identifier or
// requester:identifier, each "system|value". owner takes an organisation
// number or a unit's HER-id, requester an organisation number. Every
// organisation named must be the subscriber's own: a subscriber sees only
// the referrals its organisation sent or receives.
func ParseFilter(s, subscriber string) ([]Filter, error) {
	resource, query, ok := strings.Cut(s, "?")
	if !ok || resource != "Task" {
		return nil, fmt.Errorf("must be a Task search, such as Task?owner:identifier=%s|<organisation number>", SystemOrgNumber)
	}
	values, err := url.ParseQuery(query)
	if err != nil || len(values) == 0 {
		return nil, fmt.Errorf("is not a search query")
	}
	var out []Filter
	for name, vs := range values {
		param, err := filterParameter(name)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			f, err := parseFilterValue(param, v, subscriber)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func filterParameter(name string) (subscriptionsv1.FilterParameter, error) {
	switch name {
	case "owner:identifier":
		return subscriptionsv1.FilterParameter_FILTER_PARAMETER_OWNER, nil
	case "requester:identifier":
		return subscriptionsv1.FilterParameter_FILTER_PARAMETER_REQUESTER, nil
	}
	return 0, fmt.Errorf("parameter %q is not supported (owner:identifier, requester:identifier)", name)
}

func parseFilterValue(param subscriptionsv1.FilterParameter, v, subscriber string) (Filter, error) {
	system, value, ok := strings.Cut(v, "|")
	if !ok || value == "" {
		return Filter{}, fmt.Errorf("takes system|value")
	}
	f := Filter{Parameter: param, System: system, Value: value}
	switch {
	case system == SystemOrgNumber:
		if err := ids.ValidateOrgNumber(value); err != nil {
			return Filter{}, fmt.Errorf("is not a valid organisation number")
		}
		if value != subscriber {
			return Filter{}, fmt.Errorf("names an organisation other than the subscriber's own")
		}
	case system == SystemHERID && param == subscriptionsv1.FilterParameter_FILTER_PARAMETER_OWNER:
		// A unit is addressed by its HER-id; whether it belongs to the
		// subscriber is decided per change, from the unit's organisation
		// number on the referral.
		if !isDigits(value) {
			return Filter{}, fmt.Errorf("is not a HER-id")
		}
	default:
		return Filter{}, fmt.Errorf("system %q is not supported here", system)
	}
	return f, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// String is the filter in its backport-filter-criteria form.
func (f Filter) String() string {
	name := "owner:identifier"
	if f.Parameter == subscriptionsv1.FilterParameter_FILTER_PARAMETER_REQUESTER {
		name = "requester:identifier"
	}
	return "Task?" + name + "=" + f.System + "|" + f.Value
}
