package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/errs"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
)

// The reasons a medication-free treatment request is refused, one
// google.rpc.ErrorInfo each.
const (
	ReasonUnder18        = "UNDER_18"
	ReasonLacksCapacity  = "LACKS_CAPACITY"
	ReasonCompulsoryCare = "COMPULSORY_CARE"
	// ReasonAgeUnknown: no birth date is known, so the age cannot be shown
	// to be 18 or more; the request is refused rather than guessed.
	ReasonAgeUnknown = "AGE_UNKNOWN"
)

// LegalFacts is what the consent service says about the patient today.
type LegalFacts struct {
	// BirthDate from the consent service, used only when the referral
	// carried none.
	BirthDate civil.Date
	// MedicationCapacity: the patient decides about medication themself.
	MedicationCapacity bool
	// CompulsoryCare: under compulsory observation (§3-2) or care (§3-3) today.
	CompulsoryCare bool
}

// RequestMedicationFree is the patient's request for medication-free treatment.
type RequestMedicationFree struct {
	By              access.Actor
	ChosenByPatient bool
	Legal           LegalFacts
	At              time.Time
}

// DecideMedicationFree grants medication-free treatment to a patient who is
// 18 or older (by the birth date the referral carried), has capacity to
// consent to medication decisions, and is not under compulsory observation
// or care. A refusal names every unmet condition at once, so the unit does
// not learn them one attempt at a time; it appends nothing.
func DecideMedicationFree(p Pathway, cmd RequestMedicationFree, pol Policy) ([]proto.Message, error) {
	if err := active(p, "request medication-free treatment"); err != nil {
		return nil, err
	}
	if p.MedicationFreeGranted {
		return nil, nil
	}
	today := pol.DateOf(cmd.At)
	birth := p.BirthDate
	if birth.IsZero() {
		birth = cmd.Legal.BirthDate
	}
	var unmet []errs.Condition
	age := 0
	if birth.IsZero() {
		unmet = append(unmet, condition(ReasonAgeUnknown))
	} else if age = birth.YearsOldOn(today); age < 18 {
		unmet = append(unmet, condition(ReasonUnder18))
	}
	if !cmd.Legal.MedicationCapacity {
		unmet = append(unmet, condition(ReasonLacksCapacity))
	}
	if cmd.Legal.CompulsoryCare {
		unmet = append(unmet, condition(ReasonCompulsoryCare))
	}
	if len(unmet) > 0 {
		return nil, &errs.PreconditionError{Message: "medication-free treatment cannot be granted", Conditions: unmet}
	}
	at := timestamppb.New(cmd.At)
	return []proto.Message{
		&pathwayv1.MedicationFreeTreatmentRequested{PathwayId: p.ID, RequestedBy: cmd.By.ProfessionalID, RequestedAt: at, ChosenByPatient: cmd.ChosenByPatient},
		&pathwayv1.MedicationFreeTreatmentGranted{PathwayId: p.ID, GrantedAt: at, PatientAge: int32(age)},
	}, nil
}

func condition(reason string) errs.Condition {
	return errs.Condition{Reason: reason, Domain: ErrorDomain}
}
