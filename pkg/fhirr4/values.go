package fhirr4

import (
	"time"

	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"

	"github.com/stafett/stafett/pkg/civil"
)

// String is an R4 string.
func String(s string) *dpb.String { return &dpb.String{Value: s} }

// URI is an R4 uri.
func URI(s string) *dpb.Uri { return &dpb.Uri{Value: s} }

// ID is an R4 id.
func ID(s string) *dpb.Id { return &dpb.Id{Value: s} }

// Identifier is an R4 Identifier with a system and a value.
func Identifier(system, value string) *dpb.Identifier {
	id := &dpb.Identifier{Value: String(value)}
	if system != "" {
		id.System = URI(system)
	}
	return id
}

// LogicalReference refers to a resource by its business identifier only,
// for organisations and people Stafett knows by identifier and does not
// serve as resources.
func LogicalReference(resourceType, system, value string) *dpb.Reference {
	return &dpb.Reference{Type: URI(resourceType), Identifier: Identifier(system, value)}
}

// Text is a CodeableConcept holding only text.
func Text(s string) *dpb.CodeableConcept { return &dpb.CodeableConcept{Text: String(s)} }

// Coded is a CodeableConcept with one coding.
func Coded(system, code, display string) *dpb.CodeableConcept {
	c := &dpb.Coding{System: URI(system), Code: &dpb.Code{Value: code}}
	if display != "" {
		c.Display = String(display)
	}
	return &dpb.CodeableConcept{Coding: []*dpb.Coding{c}}
}

// Instant is an R4 instant in UTC, to the microsecond.
func Instant(t time.Time) *dpb.Instant {
	return &dpb.Instant{ValueUs: t.UnixMicro(), Timezone: "Z", Precision: dpb.Instant_MICROSECOND}
}

// DateTime is an R4 dateTime in UTC, to the microsecond.
func DateTime(t time.Time) *dpb.DateTime {
	return &dpb.DateTime{ValueUs: t.UnixMicro(), Timezone: "Z", Precision: dpb.DateTime_MICROSECOND}
}

// DayDateTime is a calendar date as an R4 dateTime of day precision
// ("2026-03-16"): deadlines are dates, not instants. The zone only anchors
// the value; a day-precision dateTime is written without one.
func DayDateTime(d civil.Date) *dpb.DateTime {
	return &dpb.DateTime{ValueUs: d.Start(time.UTC).UnixMicro(), Timezone: "UTC", Precision: dpb.DateTime_DAY}
}

// TimeOf is the instant a dateTime or instant's value names.
func TimeOf(valueUs int64) time.Time { return time.UnixMicro(valueUs).UTC() }

// DateOf is the calendar date a dateTime names, in the zone it was written
// in (a parsed date without a zone is in the parser's zone).
func DateOf(dt *dpb.DateTime) civil.Date {
	loc, err := time.LoadLocation(dt.GetTimezone())
	if err != nil {
		loc = time.UTC
	}
	return civil.Of(time.UnixMicro(dt.GetValueUs()), loc)
}
