package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// Result is a command's answer: the pathway as the command left it.
type Result = command.Result[domain.Pathway]

// AssignPathwayCoordinator names the pathway coordinator.
type AssignPathwayCoordinator struct {
	PathwayID      string
	ProfessionalID string
}

// AssignPathwayCoordinator assigns the coordinator, who must be health
// personnel: the coordinator is cooperating personnel under §25.
func (a *App) AssignPathwayCoordinator(ctx context.Context, actor access.Actor, requestID string, in AssignPathwayCoordinator) (Result, error) {
	return a.assignCoordinator.Handle(ctx, actor, requestID, in)
}

func validateAssignCoordinator(in AssignPathwayCoordinator, v *errs.Validation) {
	if pid, err := ids.ParseProfessionalID(in.ProfessionalID); err != nil {
		v.Add("professional_id", ids.Reason(err))
	} else if !pid.IsHealthPersonnel() {
		v.Add("professional_id", "must be health personnel (hpr:<digits>)")
	}
}

// RecordFirstAttendance records the first attendance.
type RecordFirstAttendance struct {
	PathwayID string
	// AttendedAt is nil when the caller left it out.
	AttendedAt *time.Time
}

// RecordFirstAttendance records the patient's first attendance.
func (a *App) RecordFirstAttendance(ctx context.Context, actor access.Actor, requestID string, in RecordFirstAttendance) (Result, error) {
	return a.firstAttendance.Handle(ctx, actor, requestID, in)
}

func (a *App) validateFirstAttendance(in RecordFirstAttendance, v *errs.Validation) {
	if in.AttendedAt == nil {
		v.Add("attended_at", "is required")
		return
	}
	v.Instant("attended_at", *in.AttendedAt)
	if in.AttendedAt.After(a.clock.Now()) {
		v.Add("attended_at", "must not be in the future")
	}
}

// RecordClinicalDecision records a clinical decision.
type RecordClinicalDecision struct {
	PathwayID string
	Code      pathwayv1.ClinicalDecision
	Stage     pathwayv1.ClinicalDecisionStage
}

// RecordClinicalDecision records a clinical decision.
func (a *App) RecordClinicalDecision(ctx context.Context, actor access.Actor, requestID string, in RecordClinicalDecision) (Result, error) {
	return a.clinicalDecision.Handle(ctx, actor, requestID, in)
}

func validateClinicalDecision(in RecordClinicalDecision, v *errs.Validation) {
	v.EnumSet("code", in.Code)
	v.EnumSet("stage", in.Stage)
}

// AgreeTreatmentPlan is a treatment plan as the unit records it.
type AgreeTreatmentPlan struct {
	PathwayID         string
	OptionsOffered    []string
	ChosenOption      string
	DecisionMode      pathwayv1.DecisionMode
	RestrictionReason string
	ChosenByPatient   bool
}

// maxOptions bounds the menu: every option is stored in the plan's event.
const maxOptions = 50

// AgreeTreatmentPlan records the menu, the patient's choice and how it was
// decided.
func (a *App) AgreeTreatmentPlan(ctx context.Context, actor access.Actor, requestID string, in AgreeTreatmentPlan) (Result, error) {
	return a.treatmentPlan.Handle(ctx, actor, requestID, in)
}

// validateTreatmentPlan: a restricted decision must say why; the other modes
// must not carry a restriction reason, so the statistics of shared decisions
// mean what they say.
func validateTreatmentPlan(in AgreeTreatmentPlan, v *errs.Validation) {
	switch {
	case len(in.OptionsOffered) == 0:
		v.Add("options_offered", "at least one option offered is required")
	case len(in.OptionsOffered) > maxOptions:
		v.Add("options_offered", "at most "+strconv.Itoa(maxOptions)+" options")
	default:
		for i, o := range in.OptionsOffered {
			v.Text("options_offered["+strconv.Itoa(i)+"]", o, true, errs.LimitLabel)
		}
	}
	v.EnumSet("decision_mode", in.DecisionMode)
	restricted := in.DecisionMode == pathwayv1.DecisionMode_DECISION_MODE_RESTRICTED
	// When the patient's say was restricted there may be no choice of theirs to record.
	v.Text("chosen_option", in.ChosenOption, !restricted, errs.LimitLabel)
	switch {
	case restricted:
		v.Text("restriction_reason", in.RestrictionReason, true, errs.LimitNote)
	case strings.TrimSpace(in.RestrictionReason) != "":
		v.Add("restriction_reason", "is only recorded with DECISION_MODE_RESTRICTED")
	}
}

// RecordEvaluation is one evaluation.
type RecordEvaluation struct {
	PathwayID        string
	PatientTookPart  bool
	FeedbackToolUsed bool
	FeedbackTool     string
}

// RecordEvaluation records whether the patient took part and whether a
// feedback tool was used.
func (a *App) RecordEvaluation(ctx context.Context, actor access.Actor, requestID string, in RecordEvaluation) (Result, error) {
	return a.evaluation.Handle(ctx, actor, requestID, in)
}

func validateEvaluation(in RecordEvaluation, v *errs.Validation) {
	v.Text("feedback_tool", in.FeedbackTool, false, errs.LimitLabel)
	if in.FeedbackTool != "" && !in.FeedbackToolUsed {
		v.Add("feedback_tool", "names a tool only when feedback_tool_used is true")
	}
}

