// Package fhir is the referral service's FHIR R4 REST port, beside the gRPC
// one: it reads ServiceRequests and transaction Bundles into the same
// ReceiveReferral command, and answers Task and ServiceRequest reads and
// Task searches from the application's task view. It maps FHIR to the
// application and back, nothing more; the rules stay in the application
// and the domain.
package fhir

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	srpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/service_request_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/access"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/pkg/ids"
	"github.com/stafett/stafett/services/referral/internal/app"
	"github.com/stafett/stafett/services/referral/internal/domain"
)

// Scopes are the gRPC API's: creating a referral writes, reading one reads.
const (
	readScope  = "referral:read"
	writeScope = "referral:write"
)

// Edge is the referral service's part of the FHIR API.
type Edge struct {
	tasks      *app.Tasks
	codec      *fhirr4.Codec
	pseudonyms *ids.Pseudonymizer
	base       string
	// zone is Europe/Oslo: a date without a zone in a search is local time.
	zone *time.Location
}

// New builds the edge; base is the FHIR base path ("/fhir/R4").
func New(tasks *app.Tasks, codec *fhirr4.Codec, pseudonyms *ids.Pseudonymizer, base string, zone *time.Location) *Edge {
	return &Edge{tasks: tasks, codec: codec, pseudonyms: pseudonyms, base: base, zone: zone}
}

// Resources are the resource types the referral service serves.
func (e *Edge) Resources() []fhirr4.Resource {
	return []fhirr4.Resource{
		{
			Type: "ServiceRequest", ReadScope: readScope, WriteScope: writeScope,
			Documentation: "A referral (henvisning). Create it with the sender's identifier; " +
				"If-None-Exist: identifier=<system>|<value> makes a retry return the first answer. " +
				"See docs/fhir.md for what a referral must carry.",
			Read:              http.HandlerFunc(e.readServiceRequest),
			Create:            http.HandlerFunc(e.createServiceRequest),
			ConditionalCreate: true,
		},
		{
			Type: "Task", ReadScope: readScope, WriteScope: writeScope,
			Documentation: "The status of a referral, one Task per referral with the referral's id " +
				"(HL7 BSeR's shape). businessStatus codes: " + fhirr4.BusinessStatusSystem + ".",
			Read:         http.HandlerFunc(e.readTask),
			Search:       http.HandlerFunc(e.searchTasks),
			SearchParams: taskSearchParams,
		},
	}
}

// Transaction serves POST [base] with a transaction Bundle.
func (e *Edge) Transaction() (http.Handler, string) {
	return http.HandlerFunc(e.transaction), writeScope
}

func (e *Edge) actor(r *http.Request) (domain.Actor, error) {
	a, _, err := access.Caller(r.Context(), e.pseudonyms)
	if err != nil {
		return domain.Actor{}, err
	}
	return app.ActorFrom(a), nil
}

func (e *Edge) fail(w http.ResponseWriter, err error) {
	e.codec.WriteError(w, fhirr4.FromError(err, nil))
}

// notFound is the one answer for a resource that does not exist and one
// the caller may not see: the same status, the same body.
func (e *Edge) notFound(w http.ResponseWriter, resourceType, id string) {
	e.codec.WriteError(w, fhirr4.NewError(http.StatusNotFound, fhirr4.IssueNotFound, "", resourceType+"/"+id+" is not known"))
}

func (e *Edge) read(w http.ResponseWriter, r *http.Request, resourceType string, render func(fhirr4.TaskState) proto.Message) {
	actor, err := e.actor(r)
	if err != nil {
		e.fail(w, err)
		return
	}
	id := r.PathValue("id")
	s, err := e.tasks.Get(r.Context(), actor, id, resourceType+".read")
	var nf *errs.NotFoundError
	switch {
	case errors.As(err, &nf):
		e.notFound(w, resourceType, id)
	case err != nil:
		e.fail(w, err)
	default:
		e.codec.WriteResource(w, http.StatusOK, render(s))
	}
}

