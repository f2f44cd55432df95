package fhirr4

import "github.com/stafett/stafett/pkg/ids"

// Identifier systems of the Norwegian base profiles (no-basis), as OIDs
// under 2.16.578.1.12.4.1.
const (
	// SystemFodselsnummer is the fødselsnummer.
	SystemFodselsnummer = ids.FHIRSystemFodselsnummer
	// SystemDNumber is the D-number, for people without a fødselsnummer.
	SystemDNumber = ids.FHIRSystemDNumber
	// SystemHPR is the health personnel register number.
	SystemHPR = ids.FHIRSystemHPR
	// SystemOrgNumber is the organisation number (Enhetsregisteret).
	SystemOrgNumber = ids.FHIRSystemOrgNumber
	// SystemHERID is the HER-id of the address register, which addresses a unit.
	SystemHERID = "urn:oid:2.16.578.1.12.4.1.2"
)

// CanonicalBase is where Stafett's own FHIR definitions live; docs/fhir.md
// describes each of them.
const CanonicalBase = "https://stafett.no/fhir"

// Stafett's own definitions.
const (
	// BusinessStatusSystem is the CodeSystem of Task.businessStatus.
	BusinessStatusSystem = CanonicalBase + "/CodeSystem/referral-business-status"
	// InternalReferralExtension marks a ServiceRequest as an internal
	// referral (valueBoolean), which gets no rights assessment.
	InternalReferralExtension = CanonicalBase + "/StructureDefinition/internal-referral"
	// TaskCodeSystem is http://hl7.org/fhir/CodeSystem/task-code, whose
	// "fulfill" says the Task is the fulfilment of its focus.
	TaskCodeSystem = "http://hl7.org/fhir/CodeSystem/task-code"
)

// NationalIDSystem is the identifier system a national id belongs to.
func NationalIDSystem(n ids.NationalID) string { return n.FHIRSystem() }

// IsNationalIDSystem reports whether system names a patient's national id.
func IsNationalIDSystem(system string) bool {
	return system == SystemFodselsnummer || system == SystemDNumber
}