// RecordPatientPostponement is a postponement the patient asked for.
type RecordPatientPostponement struct {
	PathwayID string
	FromDate  string
	UntilDate string
}

// RecordPatientPostponement records the postponement; the targets stay.
func (a *App) RecordPatientPostponement(ctx context.Context, actor access.Actor, requestID string, in RecordPatientPostponement) (Result, error) {
	return a.postponement.Handle(ctx, actor, requestID, in)
}

func validatePostponement(in RecordPatientPostponement, v *errs.Validation) {
	from, fromOK := date(v, "from_date", in.FromDate)
	until, untilOK := date(v, "until_date", in.UntilDate)
	if fromOK && untilOK && !until.After(from) {
		v.Add("until_date", "must be after from_date")
	}
}

// date reads a calendar date of a request: a real date, within the years an
// instant may be in (a postponement until year 9999 is a typo, and counting
// its working days would walk the calendar through eight millennia).
func date(v *errs.Validation, field, s string) (civil.Date, bool) {
	d, err := civil.Parse(s)
	if err != nil {
		v.Add(field, "must be a real date as YYYY-MM-DD")
		return civil.Date{}, false
	}
	v.Instant(field, d.Start(time.UTC))
	return d, true
}

// TransferPathway moves a pathway to another unit.
type TransferPathway struct {
	PathwayID string
	To        domain.Unit
	Reason    string
}

// Transferred is a transfer's answer: the pathway closed here and the linked
// one at the new unit.
type Transferred struct {
	Pathway    Result
	NewPathway domain.Pathway
}

// TransferPathway closes the pathway at its unit and starts the linked one at
// the new unit: two aggregates, so two appends. The first, the command, names
// the new pathway's id; the second is idempotent, so a retry of the same
// request after a failure between the two finishes the transfer instead of
// leaving the patient without a pathway.
func (a *App) TransferPathway(ctx context.Context, actor access.Actor, requestID string, in TransferPathway) (Transferred, error) {
	res, err := a.transfer.Handle(ctx, actor, requestID, in)
	if err != nil {
		return Transferred{}, err
	}
	next, err := a.startLinked(ctx, actor, res.State)
	if err != nil {
		return Transferred{}, err
	}
	return Transferred{Pathway: res, NewPathway: next}, nil
}

func validateTransfer(in TransferPathway, v *errs.Validation) {
	v.Unit("to_unit", in.To)
	v.Text("reason", in.Reason, false, errs.LimitNote)
}

// startLinked starts the pathway a transfer named, from the state the
// transfer left (on a replay: the state the first request left, so the same
// id). It is a follow-up of an authorized, checked and logged command, not a
// command of its own: the linked pathway concerns the same patient.
func (a *App) startLinked(ctx context.Context, actor access.Actor, old domain.Pathway) (domain.Pathway, error) {
	if old.Status != pathwayv1.PathwayStatus_PATHWAY_STATUS_TRANSFERRED || old.NextID == "" {
		return domain.Pathway{}, errs.Precondition("the pathway was not transferred")
	}
	meta := a.meta(actor, "", old.PatientID)
	meta.MsgID = "pathway.transfer/" + old.NextID
	res, err := a.runtime.Execute(ctx, old.NextID, meta, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideStartTransferred(p, old, a.clock.Now())
	})
	if err != nil {
		return domain.Pathway{}, err
	}
	return res.State, nil
}

// CompletePathway ends a pathway.
type CompletePathway struct {
	PathwayID string
	Reason    string
}

// CompletePathway completes the pathway.
func (a *App) CompletePathway(ctx context.Context, actor access.Actor, requestID string, in CompletePathway) (Result, error) {
	return a.complete.Handle(ctx, actor, requestID, in)
}

func validateComplete(in CompletePathway, v *errs.Validation) {
	v.Text("reason", in.Reason, false, errs.LimitNote)
}

// RequestMedicationFreeTreatment is the patient's request as the unit records it.
type RequestMedicationFreeTreatment struct {
	PathwayID       string
	ChosenByPatient bool
	// legal is the consent service's answer, consulted by the pipeline once
	// the actor may act; unexported, so no caller can set it (and it is no
	// part of the request's fingerprint).
	legal domain.LegalFacts
}

// RequestMedicationFreeTreatment asks the consent service for the patient's
// legal status and lets the domain decide. Someone who may not act on the
// pathway is answered NotFound before the consent service is asked, so the
// question itself leaks nothing; a consent service that cannot answer fails
// the request (UNAVAILABLE) rather than letting it be decided on a guess.
func (a *App) RequestMedicationFreeTreatment(ctx context.Context, actor access.Actor, requestID string, in RequestMedicationFreeTreatment) (Result, error) {
	return a.medicationFree.Handle(ctx, actor, requestID, in)
}

// legalStatus is what the medication-free decision needs to know about the
// patient today. A pathway already granted medication-free treatment has
// nothing left to decide, so the consent service is not asked again.
func (a *App) legalStatus(ctx context.Context, p domain.Pathway, in RequestMedicationFreeTreatment) (RequestMedicationFreeTreatment, error) {
	if p.MedicationFreeGranted {
		return in, nil
	}
	legal, err := a.legal.LegalStatus(ctx, p.PatientID)
	if err != nil {
		return in, err
	}
	in.legal = legal
	return in, nil
}
