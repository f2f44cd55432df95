package domain

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Categories are the information categories a journey is filtered by, in
// the order they are checked.
var Categories = []consentv1.Category{
	consentv1.Category_CATEGORY_REFERRAL,
	consentv1.Category_CATEGORY_PATHWAY,
	consentv1.Category_CATEGORY_RELATIONSHIPS,
	consentv1.Category_CATEGORY_PLAN,
	consentv1.Category_CATEGORY_CONSENT,
}

// CategoryOf is the category a caller needs to see an entry of this kind.
func CategoryOf(kind handoffsv1.EntryKind) consentv1.Category {
	switch {
	case kind >= handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED && kind <= handoffsv1.EntryKind_ENTRY_KIND_CARE_START_DEADLINE_BREACHED:
		return consentv1.Category_CATEGORY_REFERRAL
	case kind >= handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED && kind <= handoffsv1.EntryKind_ENTRY_KIND_MILESTONE_OVERDUE:
		return consentv1.Category_CATEGORY_PATHWAY
	case kind >= handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED && kind <= handoffsv1.EntryKind_ENTRY_KIND_CONTINUITY_PREFERENCE:
		return consentv1.Category_CATEGORY_RELATIONSHIPS
	case kind >= handoffsv1.EntryKind_ENTRY_KIND_INDIVIDUAL_PLAN_CREATED && kind <= handoffsv1.EntryKind_ENTRY_KIND_PLAN_REVIEWED:
		return consentv1.Category_CATEGORY_PLAN
	default:
		return consentv1.Category_CATEGORY_CONSENT
	}
}

// Allowed is the set of categories a caller may see.
type Allowed map[consentv1.Category]bool

// Journey renders the patient's entries after sequence after that the
// caller may see, in stream order.
func (v *View) Journey(p *Patient, allowed Allowed, after uint64) []*handoffsv1.JourneyEntry {
	if p == nil {
		return nil
	}
	var out []*handoffsv1.JourneyEntry
	for _, e := range p.Entries {
		kind := handoffsv1.EntryKind(e.Kind)
		cat := CategoryOf(kind)
		if p.Seq(e) <= after || !allowed[cat] {
			continue
		}
		out = append(out, &handoffsv1.JourneyEntry{
			Sequence:       p.Seq(e),
			At:             timestamp(e.At()),
			Kind:           kind,
			Category:       cat,
			Unit:           v.UnitRef(e.Unit),
			ProfessionalId: v.In.Str(e.Prof),
			RecordId:       p.RecStr(e.Rec),
			Code:           codeName(kind, e.Code),
		})
	}
	return out
}

// UnitRef renders an interned unit; nil for none.
func (v *View) UnitRef(r Ref) *eventsv1.UnitRef {
	if r == 0 {
		return nil
	}
	u := ParseUnitKey(v.In.Str(r))
	return &eventsv1.UnitRef{HerId: u.HerID, OrgNumber: u.OrgNumber}
}

func codeName(kind handoffsv1.EntryKind, code uint8) string {
	c := int32(code)
	switch kind {
	case handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED:
		return enumName(referralv1.Urgency_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_ASSESSED:
		switch code {
		case codeRightGranted:
			return "RIGHT_GRANTED"
		case codeNoRight:
			return "NO_RIGHT"
		}
	case handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED:
		return enumName(eventsv1.PathwayType_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_CLINICAL_DECISION:
		return enumName(pathwayv1.ClinicalDecision_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_TREATMENT_PLAN_AGREED:
		return enumName(pathwayv1.DecisionMode_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_MILESTONE_OVERDUE:
		return enumName(pathwayv1.Milestone_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED, handoffsv1.EntryKind_ENTRY_KIND_LEFT_WITHOUT_CONTACT,
		handoffsv1.EntryKind_ENTRY_KIND_PLANNING_GROUP_MEMBER_ADDED:
		return enumName(continuityv1.Role_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_CONTACT:
		return enumName(continuityv1.ContactKind_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_ENDED:
		return enumName(continuityv1.EndReason_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_HANDOFF_PLANNED, handoffsv1.EntryKind_ENTRY_KIND_HANDOFF_COMPLETED:
		return enumName(continuityv1.HandoffKind_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_CONTINUITY_PREFERENCE:
		return enumName(continuityv1.Closeness_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_COORDINATOR_APPOINTED:
		if code == 1 {
			return "CHOSEN_BY_PATIENT"
		}
	case handoffsv1.EntryKind_ENTRY_KIND_CONSENT_GRANTED, handoffsv1.EntryKind_ENTRY_KIND_OBJECTION_RECORDED:
		return enumName(consentv1.Category_name, c)
	case handoffsv1.EntryKind_ENTRY_KIND_PLAN_UPDATED:
		return [...]string{"", "GOAL", "SERVICE", "MEETING_PREFERENCE"}[min(int(code), 3)]
	case handoffsv1.EntryKind_ENTRY_KIND_LEGAL_STATUS_CHANGED, handoffsv1.EntryKind_ENTRY_KIND_EMERGENCY_ACCESS:
		names := [...]string{"", "CAPACITY_ASSESSED", "REPRESENTATIVE_REGISTERED", "COMPULSORY_CARE_STARTED", "COMPULSORY_CARE_ENDED",
			"CONTACT_AFTER_END_PERMITTED", "CONTACT_AFTER_END_REVOKED", "EMERGENCY_ACCESS_OPENED", "EMERGENCY_ACCESS_REVIEWED"}
		if int(code) < len(names) {
			return names[code]
		}
	}
	return ""
}

func enumName(names map[int32]string, c int32) string {
	if c == 0 {
		return ""
	}
	return names[c]
}

func timestamp(ns int64) *timestamppb.Timestamp { return timestamppb.New(time.Unix(0, ns)) }

func unitRef(u Unit) *eventsv1.UnitRef {
	return &eventsv1.UnitRef{HerId: u.HerID, OrgNumber: u.OrgNumber}
}
