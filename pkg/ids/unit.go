package ids

import eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"

// Unit is a health service unit: HER-id plus organisation number. Access by
// unit compares organisation numbers only, because that is what tokens carry.
type Unit struct {
	HerID     string
	OrgNumber string
}

// Ref is the unit's wire form; the zero unit is nil (no unit).
func (u Unit) Ref() *eventsv1.UnitRef {
	if u == (Unit{}) {
		return nil
	}
	return &eventsv1.UnitRef{HerId: u.HerID, OrgNumber: u.OrgNumber}
}

// UnitFromRef reads a unit from its wire form; nil is the zero unit.
func UnitFromRef(r *eventsv1.UnitRef) Unit {
	return Unit{HerID: r.GetHerId(), OrgNumber: r.GetOrgNumber()}
}
