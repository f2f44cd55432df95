package domain

import (
	"google.golang.org/protobuf/proto"

	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// Codes of ENTRY_KIND_REFERRAL_ASSESSED.
const (
	codeRightGranted = 1
	codeNoRight      = 2
)

// Codes of ENTRY_KIND_LEGAL_STATUS_CHANGED and ENTRY_KIND_EMERGENCY_ACCESS.
const (
	codeCapacity = iota + 1
	codeRepresentative
	codeCompulsoryStarted
	codeCompulsoryEnded
	codeContactAfterEndPermitted
	codeContactAfterEndRevoked
	codeEmergencyOpened
	codeEmergencyReviewed
)

// Codes of ENTRY_KIND_PLAN_UPDATED.
const (
	codeGoal = iota + 1
	codeService
	codeMeetingPreference
)

func k(kind handoffsv1.EntryKind) uint8 { return uint8(kind) }

func (f *folder) evolve(e proto.Message) {
	switch e := e.(type) {
	// Referral.
	case *referralv1.ReferralReceived:
		r := f.referral(e.GetReferralId())
		r.Unit = f.unit(e.GetReceivingUnit())
		r.AssessmentDue = Day(e.GetAssessmentDue())
		r.Open, r.Received = true, f.when(e.GetReceivedAt())
		f.add(entry{At: r.Received, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_RECEIVED), Unit: r.Unit, Rec: r.ID, Code: uint8(e.GetUrgency())})
	case *referralv1.InformationRequested:
		r := f.referral(e.GetReferralId())
		f.add(entry{At: f.when(e.GetRequestedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_INFORMATION_REQUESTED), Unit: r.Unit, Prof: f.ref(e.GetRequestedBy()), Rec: r.ID})
	case *referralv1.ReferralAssessed:
		r := f.referral(e.GetReferralId())
		r.Open = false
		code := uint8(codeNoRight)
		if g := e.GetRightGranted(); g != nil {
			r.Granted, r.CareStart, code = true, Day(g.GetCareStartDeadline()), codeRightGranted
		}
		f.add(entry{At: f.when(e.GetAssessedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_ASSESSED), Unit: r.Unit, Prof: f.ref(e.GetAssessedBy()), Rec: r.ID, Code: code})
	case *referralv1.ReferralForwarded:
		r := f.referral(e.GetReferralId())
		from, to := f.unit(e.GetFromUnit()), f.unit(e.GetToUnit())
		if from == 0 {
			from = r.Unit
		}
		r.Unit = to
		at := f.when(e.GetForwardedAt())
		f.p.Moves = append(f.p.Moves, Move{From: from, To: to, At: at})
		f.add(entry{At: at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_FORWARDED), Unit: to, Prof: f.ref(e.GetForwardedBy()), Rec: r.ID})
	case *referralv1.ReferralWithdrawn:
		r := f.referral(e.GetReferralId())
		r.Open, r.Withdrawn = false, true
		f.add(entry{At: f.when(e.GetWithdrawnAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_REFERRAL_WITHDRAWN), Unit: r.Unit, Rec: r.ID})
	case *referralv1.FirstAppointmentScheduled:
		r := f.referral(e.GetReferralId())
		r.FirstAppt = true
		f.add(entry{At: f.when(e.GetScheduledAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_FIRST_APPOINTMENT_SCHEDULED), Unit: r.Unit, Prof: f.ref(e.GetScheduledBy()), Rec: r.ID})
	case *referralv1.AssessmentDeadlineBreached:
		r := f.referral(e.GetReferralId())
		r.AssessBreached = true
		f.add(entry{At: f.when(e.GetDetectedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_ASSESSMENT_DEADLINE_BREACHED), Unit: r.Unit, Rec: r.ID})
	case *referralv1.CareStartDeadlineAtRisk:
		r := f.referral(e.GetReferralId())
		f.add(entry{At: f.when(e.GetDetectedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CARE_START_DEADLINE_AT_RISK), Unit: r.Unit, Rec: r.ID})
	case *referralv1.CareStartDeadlineBreached:
		r := f.referral(e.GetReferralId())
		r.CareStartBreach = true
		f.add(entry{At: f.when(e.GetDetectedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CARE_START_DEADLINE_BREACHED), Unit: r.Unit, Rec: r.ID})

	// Pathway.
	case *pathwayv1.PathwayStarted:
		pw := f.pathway(e.GetPathwayId())
		pw.Referral, pw.Unit, pw.Start, pw.Active = f.rec(e.GetReferralId()), f.unit(e.GetUnit()), f.when(e.GetStartedAt()), true
		pw.Attended = e.GetFirstAttendedOn() != ""
		if pw.Attended {
			// A transferred pathway keeps its timing: care has started.
			f.reachReferralCare(pw.Referral)
		}
		f.target(pw, e.GetTargets())
		f.add(entry{At: pw.Start, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_STARTED), Unit: pw.Unit, Rec: pw.ID, Code: uint8(e.GetPathwayType())})
	case *pathwayv1.PathwayCoordinatorAssigned:
		pw := f.pathway(e.GetPathwayId())
		reach(pw, pathwayv1.Milestone_MILESTONE_COORDINATOR_ASSIGNED)
		f.add(entry{At: f.when(e.GetAssignedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_COORDINATOR_ASSIGNED), Unit: pw.Unit, Prof: f.ref(e.GetProfessionalId()), Rec: pw.ID})
	case *pathwayv1.FirstAttendanceRecorded:
		pw := f.pathway(e.GetPathwayId())
		pw.Attended = true
		f.reachReferralCare(pw.Referral)
		reach(pw, pathwayv1.Milestone_MILESTONE_FIRST_ATTENDANCE)
		f.target(pw, e.GetTargets())
		f.add(entry{At: f.when(e.GetAttendedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_FIRST_ATTENDANCE), Unit: pw.Unit, Prof: f.ref(e.GetRecordedBy()), Rec: pw.ID})
	case *pathwayv1.ClinicalDecisionRecorded:
		pw := f.pathway(e.GetPathwayId())
		if e.GetStage() == pathwayv1.ClinicalDecisionStage_CLINICAL_DECISION_STAGE_EXTENDED {
			reach(pw, pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_EXTENDED)
		} else {
			reach(pw, pathwayv1.Milestone_MILESTONE_CLINICAL_DECISION_BASIC)
		}
		f.target(pw, e.GetTargets())
		f.add(entry{At: f.when(e.GetRecordedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CLINICAL_DECISION), Unit: pw.Unit, Prof: f.ref(e.GetRecordedBy()), Rec: pw.ID, Code: uint8(e.GetCode())})
	case *pathwayv1.TreatmentPlanAgreed:
		pw := f.pathway(e.GetPathwayId())
		reach(pw, pathwayv1.Milestone_MILESTONE_TREATMENT_PLAN_AGREED)
		f.target(pw, e.GetTargets())
		f.add(entry{At: f.when(e.GetPlan().GetAgreedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_TREATMENT_PLAN_AGREED), Unit: pw.Unit, Prof: f.ref(e.GetPlan().GetAgreedBy()), Rec: pw.ID, Code: uint8(e.GetPlan().GetDecisionMode())})
	case *pathwayv1.EvaluationRecorded:
		pw := f.pathway(e.GetPathwayId())
		reach(pw, pathwayv1.Milestone_MILESTONE_EVALUATION)
		f.target(pw, e.GetTargets())
		f.add(entry{At: f.when(e.GetRecordedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_EVALUATION), Unit: pw.Unit, Prof: f.ref(e.GetEvaluation().GetRecordedBy()), Rec: pw.ID})
	case *pathwayv1.PatientPostponementRecorded:
		pw := f.pathway(e.GetPathwayId())
		f.add(entry{At: f.when(e.GetRecordedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PATIENT_POSTPONEMENT), Unit: pw.Unit, Prof: f.ref(e.GetPostponement().GetRecordedBy()), Rec: pw.ID})
	case *pathwayv1.PathwayTransferred:
		pw := f.pathway(e.GetPathwayId())
		at := f.when(e.GetTransferredAt())
		pw.Active, pw.End = false, at
		from, to := f.unit(e.GetFromUnit()), f.unit(e.GetToUnit())
		if from == 0 {
			from = pw.Unit
		}
		f.p.Moves = append(f.p.Moves, Move{From: from, To: to, At: at, Pathway: true})
		f.add(entry{At: at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_TRANSFERRED), Unit: to, Prof: f.ref(e.GetTransferredBy()), Rec: pw.ID})
	case *pathwayv1.PathwayCompleted:
		pw := f.pathway(e.GetPathwayId())
		at := f.when(e.GetCompletedAt())
		pw.Active, pw.End = false, at
		reach(pw, pathwayv1.Milestone_MILESTONE_COMPLETED)
		f.add(entry{At: at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PATHWAY_COMPLETED), Unit: pw.Unit, Prof: f.ref(e.GetCompletedBy()), Rec: pw.ID})
	case *pathwayv1.MedicationFreeTreatmentRequested:
		pw := f.pathway(e.GetPathwayId())
		f.add(entry{At: f.when(e.GetRequestedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_MEDICATION_FREE_REQUESTED), Unit: pw.Unit, Prof: f.ref(e.GetRequestedBy()), Rec: pw.ID})
	case *pathwayv1.MedicationFreeTreatmentGranted:
		pw := f.pathway(e.GetPathwayId())
		f.add(entry{At: f.when(e.GetGrantedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_MEDICATION_FREE_GRANTED), Unit: pw.Unit, Rec: pw.ID})
	case *pathwayv1.MilestoneOverdue:
		pw := f.pathway(e.GetPathwayId())
		for i := range pw.Targets {
			if pw.Targets[i].Milestone == uint8(e.GetMilestone()) && !pw.Targets[i].Reached {
				pw.Targets[i].Overdue = true
			}
		}
		f.add(entry{At: f.when(e.GetDetectedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_MILESTONE_OVERDUE), Unit: pw.Unit, Rec: pw.ID, Code: uint8(e.GetMilestone())})

	// Continuity: relationships, contacts, handoffs.
	case *continuityv1.RelationshipStarted:
		r := f.rel(e.GetRelationshipId())
		r.Prof, r.Unit, r.Role, r.Start, r.Active = f.ref(e.GetProfessionalId()), f.unit(e.GetUnit()), uint8(e.GetRole()), f.when(e.GetStartedAt()), true
		r.FromHandoff = f.rec(e.GetFromHandoffId())
		f.add(entry{At: r.Start, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_STARTED), Unit: r.Unit, Prof: r.Prof, Rec: r.ID, Code: r.Role})
	case *continuityv1.ContactRecorded:
		r := f.rel(e.GetRelationshipId())
		prof := r.Prof
		if prof == 0 {
			prof = f.ref(e.GetProfessionalId())
		}
		f.add(entry{At: f.when(e.GetOccurredAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CONTACT), Unit: r.Unit, Prof: prof, Rec: r.ID, Code: uint8(e.GetKind())})
	case *continuityv1.RelationshipEnded:
		r := f.rel(e.GetRelationshipId())
		r.Active, r.End, r.EndReason = false, f.when(e.GetEndedAt()), uint8(e.GetReason())
		f.add(entry{At: r.End, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_RELATIONSHIP_ENDED), Unit: r.Unit, Prof: r.Prof, Rec: r.ID, Code: r.EndReason})
	case *continuityv1.HandoffPlanned:
		h := f.handoff(e.GetHandoffId())
		h.FromRel, h.Planned, h.Kind = f.rec(e.GetFromRelationshipId()), f.when(e.GetPlannedAt()), uint8(e.GetKind())
		f.add(entry{At: h.Planned, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_HANDOFF_PLANNED), Unit: f.unit(e.GetToUnit()), Prof: f.ref(e.GetToProfessionalId()), Rec: h.ID, Code: h.Kind})
	case *continuityv1.HandoffCompleted:
		h := f.handoff(e.GetHandoffId())
		if h.FromRel == 0 {
			h.FromRel = f.rec(e.GetFromRelationshipId())
		}
		h.ToRel, h.Completed, h.Kind = f.rec(e.GetToRelationshipId()), f.when(e.GetCompletedAt()), uint8(e.GetKind())
		f.add(entry{At: h.Completed, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_HANDOFF_COMPLETED), Prof: f.ref(e.GetToProfessionalId()), Rec: h.ID, Code: h.Kind})
	case *continuityv1.PatientLeftWithoutContact:
		a := &Alone{Rel: f.rec(e.GetRelationshipId()), Prof: f.ref(e.GetProfessionalId()), Unit: f.unit(e.GetUnit()), At: f.when(e.GetAt()), Role: uint8(e.GetRole()), Reason: uint8(e.GetReason())}
		f.p.Alone = a
		f.add(entry{At: a.At, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_LEFT_WITHOUT_CONTACT), Unit: a.Unit, Prof: a.Prof, Rec: a.Rel, Code: a.Role})
	case *continuityv1.PatientContactRestored:
		f.p.Alone = nil
		f.add(entry{At: f.when(e.GetAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CONTACT_RESTORED), Rec: f.rec(e.GetRelationshipId())})
	case *continuityv1.ContinuityPreferenceRecorded:
		f.add(entry{At: f.when(e.GetRecordedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CONTINUITY_PREFERENCE), Prof: f.ref(e.GetKeepProfessionalId()), Code: uint8(e.GetCloseness())})

	// Continuity: the individual plan.
	case *continuityv1.IndividualPlanCreated:
		f.add(entry{At: f.when(e.GetCreatedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_INDIVIDUAL_PLAN_CREATED), Rec: f.rec(e.GetPlanId())})
	case *continuityv1.CoordinatorAppointed:
		f.add(entry{At: f.when(e.GetAppointedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_COORDINATOR_APPOINTED), Prof: f.ref(e.GetProfessionalId()), Rec: f.rec(e.GetPlanId()), Code: boolCode(e.GetChosenByPatient())})
	case *continuityv1.PlanningGroupMemberAdded:
		f.add(entry{At: f.when(e.GetAddedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLANNING_GROUP_MEMBER_ADDED), Prof: f.ref(e.GetProfessionalId()), Rec: f.rec(e.GetPlanId()), Code: uint8(e.GetRole())})
	case *continuityv1.PlanningGroupMemberRemoved:
		f.add(entry{At: f.when(e.GetRemovedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLANNING_GROUP_MEMBER_REMOVED), Prof: f.ref(e.GetProfessionalId()), Rec: f.rec(e.GetPlanId())})
	case *continuityv1.PlanGoalSet:
		// The goal's text is the patient's own words: it stays in the plan.
		f.add(entry{At: f.when(e.GetSetAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLAN_UPDATED), Rec: f.rec(e.GetPlanId()), Code: codeGoal})
	case *continuityv1.PlanServiceAssigned:
		f.add(entry{At: f.at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLAN_UPDATED), Unit: f.unit(e.GetResponsibleUnit()), Prof: f.ref(e.GetResponsibleProfessionalId()), Rec: f.rec(e.GetPlanId()), Code: codeService})
	case *continuityv1.MeetingPreferenceSet:
		f.add(entry{At: f.at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLAN_UPDATED), Rec: f.rec(e.GetPlanId()), Code: codeMeetingPreference})
	case *continuityv1.PlanReviewed:
		f.add(entry{At: f.at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_PLAN_REVIEWED), Prof: f.ref(e.GetReviewedBy()), Rec: f.rec(e.GetPlanId())})

	// Consent.
	case *consentv1.ConsentGranted:
		f.add(entry{At: f.when(e.GetGrantedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CONSENT_GRANTED), Prof: f.ref(e.GetRecordedBy()), Rec: f.rec(e.GetConsentId()), Code: firstCategory(e.GetCategories())})
	case *consentv1.ConsentWithdrawn:
		f.add(entry{At: f.when(e.GetWithdrawnAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_CONSENT_WITHDRAWN), Prof: f.ref(e.GetWithdrawnBy()), Rec: f.rec(e.GetConsentId())})
	case *consentv1.ObjectionRecorded:
		f.add(entry{At: f.when(e.GetRecordedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_OBJECTION_RECORDED), Prof: f.ref(e.GetRecordedBy()), Rec: f.rec(e.GetObjectionId()), Code: firstCategory(e.GetCategories())})
	case *consentv1.ObjectionLifted:
		f.add(entry{At: f.when(e.GetLiftedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_OBJECTION_LIFTED), Prof: f.ref(e.GetLiftedBy()), Rec: f.rec(e.GetObjectionId())})
	case *consentv1.CapacityAssessed:
		f.legal(f.when(e.GetAssessedAt()), e.GetAssessedBy(), e.GetAssessmentId(), codeCapacity)
	case *consentv1.RepresentativeRegistered:
		f.legal(f.when(e.GetRegisteredAt()), e.GetRegisteredBy(), e.GetRepresentativeId(), codeRepresentative)
	case *consentv1.CompulsoryCareStarted:
		f.legal(f.when(e.GetRecordedAt()), e.GetRecordedBy(), e.GetEpisodeId(), codeCompulsoryStarted)
	case *consentv1.CompulsoryCareEnded:
		f.legal(f.when(e.GetRecordedAt()), e.GetRecordedBy(), e.GetEpisodeId(), codeCompulsoryEnded)
	case *consentv1.ContactAfterEndPermitted:
		f.legal(f.when(e.GetPermittedAt()), e.GetProfessionalId(), "", codeContactAfterEndPermitted)
	case *consentv1.ContactAfterEndRevoked:
		f.legal(f.when(e.GetRevokedAt()), e.GetProfessionalId(), "", codeContactAfterEndRevoked)
	case *consentv1.EmergencyAccessOpened:
		f.add(entry{At: f.when(e.GetOpenedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_EMERGENCY_ACCESS), Prof: f.ref(e.GetProfessionalId()), Rec: f.rec(e.GetAccessId()), Code: codeEmergencyOpened})
	case *consentv1.EmergencyAccessReviewed:
		f.add(entry{At: f.when(e.GetReviewedAt()), Kind: k(handoffsv1.EntryKind_ENTRY_KIND_EMERGENCY_ACCESS), Prof: f.ref(e.GetReviewedBy()), Rec: f.rec(e.GetAccessId()), Code: codeEmergencyReviewed})
	}
}

