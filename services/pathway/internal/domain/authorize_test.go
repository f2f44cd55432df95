package domain_test

import (
	"testing"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/testkit"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

func TestOnlyHealthPersonnelOfTheUnitOrTheCoordinatorActsOnAPathway(t *testing.T) {
	withCoordinator := mustDecide(t, started(t))(domain.DecideAssignCoordinator(started(t),
		domain.AssignCoordinator{By: clinician(), ProfessionalID: coordinatorHPR, At: testkit.At(t, "2026-03-04 09:00")}, policy(t)))
	completed := mustDecide(t, started(t))(domain.DecideComplete(started(t), domain.Complete{By: clinician(), At: testkit.At(t, "2026-03-05 10:00")}, policy(t)))
	tests := []struct {
		name string
		p    domain.Pathway
		by   access.Actor
		want testkit.Kind
	}{
		{"personnel of the pathway's unit", started(t), access.Actor{ProfessionalID: "hpr:5555555", OrgNumber: unitOrg, Role: access.RoleClinician}, testkit.NoError},
		{"the coordinator from another organisation", withCoordinator, coordinatorElsewhere(), testkit.NoError},
		// Whether a closed pathway still changes is the decider's question
		// (FAILED_PRECONDITION), asked of those who may act on it.
		{"the unit on its completed pathway", completed, clinician(), testkit.NoError},
		{"a stranger gets not found", withCoordinator, stranger(), testkit.NotFound},
		{"a pathway that does not exist is not found", domain.Initial("nope"), clinician(), testkit.NotFound},
		{"the unit's integration engine, not health personnel", started(t),
			access.Actor{ProfessionalID: "ext:" + unitOrg + ":engine", OrgNumber: unitOrg, Role: access.RoleIntegration}, testkit.NotFound},
		{"a token of the unit with no professional id", started(t), access.Actor{OrgNumber: unitOrg, Role: access.RoleOps}, testkit.NotFound},
		{"the patient", started(t), access.Actor{PatientID: patientID, Role: access.RolePatient}, testkit.NotFound},
		{"a service of the suite", started(t), access.Actor{Service: "pathway-process-manager", Role: access.RoleService}, testkit.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testkit.ExpectErr(t, domain.AuthorizeAct(tt.p, tt.by), tt.want)
		})
	}
}

func TestDecisionStatisticsAreForTheUnitsOwnPersonnelAndOps(t *testing.T) {
	tests := []struct {
		name string
		by   access.Actor
		want testkit.Kind
	}{
		{"personnel of the unit", clinician(), testkit.NoError},
		{"the unit's integration engine", access.Actor{ProfessionalID: "ext:" + unitOrg + ":engine", OrgNumber: unitOrg, Role: access.RoleIntegration}, testkit.NoError},
		{"ops of another organisation", access.Actor{OrgNumber: strangerOrg, Role: access.RoleOps}, testkit.NoError},
		{"personnel of another unit", stranger(), testkit.Permission},
		{"a patient", access.Actor{PatientID: patientID, Role: access.RolePatient}, testkit.Permission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testkit.ExpectErr(t, domain.AuthorizeStatistics(tt.by, unit()), tt.want)
		})
	}
}
