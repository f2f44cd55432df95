package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/stafett/stafett/pkg/ids"
)

// Kinds a unit in the register may have: the services a patient is handed
// between.
var Kinds = []string{"BUP", "DPS", "TSB", "GP", "NAV", "MUNICIPAL"}

// Unit is one unit of the register: its HER-id from the address register,
// its organisation number, a display name and a kind.
type Unit struct {
	HerID     string `json:"her_id"`
	OrgNumber string `json:"org_number"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
}

// UnitRegister names the units the views only know by HER-id. Views carry
// ids; the console puts names on them in the browser, so no service needs
// the register.
type UnitRegister struct {
	Units []Unit `json:"units"`
}

// LoadUnitRegister reads and checks a register file (see
// docs/unit-register.json for the shape).
func LoadUnitRegister(path string) (UnitRegister, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return UnitRegister{}, fmt.Errorf("unit register: %w", err)
	}
	r, err := ParseUnitRegister(b)
	if err != nil {
		return UnitRegister{}, fmt.Errorf("unit register %s: %w", path, err)
	}
	return r, nil
}

// ParseUnitRegister decodes a register and rejects unknown fields, a bad
// HER-id or organisation number, an empty name, an unknown kind and a
// HER-id listed twice, naming the entry.
func ParseUnitRegister(b []byte) (UnitRegister, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r UnitRegister
	if err := dec.Decode(&r); err != nil {
		return UnitRegister{}, fmt.Errorf("decode: %w", err)
	}
	seen := map[string]bool{}
	var problems []error
	for i, u := range r.Units {
		at := fmt.Sprintf("units[%d]", i)
		if u.HerID == "" || strings.Trim(u.HerID, "0123456789") != "" {
			problems = append(problems, fmt.Errorf("%s.her_id: must be digits", at))
		} else if seen[u.HerID] {
			problems = append(problems, fmt.Errorf("%s.her_id: %s is listed twice", at, u.HerID))
		}
		seen[u.HerID] = true
		if err := ids.ValidateOrgNumber(u.OrgNumber); err != nil {
			problems = append(problems, fmt.Errorf("%s.org_number: %w", at, err))
		}
		if strings.TrimSpace(u.Name) == "" {
			problems = append(problems, fmt.Errorf("%s.name: must not be empty", at))
		}
		if !slices.Contains(Kinds, u.Kind) {
			problems = append(problems, fmt.Errorf("%s.kind: %q is not one of %s", at, u.Kind, strings.Join(Kinds, ", ")))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return UnitRegister{}, err
	}
	return r, nil
}
