package domain

import (
	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
)

// AuthorizeAct lets health personnel act on a pathway: an hpr: actor of its
// unit (by organisation number) or its pathway coordinator, wherever the
// coordinator is employed. Anyone else — another organisation, a token of
// the unit that is not health personnel, a patient, a service — is answered
// as if the pathway did not exist.
func AuthorizeAct(p Pathway, actor access.Actor) error {
	if !p.Exists() || !actor.IsHealthPersonnel() || !p.ActedOnBy(actor) {
		return notFound()
	}
	return nil
}

// AuthorizeStatistics lets a unit's own personnel and ops roles count the
// unit's decisions. The counts name no one, so a refusal is a plain
// PERMISSION_DENIED: it tells nothing about any patient.
func AuthorizeStatistics(actor access.Actor, unit Unit) error {
	if actor.Role != access.RoleOps && actor.OrgNumber != unit.OrgNumber {
		return errs.Permission("statistics are for the unit's own personnel and ops roles")
	}
	return nil
}
