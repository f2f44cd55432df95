package domain

import (
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// GranteeFromProto reads a grantee from the wire; an unset oneof is the zero
// Party, which the decider rejects.
func GranteeFromProto(g *consentv1.Grantee) Party {
	switch x := g.GetGrantee().(type) {
	case *consentv1.Grantee_ProfessionalId:
		return Party{ProfessionalID: x.ProfessionalId}
	case *consentv1.Grantee_Unit:
		return Party{Unit: ids.UnitFromRef(x.Unit)}
	case *consentv1.Grantee_CareTeam:
		return Party{CareTeam: x.CareTeam}
	}
	return Party{}
}

// TargetFromProto reads an objection target from the wire.
func TargetFromProto(t *consentv1.ObjectionTarget) Party {
	switch x := t.GetTarget().(type) {
	case *consentv1.ObjectionTarget_ProfessionalId:
		return Party{ProfessionalID: x.ProfessionalId}
	case *consentv1.ObjectionTarget_Unit:
		return Party{Unit: ids.UnitFromRef(x.Unit)}
	}
	return Party{}
}

// GranteeProto is a grantee's wire form, for events and answers alike.
func GranteeProto(p Party) *consentv1.Grantee {
	switch {
	case p.ProfessionalID != "":
		return &consentv1.Grantee{Grantee: &consentv1.Grantee_ProfessionalId{ProfessionalId: p.ProfessionalID}}
	case p.Unit != (Unit{}):
		return &consentv1.Grantee{Grantee: &consentv1.Grantee_Unit{Unit: p.Unit.Ref()}}
	default:
		return &consentv1.Grantee{Grantee: &consentv1.Grantee_CareTeam{CareTeam: p.CareTeam}}
	}
}

func targetProto(p Party) *consentv1.ObjectionTarget {
	if p.ProfessionalID != "" {
		return &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_ProfessionalId{ProfessionalId: p.ProfessionalID}}
	}
	return &consentv1.ObjectionTarget{Target: &consentv1.ObjectionTarget_Unit{Unit: p.Unit.Ref()}}
}
