package fhirr4

import (
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/civil"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/fold"
	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
	pathwayv1 "github.com/stafett/stafett/proto/stafett/pathway/v1"
	referralv1 "github.com/stafett/stafett/proto/stafett/referral/v1"
)

// TaskStatus is a Task.status code (http://hl7.org/fhir/task-status).
type TaskStatus string

// The statuses a referral's Task passes through.
const (
	TaskReceived   TaskStatus = "received"
	TaskAccepted   TaskStatus = "accepted"
	TaskRejected   TaskStatus = "rejected"
	TaskInProgress TaskStatus = "in-progress"
	TaskCompleted  TaskStatus = "completed"
	TaskCancelled  TaskStatus = "cancelled"
)

// TaskStatuses lists every status a referral's Task can have.
var TaskStatuses = []TaskStatus{TaskReceived, TaskAccepted, TaskRejected, TaskInProgress, TaskCompleted, TaskCancelled}

// BusinessStatus is a code of BusinessStatusSystem: what is happening to
// the referral beyond its Task.status.
type BusinessStatus string

// Stafett's business statuses (docs/fhir.md).
const (
	BusinessInformationRequested     BusinessStatus = "information-requested"
	BusinessForwarded                BusinessStatus = "forwarded"
	BusinessAssessmentDeadlineBreach BusinessStatus = "assessment-deadline-breached"
	BusinessCareStartAtRisk          BusinessStatus = "care-start-deadline-at-risk"
	BusinessCareStartBreach          BusinessStatus = "care-start-deadline-breached"
)

// BusinessStatusDisplay is each business status's display text.
var BusinessStatusDisplay = map[BusinessStatus]string{
	BusinessInformationRequested:     "Information requested from the referrer",
	BusinessForwarded:                "Forwarded to another unit",
	BusinessAssessmentDeadlineBreach: "Assessment deadline breached",
	BusinessCareStartAtRisk:          "Care-start deadline at risk",
	BusinessCareStartBreach:          "Care-start deadline breached",
}

// SenderIdentifier is the identifier the sender gave its referral
// (ServiceRequest.identifier). The referral keeps it as its external id,
// "system|value" in FHIR's token form, or a bare value from gRPC callers.
type SenderIdentifier struct {
	System string
	Value  string
}

// ExternalID is the identifier as the referral's external id.
func (i SenderIdentifier) ExternalID() string {
	if i.System == "" {
		return i.Value
	}
	return i.System + "|" + i.Value
}

// SenderIdentifierOf reads an external id back.
func SenderIdentifierOf(externalID string) SenderIdentifier {
	if system, value, ok := strings.Cut(externalID, "|"); ok {
		return SenderIdentifier{System: system, Value: value}
	}
	return SenderIdentifier{Value: externalID}
}

// TaskFacts is everything the Task and ServiceRequest of a referral show.
// It is comparable, so a fold can tell whether a commit changed anything a
// reader sees.
type TaskFacts struct {
	ReferralID string
	// PatientID is the patient's pseudonym: access checks and logs use it.
	PatientID string
	// PatientNationalID is personal data; it leaves only in a resource that
	// passed the access check.
	PatientNationalID string
	// Sender is the organisation number that submitted the referral: the
	// Task's requester.
	Sender            string
	Identifier        SenderIdentifier
	ReferrerHPR       string
	ReferrerOrgNumber string
	// RequestedUnit is the unit the sender addressed; Owner is the unit that
	// holds the referral now (forwarding moves it).
	RequestedUnit ids.Unit
	Owner         ids.Unit
	Urgency       referralv1.Urgency
	Internal      bool
	Reason        string
	ReceivedAt    time.Time

	Status TaskStatus
	// StatusReason and FollowUp say why a rejected referral gives no right
	// and what the referrer should do instead.
	StatusReason   string
	FollowUp       string
	BusinessStatus BusinessStatus
	// CareStartDeadline is the binding date care must start by, once a right
	// is granted.
	CareStartDeadline civil.Date
	// Started is the first attendance (or, for a referral that needs no
	// assessment, the booked first appointment); Ended the pathway's end.
	Started civil.Date
	Ended   civil.Date
}

// TaskState is a referral's Task folded from referral and pathway commits.
// Apply is pure: it returns the next state and leaves the receiver alone.
type TaskState struct {
	TaskFacts
	// Version counts the commits that changed the facts; it is the Task's
	// meta.versionId.
	Version uint64
	// LastUpdated is when the last such commit was decided.
	LastUpdated time.Time
	// PathwayIDs are the referral's care pathways, a transfer's successor
	// last; their commits fold into this Task.
	PathwayIDs []string
}

// NewTaskState is the state of a referral's Task before its first commit.
func NewTaskState(referralID string) TaskState {
	return TaskState{TaskFacts: TaskFacts{ReferralID: referralID}}
}

// Exists reports whether the referral was received.
func (s TaskState) Exists() bool { return s.Status != "" }

// Concerns reports whether a commit may change this Task without decoding it:
// the referral's own commits and those of its known pathways. A pathway's
// start is the exception, found only in its events (ReferralOf).
func (s TaskState) Concerns(c *eventsv1.Commit) bool {
	switch c.GetAggregateType() {
	case "referral":
		return c.GetAggregateId() == s.ReferralID
	case "pathway":
		return slices.Contains(s.PathwayIDs, c.GetAggregateId())
	}
	return false
}

