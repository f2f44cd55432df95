package telemetry

import (
	"context"
	"io"
	"log/slog"
	"slices"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys that join a log line to its trace in the backend.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// NewLogger returns a logger writing JSON (or text when json is false) to w at
// level and above, with trace_id and span_id on every record logged with a
// context that holds a valid span.
func NewLogger(w io.Writer, level slog.Level, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var inner slog.Handler
	if json {
		inner = slog.NewJSONHandler(w, opts)
	} else {
		inner = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewLogHandler(inner))
}

// NewLogHandler wraps inner so that records logged with a context holding a
// valid span get trace_id and span_id attributes (W3C hex).
//
// The ids stay at the top level even under logger.WithGroup, because log
// pipelines find the trace by a fixed key; "req.trace_id" would not link.
// To achieve that, groups opened on this handler, and attributes added inside
// them, are held here and folded into each record instead of being passed to
// inner. Attributes added before any group still go to inner.WithAttrs and
// keep its pre-formatting.
func NewLogHandler(inner slog.Handler) slog.Handler {
	return &logHandler{inner: inner}
}

type logHandler struct {
	inner slog.Handler
	// scoped are the WithGroup/WithAttrs calls made after the first group,
	// oldest first; empty when no group is open.
	scoped []groupOrAttrs
}

// groupOrAttrs is one WithGroup (group set) or one WithAttrs (attrs set).
type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() && len(h.scoped) == 0 {
		return h.inner.Handle(ctx, r)
	}

	// A fresh record rather than r.AddAttrs: r may share its attribute
	// storage with a caller that hands the same record to other handlers.
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	if sc.IsValid() {
		out.AddAttrs(
			slog.String(TraceIDKey, sc.TraceID().String()),
			slog.String(SpanIDKey, sc.SpanID().String()),
		)
	}

	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	// Innermost first: attributes added after a group belong inside it,
	// ahead of the record's own attributes.
	for i := len(h.scoped) - 1; i >= 0; i-- {
		s := h.scoped[i]
		if s.group != "" {
			attrs = []slog.Attr{{Key: s.group, Value: slog.GroupValue(attrs...)}}
			continue
		}
		attrs = append(slices.Clip(s.attrs), attrs...)
	}
	out.AddAttrs(attrs...)
	return h.inner.Handle(ctx, out)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	if len(h.scoped) == 0 {
		return &logHandler{inner: h.inner.WithAttrs(attrs)}
	}
	return &logHandler{inner: h.inner, scoped: h.with(groupOrAttrs{attrs: slices.Clone(attrs)})}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	// slog's contract: an empty group name is a no-op.
	if name == "" {
		return h
	}
	return &logHandler{inner: h.inner, scoped: h.with(groupOrAttrs{group: name})}
}

// with returns a copy of h.scoped plus s, never sharing the backing array, so
// sibling loggers derived from the same parent cannot overwrite each other.
func (h *logHandler) with(s groupOrAttrs) []groupOrAttrs {
	return append(slices.Clip(h.scoped), s)
}

// LogHandler returns inner, and when the service exports logs, also the OTel
// slog bridge: every record inner would write goes to the collector too,
// under the service's resource and with the trace and span id of ctx. The
// bridge logs exactly the levels inner is enabled for.
func (p *Providers) LogHandler(inner slog.Handler) slog.Handler {
	if p.LoggerProvider == nil {
		return inner
	}
	bridge := otelslog.NewHandler(scopeName, otelslog.WithLoggerProvider(p.LoggerProvider))
	return slog.NewMultiHandler(inner, gated{Handler: bridge, gate: inner})
}

// scopeName is the instrumentation scope of what this package emits.
const scopeName = "github.com/stafett/stafett/pkg/telemetry"

// gated is a handler enabled only where gate is.
type gated struct {
	slog.Handler
	gate slog.Handler
}

func (g gated) Enabled(ctx context.Context, level slog.Level) bool { return g.gate.Enabled(ctx, level) }

func (g gated) WithAttrs(attrs []slog.Attr) slog.Handler {
	return gated{Handler: g.Handler.WithAttrs(attrs), gate: g.gate}
}

func (g gated) WithGroup(name string) slog.Handler {
	return gated{Handler: g.Handler.WithGroup(name), gate: g.gate}
}
