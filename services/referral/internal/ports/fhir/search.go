package fhir

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/fhirr4"
	"github.com/stafett/stafett/services/referral/internal/app"
)

var taskSearchParams = []fhirr4.SearchParam{
	{Name: "owner:identifier", Type: fhirr4.SearchReference, Documentation: "The unit holding the referral: " + fhirr4.SystemHERID + "|<HER-id> or " + fhirr4.SystemOrgNumber + "|<organisation number>; a comma separates alternatives."},
	{Name: "owner", Type: fhirr4.SearchReference, Documentation: "The same as owner:identifier: units are known by identifier only."},
	{Name: "requester:identifier", Type: fhirr4.SearchReference, Documentation: "The sending organisation: " + fhirr4.SystemOrgNumber + "|<organisation number>."},
	{Name: "requester", Type: fhirr4.SearchReference, Documentation: "The same as requester:identifier."},
	{Name: "status", Type: fhirr4.SearchToken, Documentation: "Task status codes, a comma separating alternatives."},
	{Name: "_lastUpdated", Type: fhirr4.SearchDate, Documentation: "meta.lastUpdated with a prefix gt, ge, lt or le; may repeat. Results come oldest update first, so polling with gt<the last lastUpdated seen> misses nothing."},
}

// searchExpressions name the element each search field filters.
var searchExpressions = map[string]string{
	"owner": "Task.owner", "requester": "Task.requester", "status": "Task.status", "_lastUpdated": "Task.meta.lastUpdated",
	"page_size": "", "page_token": "",
}

func (e *Edge) searchTasks(w http.ResponseWriter, r *http.Request) {
	actor, err := e.actor(r)
	if err != nil {
		e.fail(w, err)
		return
	}
	q, ferr := taskQuery(r.URL.Query(), e.zone)
	if ferr != nil {
		e.codec.WriteError(w, ferr)
		return
	}
	q.Actor = actor
	page, err := e.tasks.SearchTasks(r.Context(), q)
	if err != nil {
		fe := fhirr4.FromError(err, func(f string) string { return searchExpressions[f] })
		if fe.Status == http.StatusUnprocessableEntity {
			// A bad search is a bad request, not a resource breaking a rule.
			fe.Status = http.StatusBadRequest
		}
		e.codec.WriteError(w, fe)
		return
	}
	resources := make([]proto.Message, len(page.Tasks))
	for i, s := range page.Tasks {
		resources[i] = s.Task()
	}
	bundle, err := fhirr4.Searchset(fhirr4.BaseURL(r, e.base), r, resources, page.NextPageToken)
	if err != nil {
		e.fail(w, err)
		return
	}
	e.codec.WriteResource(w, http.StatusOK, bundle)
}

func badParam(name, diagnostics string) *fhirr4.Error {
	return fhirr4.NewError(http.StatusBadRequest, fhirr4.IssueInvalid, searchExpressions[strings.Split(name, ":")[0]], name+": "+diagnostics)
}

// taskQuery reads a Task search's parameters; the router already refused
// any parameter the CapabilityStatement does not list.
func taskQuery(params url.Values, zone *time.Location) (app.TaskQuery, *fhirr4.Error) {
	var q app.TaskQuery
	var bounds []func(time.Time) bool
	for name, values := range params {
		for _, value := range values {
			switch name {
			case "owner", "owner:identifier":
				for _, token := range strings.Split(value, ",") {
					system, v, ok := strings.Cut(token, "|")
					switch {
					case ok && system == fhirr4.SystemHERID && v != "":
						q.Owners = append(q.Owners, app.UnitMatch{HerID: v})
					case ok && system == fhirr4.SystemOrgNumber && v != "":
						q.Owners = append(q.Owners, app.UnitMatch{OrgNumber: v})
					default:
						return app.TaskQuery{}, badParam(name, "must be "+fhirr4.SystemHERID+"|<HER-id> or "+fhirr4.SystemOrgNumber+"|<organisation number>")
					}
				}
			case "requester", "requester:identifier":
				for _, token := range strings.Split(value, ",") {
					system, v, ok := strings.Cut(token, "|")
					if !ok || system != fhirr4.SystemOrgNumber || v == "" {
						return app.TaskQuery{}, badParam(name, "must be "+fhirr4.SystemOrgNumber+"|<organisation number>")
					}
					q.Requesters = append(q.Requesters, v)
				}
			case "status":
				for _, code := range strings.Split(value, ",") {
					if !slices.Contains(fhirr4.TaskStatuses, fhirr4.TaskStatus(code)) {
						return app.TaskQuery{}, badParam(name, fmt.Sprintf("%q is not a status a referral's Task has", code))
					}
					q.Statuses = append(q.Statuses, fhirr4.TaskStatus(code))
				}
			case "_lastUpdated":
				bound, err := dateBound(value, zone)
				if err != nil {
					return app.TaskQuery{}, badParam(name, err.Error())
				}
				bounds = append(bounds, bound)
			case fhirr4.ParamCount:
				n, err := strconv.Atoi(value)
				if err != nil || n < 0 {
					return app.TaskQuery{}, badParam(name, "must be a whole number, 0 or more")
				}
				q.PageSize = n
			case fhirr4.ParamCursor:
				q.PageToken = value
			}
		}
	}
	if len(bounds) > 0 {
		q.Updated = func(t time.Time) bool {
			for _, b := range bounds {
				if !b(t) {
					return false
				}
			}
			return true
		}
	}
	return q, nil
}

// dateBound reads a date search value with its prefix. FHIR compares
// against the range the value's precision spans: gt2026-03-02 is after that
// whole day (in Oslo, as a date without a zone is local time), and
// gt2026-03-02T10:00:00.123456Z after that microsecond.
func dateBound(value string, zone *time.Location) (func(time.Time) bool, error) {
	if len(value) < 2 {
		return nil, errors.New("must be a prefix (gt, ge, lt, le) and a date or dateTime")
	}
	prefix, rest := value[:2], value[2:]
	start, end, err := dateRange(rest, zone)
	if err != nil {
		return nil, err
	}
	switch prefix {
	case "gt":
		return func(t time.Time) bool { return !t.Before(end) }, nil
	case "ge":
		return func(t time.Time) bool { return !t.Before(start) }, nil
	case "lt":
		return func(t time.Time) bool { return t.Before(start) }, nil
	case "le":
		return func(t time.Time) bool { return t.Before(end) }, nil
	}
	return nil, errors.New("the prefix must be gt, ge, lt or le")
}

func dateRange(s string, zone *time.Location) (time.Time, time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		return d, d.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, time.Time{}, errors.New("must be a date (YYYY-MM-DD) or a dateTime with a zone")
	}
	unit := time.Second
	if _, frac, ok := strings.Cut(s, "."); ok {
		digits := len(frac) - len(strings.TrimLeft(frac, "0123456789"))
		for unit = time.Nanosecond; digits < 9; digits++ {
			unit *= 10
		}
	}
	return t, t.Add(unit), nil
}