func (e *Edge) readTask(w http.ResponseWriter, r *http.Request) {
	e.read(w, r, "Task", func(s fhirr4.TaskState) proto.Message { return s.Task() })
}

func (e *Edge) readServiceRequest(w http.ResponseWriter, r *http.Request) {
	e.read(w, r, "ServiceRequest", func(s fhirr4.TaskState) proto.Message { return s.ServiceRequest() })
}

// body reads and parses a request body; a body over the router's limit is
// 413, as HTTP has it.
func (e *Edge) body(r *http.Request) (proto.Message, error) {
	raw, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, fhirr4.NewError(http.StatusRequestEntityTooLarge, fhirr4.IssueTooCostly, "", fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit))
	case err != nil:
		return nil, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueStructure, "", "the body could not be read")
	}
	cr, err := e.codec.Parse(raw)
	if err != nil {
		return nil, err
	}
	return fhirr4.Unwrap(cr), nil
}

func (e *Edge) createServiceRequest(w http.ResponseWriter, r *http.Request) {
	actor, err := e.actor(r)
	if err != nil {
		e.fail(w, err)
		return
	}
	res, err := e.body(r)
	if err != nil {
		e.codec.WriteError(w, err)
		return
	}
	sr, ok := res.(*srpb.ServiceRequest)
	if !ok {
		e.codec.WriteError(w, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueInvalid, fhirr4.ResourceType(res), "the body must be a ServiceRequest"))
		return
	}
	resolve, ferr := newResolver(sr, "ServiceRequest")
	if ferr != nil {
		e.codec.WriteError(w, ferr)
		return
	}
	s, created, err := e.receive(r, sr, "ServiceRequest", resolve, r.Header.Get("If-None-Exist"), actor)
	if err != nil {
		e.codec.WriteError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", e.location(r, s))
	e.codec.WriteResource(w, status, s.ServiceRequest())
}

// receive is conditional create of the ServiceRequest at path; every
// answer it refuses with is an *fhirr4.Error.
func (e *Edge) receive(r *http.Request, sr *srpb.ServiceRequest, at string, resolve resolver, ifNoneExist string, actor domain.Actor) (fhirr4.TaskState, bool, error) {
	in, ferr := readServiceRequest(sr, at, resolve, ifNoneExist, actor)
	if ferr != nil {
		return fhirr4.TaskState{}, false, ferr
	}
	if in.anySystem {
		matches := e.tasks.SenderIdentifierMatches(actor.OrgNumber, in.identifier.Value)
		switch {
		case len(matches) > 1:
			return fhirr4.TaskState{}, false, fhirr4.NewError(http.StatusPreconditionFailed, fhirr4.IssueMultipleMatches, at+".identifier",
				"If-None-Exist matches more than one referral of this sender; name the identifier's system")
		case len(matches) == 1 && matches[0].Identifier != in.identifier:
			return fhirr4.TaskState{}, false, duplicate(at)
		}
	}
	s, created, err := e.tasks.Receive(r.Context(), in.cmd)
	var reused *app.ReusedIdentifierError
	if errors.As(err, &reused) {
		return fhirr4.TaskState{}, false, duplicate(at)
	}
	if err != nil {
		return fhirr4.TaskState{}, false, fhirr4.FromError(err, in.expression)
	}
	return s, created, nil
}

// duplicate refuses a different referral under an identifier the sender
// already used. R4 would return the existing one; an urgent referral must
// not be lost that silently.
func duplicate(at string) *fhirr4.Error {
	return fhirr4.NewError(http.StatusUnprocessableEntity, fhirr4.IssueDuplicate, at+".identifier",
		"this identifier already names another referral of this sender, with different content")
}

func (e *Edge) location(r *http.Request, s fhirr4.TaskState) string {
	base := fhirr4.BaseURL(r, e.base)
	return base.JoinPath("ServiceRequest", s.ReferralID, "_history", "1").String()
}
