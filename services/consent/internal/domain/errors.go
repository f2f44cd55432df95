package domain

import (
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// notFound is the one answer for something of the patient's that does not
// exist: the caller has already passed an access check for the patient, so
// naming the kind of thing leaks nothing.
func notFound(what string) error { return errs.NotFound(what) }

func requirePatient(v *errs.Validation, s PatientState, patientID string) {
	v.Require(patientID, "patient_id")
	v.Check(patientID == "" || s.PatientID == "" || s.PatientID == patientID, "patient_id", "does not match the aggregate")
}

// checkProfessionalID validates a professional id in field.
func checkProfessionalID(v *errs.Validation, id, field string) (ids.ProfessionalID, bool) {
	if id == "" {
		v.Add(field, "is required")
		return ids.ProfessionalID{}, false
	}
	p, err := ids.ParseProfessionalID(id)
	if err != nil {
		v.AddErr(field, err)
		return ids.ProfessionalID{}, false
	}
	return p, true
}

// checkParty validates a grantee or objection target: exactly one of a
// professional, a unit, or (only when careTeamAllowed) the care team.
func checkParty(v *errs.Validation, p Party, field string, careTeamAllowed bool) {
	set := 0
	if p.ProfessionalID != "" {
		set++
		checkProfessionalID(v, p.ProfessionalID, field+".professional_id")
	}
	if p.Unit != (Unit{}) {
		set++
		if err := ids.ValidateOrgNumber(p.Unit.OrgNumber); err != nil {
			v.AddErr(field+".unit.org_number", err)
		}
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

// checkCategories requires at least one known category.
func checkCategories(v *errs.Validation, cats []consentv1.Category) {
	v.Check(len(cats) > 0, "categories", "at least one is required")
	for _, c := range cats {
		if c == consentv1.Category_CATEGORY_UNSPECIFIED || consentv1.Category_name[int32(c)] == "" {
			v.Add("categories", "unknown category "+c.String())
			return
		}
	}
}
