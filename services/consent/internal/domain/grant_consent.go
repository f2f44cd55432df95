package domain

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// GrantConsent records a consent (Health Personnel Act §22).
type GrantConsent struct {
	ConsentID       string
	Grantee         Party
	Categories      []consentv1.Category
	Purpose         consentv1.Purpose
	ValidUntil      time.Time // zero: until withdrawn
	Method          consentv1.ConsentMethod
	ChosenByPatient bool
	By              access.Actor
	At              time.Time
}

// DecideGrantConsent records the consent. A consent that has already
// expired when it is recorded would silently never apply, so it is refused.
func DecideGrantConsent(s PatientState, cmd GrantConsent) ([]proto.Message, error) {
	if !cmd.ValidUntil.IsZero() && !cmd.ValidUntil.After(cmd.At) {
		return nil, errs.Invalid("valid_until", "must be in the future")
	}
	if _, ok := s.Consent(cmd.ConsentID); ok {
		return nil, errs.Precondition("consent %s already exists", cmd.ConsentID)
	}
	var until *timestamppb.Timestamp
	if !cmd.ValidUntil.IsZero() {
		until = timestamppb.New(cmd.ValidUntil)
	}
	return []proto.Message{&consentv1.ConsentGranted{
		ConsentId:       cmd.ConsentID,
		PatientId:       s.PatientID,
		Grantee:         GranteeProto(cmd.Grantee),
		Categories:      normalise(cmd.Categories),
		Purpose:         cmd.Purpose,
		ValidUntil:      until,
		Method:          cmd.Method,
		RecordedBy:      cmd.By.ProfessionalID,
		GrantedAt:       timestamppb.New(cmd.At),
		ChosenByPatient: cmd.ChosenByPatient,
	}}, nil
}
