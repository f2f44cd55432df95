// Package ports exposes the subscriptions service: the FHIR Subscription
// resource (create, read, delete, $status, $events) for the suite's FHIR
// router, and the operators' poison-queue RPCs over gRPC. It turns requests
// into application calls and answers into FHIR or protobuf, nothing more.
package ports

import (
	"io"
	"net/http"
	"strconv"

	"github.com/stafett/stafett/pkg/authn"
	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/subscriptions/internal/app"
	"github.com/stafett/stafett/services/subscriptions/internal/domain"
	"github.com/stafett/stafett/services/subscriptions/internal/fhirsub"
)

// Scopes of the Subscription resource.
const (
	ReadScope  = "subscriptions:read"
	WriteScope = "subscriptions:write"
)

// FHIR serves the Subscription resource.
type FHIR struct {
	app   *app.App
	codec *fhirr4.Codec
	// base is the path the FHIR router is mounted at ("/fhir/R4").
	base string
}

// NewFHIR returns the Subscription handlers.
func NewFHIR(a *app.App, codec *fhirr4.Codec, base string) *FHIR {
	return &FHIR{app: a, codec: codec, base: base}
}

// Resource is the Subscription resource for the FHIR router.
func (f *FHIR) Resource() fhirr4.Resource {
	return fhirr4.Resource{
		Type:    "Subscription",
		Profile: fhirsub.ProfileSubscription,
		Documentation: "Topic-based subscriptions (Subscriptions R5 Backport IG) to " + domain.Topic +
			", filtered by backport-filter-criteria Task?owner:identifier=… or Task?requester:identifier=… naming the " +
			"subscriber's own organisation or unit; rest-hook (https), or the custom channel types amqp and nats; " +
			"backport-payload-content id-only or full-resource. Header values are kept as secrets and never read back.",
		ReadScope:  ReadScope,
		WriteScope: WriteScope,
		Read:       http.HandlerFunc(f.read),
		Create:     http.HandlerFunc(f.create),
		Delete:     http.HandlerFunc(f.delete),
		Operations: []fhirr4.Operation{
			{Name: "status", Definition: fhirsub.StatusOperation, Instance: true, Handler: http.HandlerFunc(f.status)},
			{Name: "events", Definition: fhirsub.EventsOperation, Instance: true, Handler: http.HandlerFunc(f.events)},
		},
	}
}

func caller(req *http.Request) app.Caller {
	p, _ := authn.FromContext(req.Context())
	return app.Caller{Principal: p}
}

func (f *FHIR) fail(w http.ResponseWriter, err error) {
	// Field names of a subscription request are already FHIR paths.
	f.codec.WriteError(w, fhirr4.FromError(err, func(field string) string { return field }))
}

func (f *FHIR) renderer(req *http.Request) fhirsub.Renderer {
	return fhirsub.Renderer{Codec: f.codec, Base: fhirr4.BaseURL(req, f.base).String()}
}

func (f *FHIR) create(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		f.codec.WriteError(w, fhirr4.NewError(http.StatusRequestEntityTooLarge, fhirr4.IssueStructure, "", "the body is too large"))
		return
	}
	r, err := fhirsub.Parse(f.codec, body)
	if err != nil {
		f.fail(w, err)
		return
	}
	s, err := f.app.Create(req.Context(), caller(req), r)
	if err != nil {
		f.fail(w, err)
		return
	}
	w.Header().Set("Location", fhirr4.ResourceURL(fhirr4.BaseURL(req, f.base), "Subscription", s.ID))
	f.codec.WriteResource(w, http.StatusCreated, fhirsub.Resource(s, domain.NewDelivery(), domain.Endpoint(s)))
}

func (f *FHIR) read(w http.ResponseWriter, req *http.Request) {
	rep, err := f.app.Status(req.Context(), caller(req), req.PathValue("id"))
	if err != nil {
		f.fail(w, err)
		return
	}
	f.codec.WriteResource(w, http.StatusOK, fhirsub.Resource(rep.Subscription, rep.Delivery, domain.Endpoint(rep.Subscription)))
}

func (f *FHIR) delete(w http.ResponseWriter, req *http.Request) {
	if err := f.app.Delete(req.Context(), caller(req), req.PathValue("id")); err != nil {
		f.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *FHIR) status(w http.ResponseWriter, req *http.Request) {
	rep, err := f.app.Status(req.Context(), caller(req), req.PathValue("id"))
	if err != nil {
		f.fail(w, err)
		return
	}
	n := app.Notification{
		ID: f.app.IDs.New(f.app.Clock.Now()), Subscription: rep.Subscription, Status: rep.Delivery.Status,
		Kind: app.KindQueryStatus, EventsSinceStart: rep.EventsSinceStart, At: f.app.Clock.Now(),
	}
	if rep.Delivery.Status == domain.StatusError {
		n.Error = rep.Delivery.LastError
	}
	b, err := f.renderer(req).StatusBundle(n)
	if err != nil {
		f.fail(w, err)
		return
	}
	f.codec.WriteResource(w, http.StatusOK, b)
}

func (f *FHIR) events(w http.ResponseWriter, req *http.Request) {
	var q app.EventsQuery
	var v errs.Validation
	for name, into := range map[string]*uint64{"eventsSinceNumber": &q.Since, "eventsUntilNumber": &q.Until} {
		if s := req.URL.Query().Get(name); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			v.Check(err == nil, name, "is an event number")
			*into = n
		}
	}
	if err := v.Err(); err != nil {
		f.codec.WriteError(w, fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueValue, "", err.Error()))
		return
	}
	n, err := f.app.Events(req.Context(), caller(req), req.PathValue("id"), q)
	if err != nil {
		f.fail(w, err)
		return
	}
	b, err := f.renderer(req).Bundle(n)
	if err != nil {
		f.fail(w, err)
		return
	}
	f.codec.WriteResource(w, http.StatusOK, b)
}
