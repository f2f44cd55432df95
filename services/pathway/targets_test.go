package pathway_test

import (
	"os"
	"strings"
	"testing"

	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	"github.com/stafett/stafett/services/pathway"
)

func TestATargetFileOverridesOnlyTheMilestonesItNames(t *testing.T) {
	got, err := pathway.LoadTargets(strings.NewReader(`{"PATHWAY_TYPE_D12": {"first_attendance": {"days": 15, "workdays": true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	d12 := got[eventsv1.PathwayType_PATHWAY_TYPE_D12]
	want := pathway.DefaultTargets(eventsv1.PathwayType_PATHWAY_TYPE_D12)
	want.FirstAttendance = pathway.Target{Days: 15, Workdays: true}
	if d12 != want {
		t.Fatalf("D12 = %+v, want %+v", d12, want)
	}
	if _, ok := got[eventsv1.PathwayType_PATHWAY_TYPE_D11]; ok {
		t.Fatal("a pathway type the file does not name was overridden")
	}
}

func TestATargetFileWithATypoIsRefused(t *testing.T) {
	for name, file := range map[string]string{
		"unknown pathway type": `{"PATHWAY_TYPE_D99": {}}`,
		"unknown milestone":    `{"PATHWAY_TYPE_D11": {"first_atendance": {"days": 3}}}`,
		"negative days":        `{"PATHWAY_TYPE_D11": {"treatment_plan": {"days": -1}}}`,
		"not json":             `PATHWAY_TYPE_D11=3`,
	} {
		if _, err := pathway.LoadTargets(strings.NewReader(file)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTheDocumentedTargetFileHoldsTheDefaults(t *testing.T) {
	f, err := os.Open("../../docs/pathway-targets.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := pathway.LoadTargets(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range []eventsv1.PathwayType{eventsv1.PathwayType_PATHWAY_TYPE_D11, eventsv1.PathwayType_PATHWAY_TYPE_D12, eventsv1.PathwayType_PATHWAY_TYPE_D01} {
		if got[pt] != pathway.DefaultTargets(pt) {
			t.Errorf("%v: the file says %+v, the code %+v", pt, got[pt], pathway.DefaultTargets(pt))
		}
	}
}
