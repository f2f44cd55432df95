// Package app holds the pathway service's commands and queries, each command
// declared once on the shared command pipeline (pkg/command), and its process
// manager: it validates requests and wires the domain's pure Authorize and
// Decide functions to the pipeline. It knows nothing of gRPC; the consent
// service is reached through the LegalStatus port.
package app

import (
	"context"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/clock"
	"github.com/stafett/stafett/pkg/command"
	"github.com/stafett/stafett/pkg/decider"
	"github.com/stafett/stafett/pkg/eventstore"
	"github.com/stafett/stafett/pkg/idgen"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// LegalStatus is the consent service's answer about a patient today. An
// implementation that cannot get an answer returns errs.Unavailable: the
// medication-free rule is never decided on a guess.
type LegalStatus interface {
	LegalStatus(ctx context.Context, patientID string) (domain.LegalFacts, error)
}

// App is the pathway service's application layer.
type App struct {
	store    *eventstore.Store
	pathways *command.Aggregate[domain.Pathway]
	// runtime appends what is no caller's command: the process manager's
	// starts, the milestone watcher's reports, a transfer's linked pathway.
	runtime   *decider.Runtime[domain.Pathway]
	image     *decider.Image[domain.Pathway]
	visible   *visibility
	clock     clock.Clock
	policy    domain.Policy
	legal     LegalStatus
	processed *watermark

	assignCoordinator *command.Handler[domain.Pathway, AssignPathwayCoordinator]
	firstAttendance   *command.Handler[domain.Pathway, RecordFirstAttendance]
	clinicalDecision  *command.Handler[domain.Pathway, RecordClinicalDecision]
	treatmentPlan     *command.Handler[domain.Pathway, AgreeTreatmentPlan]
	evaluation        *command.Handler[domain.Pathway, RecordEvaluation]
	postponement      *command.Handler[domain.Pathway, RecordPatientPostponement]
	transfer          *command.Handler[domain.Pathway, TransferPathway]
	complete          *command.Handler[domain.Pathway, CompletePathway]
	medicationFree    *command.Handler[domain.Pathway, RequestMedicationFreeTreatment]
}

// Deps are what the application needs from outside.
type Deps struct {
	Store  *eventstore.Store
	Image  *decider.Image[domain.Pathway]
	Clock  clock.Clock
	IDs    idgen.Generator
	Policy domain.Policy
	// Guard checks every read of patient data with the consent service and
	// writes the access log: every pathway that leaves the service, in a
	// command's answer or a query's, was permitted and logged first.
	Guard *access.Guard
	Legal LegalStatus
}

// New wires the application. The image must not have been fed yet: New
// registers the visibility indexes on it.
func New(d Deps) *App {
	runtime := decider.NewRuntime(d.Store, d.Image, d.Clock, d.IDs, 0)
	a := &App{
		store:     d.Store,
		runtime:   runtime,
		image:     d.Image,
		visible:   newVisibility(),
		clock:     d.Clock,
		policy:    d.Policy,
		legal:     d.Legal,
		processed: newWatermark(),
	}
	d.Image.AddIndex(a.visible.index)
	a.pathways = command.NewAggregate(command.Config[domain.Pathway]{
		Runtime:   runtime,
		Guard:     d.Guard,
		Clock:     d.Clock,
		IDs:       d.IDs,
		What:      "pathway",
		Exists:    domain.Pathway.Exists,
		PatientOf: func(p domain.Pathway) string { return p.PatientID },
	})
	a.declare()
	return a
}

// Model is the pathway aggregate's fold, for feeding the image.
func Model() decider.Model[domain.Pathway] {
	return decider.Model[domain.Pathway]{
		Context: "pathway", Type: "pathway", Initial: domain.Initial, Evolve: domain.Evolve,
	}
}

// Commands names every command declared on the pipeline.
func (a *App) Commands() []string { return a.pathways.Commands() }

// meta is the commit metadata of what the service appends on its own
// account or as a command's follow-up. The commit carries the patient's
// pseudonym so the consent service can fold it into the care team.
func (a *App) meta(actor access.Actor, requestID, patientID string) decider.Meta {
	return decider.Meta{
		Actor:          actor.Proto(),
		IdempotencyKey: decider.RequestKey(actor.Scope(), requestID),
		PatientID:      patientID,
	}
}

// operation names the RPC in the access log.
func operation(method string) string { return "stafett.pathway.v1.PathwayService/" + method }

// read is a pathway as a read of the patient's pathway data, for the access
// check and the access log.
func read(method string) func(domain.Pathway) access.Read {
	return func(p domain.Pathway) access.Read {
		return pathwayRead(p.PatientID, method, "pathways/"+p.ID)
	}
}

func pathwayRead(patientID, method, resource string) access.Read {
	return access.Read{
		PatientID: patientID, Category: consentv1.Category_CATEGORY_PATHWAY,
		Service: "pathway", Operation: operation(method), Resource: resource,
	}
}
