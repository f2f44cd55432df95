package telemetry

import (
	"context"
	"io"
	"log/slog"
	"slices"

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