// Apply folds one commit. Commits of other aggregates leave the state as it
// is, except a pathway start naming this referral. Keep next even when
// changed is false: changed reports only whether the Task a reader sees is
// different (a pathway start, say, adds a pathway id and nothing visible).
func (s TaskState) Apply(c *eventsv1.Commit) (next TaskState, changed bool, err error) {
	events, err := eventstore.DecodeEvents(c)
	if err != nil {
		return s, false, err
	}
	next, changed = s.ApplyEvents(c, events)
	return next, changed, nil
}

// ApplyEvents is Apply for a commit whose events are already decoded.
func (s TaskState) ApplyEvents(c *eventsv1.Commit, events []proto.Message) (next TaskState, changed bool) {
	next = s.applyEvents(c, events)
	return next, next.TaskFacts != s.TaskFacts
}

func (s TaskState) applyEvents(c *eventsv1.Commit, events []proto.Message) TaskState {
	ownPathway := c.GetAggregateType() == "pathway" && (slices.Contains(s.PathwayIDs, c.GetAggregateId()) || ReferralOf(events) == s.ReferralID)
	if !s.Concerns(c) && !ownPathway {
		return s
	}
	before := s.TaskFacts
	for _, e := range events {
		s = s.evolve(e)
	}
	if s.TaskFacts != before {
		s.Version++
		s.LastUpdated = fold.Instant(c.GetOccurredAt())
	}
	return s
}

// ReferralOf is the referral a pathway commit starts a pathway for, or "".
func ReferralOf(events []proto.Message) string {
	for _, e := range events {
		if started, ok := e.(*pathwayv1.PathwayStarted); ok {
			return started.GetReferralId()
		}
	}
	return ""
}

func (s TaskState) evolve(event proto.Message) TaskState {
	switch e := event.(type) {
	case *referralv1.ReferralReceived:
		unit := ids.UnitFromRef(e.GetReceivingUnit())
		s.TaskFacts = TaskFacts{
			ReferralID:        e.GetReferralId(),
			PatientID:         e.GetPatientId(),
			PatientNationalID: e.GetPatientNationalId(),
			Sender:            e.GetSenderOrgNumber(),
			Identifier:        SenderIdentifierOf(e.GetExternalId()),
			ReferrerHPR:       e.GetReferrerHpr(),
			ReferrerOrgNumber: e.GetReferrerOrgNumber(),
			RequestedUnit:     unit,
			Owner:             unit,
			Urgency:           e.GetUrgency(),
			Internal:          e.GetInternal(),
			Reason:            e.GetReason(),
			ReceivedAt:        fold.Instant(e.GetReceivedAt()),
			Status:            TaskReceived,
		}
	case *referralv1.InformationRequested:
		s.BusinessStatus = BusinessInformationRequested
	case *referralv1.ReferralForwarded:
		s.Owner = ids.UnitFromRef(e.GetToUnit())
		s.BusinessStatus = BusinessForwarded
	case *referralv1.ReferralAssessed:
		if g := e.GetRightGranted(); g != nil {
			s.Status = TaskAccepted
			s.CareStartDeadline = fold.Date(g.GetCareStartDeadline())
		} else {
			s.Status = TaskRejected
			s.StatusReason = e.GetNoRight().GetReason()
			s.FollowUp = e.GetNoRight().GetFollowUp()
		}
		s = s.settleWaiting()
	case *referralv1.ReferralWithdrawn:
		s.Status = TaskCancelled
		s = s.settleWaiting()
	case *referralv1.FirstAppointmentScheduled:
		// A referral that needs no assessment (emergency, internal) has no
		// pathway either: the unit booking it in is where its care starts.
		if s.Status == TaskReceived && (s.Internal || s.Urgency == referralv1.Urgency_URGENCY_EMERGENCY) {
			s = s.start(fold.Date(e.GetAppointmentDate()))
		}
	case *referralv1.AssessmentDeadlineBreached:
		s.BusinessStatus = BusinessAssessmentDeadlineBreach
	case *referralv1.CareStartDeadlineAtRisk:
		s.BusinessStatus = BusinessCareStartAtRisk
	case *referralv1.CareStartDeadlineBreached:
		s.BusinessStatus = BusinessCareStartBreach
	case *pathwayv1.PathwayStarted:
		if !slices.Contains(s.PathwayIDs, e.GetPathwayId()) {
			s.PathwayIDs = append(slices.Clip(s.PathwayIDs), e.GetPathwayId())
		}
		if on := fold.Date(e.GetFirstAttendedOn()); !on.IsZero() {
			s = s.start(on)
		}
	case *pathwayv1.FirstAttendanceRecorded:
		s = s.start(fold.Date(e.GetAttendedOn()))
	case *pathwayv1.PathwayCompleted:
		if s.Status == TaskAccepted || s.Status == TaskInProgress {
			s.Status = TaskCompleted
			s.Ended = fold.Date(e.GetCompletedOn())
		}
	}
	return s
}

// settleWaiting drops the business statuses that describe the wait for an
// assessment once the wait is over. Deadline breaches stay: a breach is
// recorded whatever happens afterwards.
func (s TaskState) settleWaiting() TaskState {
	if s.BusinessStatus == BusinessInformationRequested || s.BusinessStatus == BusinessForwarded {
		s.BusinessStatus = ""
	}
	return s
}

// start moves an accepted (or assessment-free) referral into care. A risk to
// the care-start deadline is over once care started.
func (s TaskState) start(on civil.Date) TaskState {
	if s.Status != TaskAccepted && s.Status != TaskReceived {
		return s
	}
	s.Status = TaskInProgress
	if s.Started.IsZero() {
		s.Started = on
	}
	if s.BusinessStatus == BusinessCareStartAtRisk {
		s.BusinessStatus = ""
	}
	return s
}
