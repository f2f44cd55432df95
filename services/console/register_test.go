package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stafett/stafett/services/console"
)

func TestUnitRegisterAcceptsNamedUnitsOfKnownKinds(t *testing.T) {
	r, err := console.ParseUnitRegister([]byte(`{"units":[
		{"her_id":"80001","org_number":"983974724","name":"Elvebyen DPS","kind":"DPS"},
		{"her_id":"80002","org_number":"934567897","name":"BUP Fjordheim","kind":"BUP"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Units) != 2 || r.Units[1].Name != "BUP Fjordheim" {
		t.Fatalf("register = %+v", r)
	}
}

func TestUnitRegisterRejectsEachBadEntryNamingIt(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"her-id not digits", `{"units":[{"her_id":"80x","org_number":"983974724","name":"A","kind":"DPS"}]}`, "units[0].her_id"},
		{"her-id twice", `{"units":[{"her_id":"1","org_number":"983974724","name":"A","kind":"DPS"},{"her_id":"1","org_number":"983974724","name":"B","kind":"DPS"}]}`, "units[1].her_id: 1 is listed twice"},
		{"bad organisation number", `{"units":[{"her_id":"1","org_number":"983974725","name":"A","kind":"DPS"}]}`, "units[0].org_number"},
		{"no name", `{"units":[{"her_id":"1","org_number":"983974724","name":" ","kind":"DPS"}]}`, "units[0].name"},
		{"unknown kind", `{"units":[{"her_id":"1","org_number":"983974724","name":"A","kind":"HOSPITAL"}]}`, `units[0].kind: "HOSPITAL"`},
		{"unknown field", `{"units":[{"her_id":"1","org_number":"983974724","name":"A","kind":"DPS","colour":"red"}]}`, "unknown field"},
		{"not JSON", `units: []`, "decode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := console.ParseUnitRegister([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestLoadUnitRegisterNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "units.json")
	if err := os.WriteFile(path, []byte(`{"units":[{"her_id":"1","org_number":"1","name":"A","kind":"DPS"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := console.LoadUnitRegister(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v", err)
	}
	if _, err := console.LoadUnitRegister(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}
