package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/errs"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// GrantConsent records a consent (Health Personnel Act §22).
type GrantConsent struct {
	ConsentID       string
	RequestID       string
	PatientID       string
	Grantee         Party
	Categories      []consentv1.Category
	Purpose         consentv1.Purpose
	ValidUntil      time.Time // zero: until withdrawn
	Method          consentv1.ConsentMethod
	ChosenByPatient bool
	By              Actor
	At              time.Time
}

// DecideGrantConsent validates the consent. A consent that has already
// expired when it is recorded would silently never apply, so it is refused.
func DecideGrantConsent(s PatientState, cmd GrantConsent) ([]proto.Message, error) {
	var v errs.Validation
	requirePatient(&v, s, cmd.PatientID)
	checkParty(&v, cmd.Grantee, "grantee", true)
	checkCategories(&v, cmd.Categories)
	v.Check(cmd.Purpose != consentv1.Purpose_PURPOSE_UNSPECIFIED, "purpose", "is required")
	v.Check(cmd.ValidUntil.IsZero() || cmd.ValidUntil.After(cmd.At), "valid_until", "must be in the future")
	if err := v.Err(); err != nil {
		return nil, err
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
		PatientId:       cmd.PatientID,
		Grantee:         granteeProto(cmd.Grantee),
		Categories:      normalise(cmd.Categories),
		Purpose:         cmd.Purpose,
		ValidUntil:      until,
		Method:          cmd.Method,
		RecordedBy:      cmd.By.ProfessionalID,
		GrantedAt:       timestamppb.New(cmd.At),
		RequestId:       cmd.RequestID,
		ChosenByPatient: cmd.ChosenByPatient,
	}}, nil
}

// normalise sorts and deduplicates categories so equal consents have equal events.
func normalise(cats []consentv1.Category) []consentv1.Category {
	out := slices.Clone(cats)
	slices.Sort(out)
	return slices.Compact(out)
}
