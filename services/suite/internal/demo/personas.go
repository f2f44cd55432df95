package demo

import (
	_ "embed"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/ids"
)

// UnitRegister is the register of the scenario's units (HER-id → name and
// kind), which `stafett dev --demo` gives the console unless
// --unit-register names another.
//
//go:embed units.json
var UnitRegister []byte

// Persona is one of the scenario's people that the dev sign-in page offers.
type Persona struct {
	// ID is also the persona's key in the console's message catalogue.
	ID string
	// Landing is the console page the persona works on.
	Landing string
	// Patient is the patient a clinician persona opens first.
	Patient string
	Spec    authn.TokenSpec
}

// Personas are ops, a clinician and a coordinator at the DPS, and Ida, the
// young adult, as a patient. A parent acting for a child is not among them:
// the scenario registers no representatives, and a patient-style token
// cannot yet say whom a representative acts for.
func Personas(pseudonyms *ids.Pseudonymizer) []Persona {
	ida := NationalID(idaBorn, 0)
	var idaID string
	if n, err := ids.ParseNationalID(ida); err == nil {
		idaID = pseudonyms.PatientID(n)
	}
	return []Persona{
		{ID: "ops", Landing: "ops", Spec: authn.TokenSpec{Subject: "ops:demo", ChildOrgNumber: DPSOrg, Role: authn.RoleOps, Scopes: []string{"handoffs:read"}}},
		{ID: "clinician", Landing: "clinician", Patient: idaID, Spec: staff("7001", DPSOrg, authn.RoleClinician)},
		{ID: "coordinator", Landing: "clinician", Patient: idaID, Spec: staff("7005", DPSOrg, authn.RoleCoordinator)},
		{ID: "patient", Landing: "patient", Spec: authn.TokenSpec{Subject: "patient", PatientNationalID: ida, Role: authn.RolePatient,
			Scopes: []string{"consent:read", "consent:write", "continuity:read", "continuity:write", "handoffs:read"}}},
	}
}
