package app

import (
	"fmt"
	"time"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/consent/internal/domain"
)

// The shape of requests is checked here and nowhere else: ids, enums, free
// text, instants and dates. Rules that concern the patient (a consent that
// would already have expired, an objection no §25 sharing could honour) are
// the domain's.

func validateGrant(c GrantConsent, v *errs.Validation) {
	validatePatientID(v, c.PatientID)
	validateParty(v, "grantee", c.Grantee, true)
	validateCategories(v, c.Categories)
	v.EnumSet("purpose", c.Purpose)
	v.Enum("method", c.Method)
	if c.ValidUntil != nil {
		// Present means a time: 0001-01-01 is a time nobody means, never
		// "no expiry" (that is leaving valid_until out).
		v.Instant("valid_until", *c.ValidUntil)
	}
}

// validUntil is the domain's "zero: until withdrawn".
func validUntil(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func validatePatientID(v *errs.Validation, id string) { validatePersonID(v, "patient_id", id) }

// validatePersonID checks a pseudonym as ResolvePatient gives it.
func validatePersonID(v *errs.Validation, field, id string) {
	if !ids.IsPatientID(id) {
		v.Add(field, "must be a patient id (pt_…) from ResolvePatient")
	}
}

// validateProfessionalID checks "hpr:<digits>" or "ext:<org>:<local id>".
func validateProfessionalID(v *errs.Validation, field, id string) {
	if id == "" {
		v.Add(field, "is required")
		return
	}
	if len(id) > int(errs.LimitID) {
		v.Add(field, "is too long")
		return
	}
	if _, err := ids.ParseProfessionalID(id); err != nil {
		v.Add(field, ids.Reason(err))
	}
}

// validateParty checks a grantee or objection target: exactly one of a
// professional, a unit, or (only when careTeamAllowed) the care team.
func validateParty(v *errs.Validation, field string, p domain.Party, careTeamAllowed bool) {
	set := 0
	if p.ProfessionalID != "" {
		set++
		validateProfessionalID(v, field+".professional_id", p.ProfessionalID)
	}
	if p.Unit != (domain.Unit{}) {
		set++
		if err := ids.ValidateOrgNumber(p.Unit.OrgNumber); err != nil {
			v.Add(field+".unit.org_number", ids.Reason(err))
		}
		v.Text(field+".unit.her_id", p.Unit.HerID, false, errs.LimitID)
	}
	if p.CareTeam {
		set++
		v.Check(careTeamAllowed, field+".care_team", "not allowed here")
	}
	want := "exactly one of professional_id, unit is required"
	if careTeamAllowed {
		want = "exactly one of professional_id, unit, care_team is required"
	}
	v.Check(set == 1, field, want)
}

// validateCategories requires at least one known category, each at most once
// in effect: a list longer than the enum is refused rather than stored.
func validateCategories(v *errs.Validation, cats []consentv1.Category) {
	v.Check(len(cats) > 0, "categories", "at least one is required")
	if known := consentv1.Category(0).Descriptor().Values().Len(); len(cats) > known {
		v.Add("categories", fmt.Sprintf("must hold at most %d categories", known))
		return
	}
	for _, c := range cats {
		v.EnumSet("categories", c)
	}
}

// validateDate checks a calendar date YYYY-MM-DD within the plausible range.
func validateDate(v *errs.Validation, field, s string) {
	d, err := civil.Parse(s)
	if err != nil {
		v.Add(field, "must be a real date as YYYY-MM-DD")
		return
	}
	v.Instant(field, d.Start(time.UTC))
}
