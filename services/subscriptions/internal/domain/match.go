package domain

import (
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

// Unit is a receiving unit as the Task shows it.
type Unit struct {
	HerID     string
	OrgNumber string
}

// TaskView is what matching needs to know of a referral's Task.
type TaskView struct {
	Exists bool
	// Owner is the unit holding the referral; Sender the organisation that
	// sent it (Task.requester).
	Owner  Unit
	Sender string
}

// Change is one commit that changed what a referral's Task shows.
type Change struct {
	// Seq is the commit's stream sequence.
	Seq           uint64
	Before, After TaskView
}

// Live is a subscription the delivery knows, with where it starts.
type Live struct {
	Subscription
	// StartSeq is the stream sequence of the commit that created it: it is
	// told about changes committed after it, never before.
	StartSeq uint64
}

// Concerns reports whether a subscription is told about a change: it was
// live when the change was committed, its organisation sent the referral or
// held it before or after the change (a forwarding tells the unit it left),
// and every filter holds before or after.
func (l Live) Concerns(c Change) bool {
	if !l.Live() || c.Seq <= l.StartSeq || !c.After.Exists {
		return false
	}
	org := l.Owner
	held := func(v TaskView) bool { return v.Exists && v.Owner.OrgNumber == org }
	if c.After.Sender != org && !held(c.Before) && !held(c.After) {
		return false
	}
	for _, f := range l.Filters {
		if !f.holds(c.Before, org) && !f.holds(c.After, org) {
			return false
		}
	}
	return len(l.Filters) > 0
}

func (f Filter) holds(v TaskView, org string) bool {
	if !v.Exists {
		return false
	}
	switch f.Parameter {
	case subscriptionsv1.FilterParameter_FILTER_PARAMETER_OWNER:
		if f.System == SystemHERID {
			// A unit filter sees a unit only while it belongs to the
			// subscriber's organisation.
			return v.Owner.HerID == f.Value && v.Owner.OrgNumber == org
		}
		return v.Owner.OrgNumber == f.Value && f.Value == org
	case subscriptionsv1.FilterParameter_FILTER_PARAMETER_REQUESTER:
		return v.Sender == f.Value && f.Value == org
	}
	return false
}
