package telemetry

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
)

// decodeLine decodes the single JSON log line in buf.
func decodeLine(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("decode %q: %v", buf.String(), err)
	}
	return m
}

func TestLogRecordCarriesTheTraceIDOfTheActiveSpan(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	ctx, span := p.Tracer("test").Start(t.Context(), "s")
	defer span.End()

	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo, true).InfoContext(ctx, "referral received", "referral", "01TEST")

	m := decodeLine(t, &buf)
	if got, want := m[TraceIDKey], span.SpanContext().TraceID().String(); got != want {
		t.Errorf("trace_id = %v, want %s", got, want)
	}
	if got, want := m[SpanIDKey], span.SpanContext().SpanID().String(); got != want {
		t.Errorf("span_id = %v, want %s", got, want)
	}
	if m["referral"] != "01TEST" {
		t.Errorf("record attribute lost: %v", m)
	}
}

func TestLogRecordWithoutASpanGetsNoTraceAttributes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo, true).InfoContext(t.Context(), "started")

	m := decodeLine(t, &buf)
	for _, k := range []string{TraceIDKey, SpanIDKey} {
		if v, ok := m[k]; ok {
			t.Errorf("%s = %v on a record without a span", k, v)
		}
	}
}

func TestTraceIDStaysTopLevelUnderGroupsAndAttrsStayInTheirGroups(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	ctx, span := p.Tracer("test").Start(t.Context(), "s")
	defer span.End()

	var buf bytes.Buffer
	base := NewLogger(&buf, slog.LevelInfo, true).With("service", "referral")
	req := base.WithGroup("req").With("method", "Receive")
	// A sibling derived from the same parent must not leak into req.
	_ = base.WithGroup("other").With("x", 1)
	req.WithGroup("empty").InfoContext(ctx, "done")
	req.InfoContext(ctx, "done", "status", "ok")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	want := []string{
		`"service":"referral","trace_id":"` + span.SpanContext().TraceID().String() + `"`,
		`"req":{"method":"Receive"}}`,
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("line %s\nmissing %s", lines[0], w)
		}
	}
	var second map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if second[TraceIDKey] != span.SpanContext().TraceID().String() {
		t.Errorf("trace_id not at top level: %s", lines[1])
	}
	reqGroup, _ := second["req"].(map[string]any)
	if reqGroup["method"] != "Receive" || reqGroup["status"] != "ok" || len(reqGroup) != 2 {
		t.Errorf("req group = %v, want method and status only", second["req"])
	}
}

func TestLogHandlerObeysTheSlogHandlerContract(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		return h
	}, func(t *testing.T) map[string]any {
		return decodeLine(t, &buf)
	})
}
