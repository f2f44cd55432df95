package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
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

// memoryLogs keeps exported log records.
type memoryLogs struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (m *memoryLogs) Export(_ context.Context, rs []sdklog.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		m.records = append(m.records, r.Clone())
	}
	return nil
}
func (*memoryLogs) Shutdown(context.Context) error   { return nil }
func (*memoryLogs) ForceFlush(context.Context) error { return nil }

func TestWhenExportingLogsGoThroughTheSlogBridgeAtTheSameLevelsWithTheirTrace(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	exported := &memoryLogs{}
	p.LoggerProvider = sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exported)))
	ctx, span := p.Tracer("test").Start(t.Context(), "s")
	defer span.End()

	var buf bytes.Buffer
	logger := slog.New(p.LogHandler(NewLogHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))).With("service", "referral")
	logger.DebugContext(ctx, "not at info")
	logger.InfoContext(ctx, "referral received", "referral", "01TEST")

	if !strings.Contains(buf.String(), "referral received") || strings.Contains(buf.String(), "not at info") {
		t.Errorf("local log = %q", buf.String())
	}
	exported.mu.Lock()
	defer exported.mu.Unlock()
	if len(exported.records) != 1 {
		t.Fatalf("exported %d records, want the info one only", len(exported.records))
	}
	r := exported.records[0]
	if r.Body().AsString() != "referral received" || r.TraceID() != span.SpanContext().TraceID() {
		t.Errorf("exported %q in trace %s, want the message in %s", r.Body().AsString(), r.TraceID(), span.SpanContext().TraceID())
	}
	attrs := map[string]string{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		attrs[string(kv.Key)] = kv.Value.Emit()
		return true
	})
	if attrs["service"] != "referral" || attrs["referral"] != "01TEST" {
		t.Errorf("exported attributes %v", attrs)
	}
}

func TestWithoutExportLogHandlerIsTheLocalHandler(t *testing.T) {
	t.Parallel()
	p, _ := recordingProviders(t)
	inner := slog.NewJSONHandler(new(bytes.Buffer), nil)
	if got := p.LogHandler(inner); got != slog.Handler(inner) {
		t.Errorf("LogHandler = %T, want the inner handler unchanged", got)
	}
}
