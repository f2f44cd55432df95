package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// RegisterRepresentative registers a parent or guardian.
type RegisterRepresentative struct {
	RepresentativeID       string
	PersonID               string
	Role                   consentv1.RepresentativeRole
	ParentalResponsibility bool
	By                     access.Actor
	At                     time.Time
}

// DecideRegisterRepresentative registers a representative once per person.
// The patient is not their own representative, and only a parent holds
// parental responsibility. Parental responsibility ends at 18, so a parent
// cannot be registered for a patient known to be an adult; a guardian can.
func DecideRegisterRepresentative(s PatientState, cmd RegisterRepresentative, p Policy) ([]proto.Message, error) {
	var v errs.Validation
	v.Check(cmd.PersonID != s.PatientID, "person_id", "must not be the patient")
	v.Check(!cmd.ParentalResponsibility || cmd.Role == consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT,
		"parental_responsibility", "only a parent holds parental responsibility")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if slices.ContainsFunc(s.Representatives, func(r Representative) bool { return r.PersonID == cmd.PersonID }) {
		return nil, errs.Precondition("this person is already registered as a representative")
	}
	if cmd.Role == consentv1.RepresentativeRole_REPRESENTATIVE_ROLE_PARENT &&
		!s.BirthDate.IsZero() && s.BirthDate.YearsOldOn(p.DateOf(cmd.At)) >= 18 {
		return nil, errs.Precondition("the patient is an adult; parents no longer represent them")
	}
	return []proto.Message{&consentv1.RepresentativeRegistered{
		RepresentativeId: cmd.RepresentativeID, PatientId: s.PatientID, PersonId: cmd.PersonID,
		Role: cmd.Role, ParentalResponsibility: cmd.ParentalResponsibility,
		RegisteredBy: cmd.By.ProfessionalID, RegisteredAt: timestamppb.New(cmd.At),
	}}, nil
}