func (f *folder) legal(at int64, by, rec string, code uint8) {
	f.add(entry{At: at, Kind: k(handoffsv1.EntryKind_ENTRY_KIND_LEGAL_STATUS_CHANGED), Prof: f.ref(by), Rec: f.rec(rec), Code: code})
}

func boolCode(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func firstCategory(cs []consentv1.Category) uint8 {
	if len(cs) == 1 {
		return uint8(cs[0])
	}
	if len(cs) > 1 {
		return uint8(consentv1.Category_CATEGORY_ALL)
	}
	return 0
}

func (f *folder) referral(id string) *Referral {
	ref := f.rec(id)
	for i := range f.p.Referrals {
		if f.p.Referrals[i].ID == ref {
			return &f.p.Referrals[i]
		}
	}
	f.p.Referrals = append(f.p.Referrals, Referral{ID: ref})
	return &f.p.Referrals[len(f.p.Referrals)-1]
}

// reachReferralCare clears the care-start risk once care has started.
func (f *folder) reachReferralCare(referral Ref) {
	for i := range f.p.Referrals {
		if f.p.Referrals[i].ID == referral {
			f.p.Referrals[i].FirstAppt = true
		}
	}
}

func (f *folder) pathway(id string) *Pathway {
	ref := f.rec(id)
	for i := range f.p.Pathways {
		if f.p.Pathways[i].ID == ref {
			return &f.p.Pathways[i]
		}
	}
	f.p.Pathways = append(f.p.Pathways, Pathway{ID: ref})
	return &f.p.Pathways[len(f.p.Pathways)-1]
}

func (f *folder) target(pw *Pathway, ts []*pathwayv1.MilestoneTarget) {
	for _, t := range ts {
		m := uint8(t.GetMilestone())
		replaced := false
		for i := range pw.Targets {
			// A milestone that recurs (the next evaluation) gets a new target.
			if pw.Targets[i].Milestone == m && !pw.Targets[i].Reached {
				pw.Targets[i].Due, replaced = Day(t.GetTargetDate()), true
			}
		}
		if !replaced {
			pw.Targets = append(pw.Targets, Target{Milestone: m, Due: Day(t.GetTargetDate())})
		}
	}
}

func reach(pw *Pathway, m pathwayv1.Milestone) {
	for i := range pw.Targets {
		if pw.Targets[i].Milestone == uint8(m) {
			pw.Targets[i].Reached = true
		}
	}
}

func (f *folder) rel(id string) *Relationship {
	ref := f.rec(id)
	for i := range f.p.Rels {
		if f.p.Rels[i].ID == ref {
			return &f.p.Rels[i]
		}
	}
	f.p.Rels = append(f.p.Rels, Relationship{ID: ref})
	return &f.p.Rels[len(f.p.Rels)-1]
}

func (f *folder) handoff(id string) *Handoff {
	ref := f.rec(id)
	for i := range f.p.Handoffs {
		if f.p.Handoffs[i].ID == ref {
			return &f.p.Handoffs[i]
		}
	}
	f.p.Handoffs = append(f.p.Handoffs, Handoff{ID: ref})
	return &f.p.Handoffs[len(f.p.Handoffs)-1]
}
