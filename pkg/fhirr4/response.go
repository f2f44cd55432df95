package fhirr4

import (
	"errors"
	"net/http"
	"strconv"

	"google.golang.org/protobuf/proto"
)

// ContentType is the FHIR JSON media type.
const ContentType = "application/fhir+json"

// WriteResource answers with a resource. A resource carrying meta.versionId
// gets it as a weak ETag and meta.lastUpdated as Last-Modified, as FHIR
// servers do.
func (c *Codec) WriteResource(w http.ResponseWriter, status int, resource proto.Message) {
	body, err := c.Marshal(resource)
	if err != nil {
		c.WriteError(w, NewError(http.StatusInternalServerError, IssueProcessing, "", "the resource could not be rendered"))
		return
	}
	if v, at, ok := versionOf(resource); ok {
		w.Header().Set("ETag", `W/"`+v+`"`)
		w.Header().Set("Last-Modified", at.UTC().Format(http.TimeFormat))
	}
	c.writeJSON(w, status, body)
}

// WriteError answers with err's OperationOutcome. An error that is not an
// *Error is a fault of the server: 500 with nothing of its text.
func (c *Codec) WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = NewError(http.StatusInternalServerError, IssueProcessing, "", "the request could not be processed")
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body, merr := c.Marshal(e.Outcome())
	if merr != nil {
		http.Error(w, http.StatusText(e.Status), e.Status)
		return
	}
	c.writeJSON(w, e.Status, body)
}

func (c *Codec) writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	// Resources carry patient data: no shared cache may keep them.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
