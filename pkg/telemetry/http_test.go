package telemetry

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

func TestAnHTTPEdgeStartsANewTraceThatLinksToTheCallersAndReadsNoBaggage(t *testing.T) {
	p, rec := recordingProviders(t)
	var sawBaggage bool
	srv := httptest.NewServer(p.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawBaggage = baggage.FromContext(r.Context()).Len() > 0
	}), "fhir", nil))
	defer srv.Close()
	caller, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/metadata", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("traceparent", "00-"+caller.String()+"-00f067aa0ba902b7-01")
	req.Header.Set("baggage", "patient=31129998949")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want the server span", len(spans))
	}
	s := spans[0]
	linked := false
	for _, l := range s.Links() {
		linked = linked || l.SpanContext.TraceID() == caller
	}
	if s.SpanContext().TraceID() == caller || s.Parent().IsValid() || !linked || sawBaggage {
		t.Fatalf("server span trace %v parent %v links %v, baggage seen %v", s.SpanContext().TraceID(), s.Parent(), s.Links(), sawBaggage)
	}
}
