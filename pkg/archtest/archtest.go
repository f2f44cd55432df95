// Package archtest checks that every service keeps the layers of DESIGN §3,
// in the manner of go-cleanarch (which wild-workouts uses):
//
//   - domain is pure: it imports no transport, messaging, storage or
//     telemetry, no randomness, no other layer, and never reads the clock,
//     because time and ids are injected;
//   - app knows no transport: it imports neither gRPC, HTTP nor Connect, and
//     neither the ports nor the adapters that call or serve it;
//   - ports only map between the wire and the app: they may import app and
//     domain, never storage, messaging or adapters.
//
// It reads source with go/parser rather than loading packages, so one test
// in the pkg module sees every service module without building them.
// Test files are not checked: the rules are about what ships.
package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Violation is one import or call that breaks a layer rule.
type Violation struct {
	Pos  token.Position // file relative to the directory above services, and line
	Rule string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s:%d: %s", v.Pos.Filename, v.Pos.Line, v.Rule)
}

// The layers, named as their directories are: services/<name>/internal/<layer>.
const (
	layerDomain   = "domain"
	layerApp      = "app"
	layerPorts    = "ports"
	layerAdapters = "adapters"
)

// forbidden is an import pattern and why a layer may not have it. A pattern
// ending in "/..." matches that path and everything under it, as in
// `go list`; any other matches only itself.
type forbidden struct {
	pattern, why string
}

func (f forbidden) matches(path string) bool {
	if root, ok := strings.CutSuffix(f.pattern, "/..."); ok {
		return path == root || strings.HasPrefix(path, root+"/")
	}
	return path == f.pattern
}

func transport() []forbidden {
	return []forbidden{
		{"google.golang.org/grpc/...", "gRPC is transport"},
		{"connectrpc.com/...", "Connect is transport"},
		{"github.com/grpc-ecosystem/...", "gRPC gateways are transport"},
		{"net/http/...", "HTTP is transport"},
		{"net/rpc/...", "RPC is transport"},
	}
}

func infrastructure() []forbidden {
	return []forbidden{
		{"github.com/nats-io/...", "NATS is messaging and storage"},
		{"github.com/ThreeDotsLabs/watermill/...", "pub/sub is messaging"},
		{"github.com/rabbitmq/...", "RabbitMQ is messaging"},
		{"database/sql/...", "SQL is storage"},
		{"github.com/stafett/stafett/pkg/eventstore/...", "the event store is storage"},
		{"github.com/stafett/stafett/pkg/audit/...", "the audit log is storage"},
		{"github.com/stafett/stafett/pkg/natsembed/...", "embedded NATS is messaging and storage"},
	}
}

// importRules is what each layer may not import.
func importRules() map[string][]forbidden {
	return map[string][]forbidden{
		layerDomain: slices.Concat(transport(), infrastructure(), []forbidden{
			{"net", "the network is I/O"},
			{"os/...", "the file system, processes and environment are I/O"},
			{"go.opentelemetry.io/...", "telemetry is I/O"},
			{"github.com/stafett/stafett/pkg/telemetry/...", "telemetry is I/O"},
			{"crypto/rand/...", "randomness: ids are injected"},
			{"math/rand/...", "randomness: ids are injected"},
		}),
		layerApp:   transport(),
		layerPorts: infrastructure(),
	}
}

// layerImports is which other layers a layer may not import: the inner
// layers never know the outer ones.
func layerImports() map[string][]string {
	return map[string][]string{
		layerDomain: {layerApp, layerPorts, layerAdapters},
		layerApp:    {layerPorts, layerAdapters},
		layerPorts:  {layerAdapters},
	}
}

// clockReads are the time functions that read the clock or wait on it.
func clockReads() []string {
	return []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"}
}

// Check walks servicesDir and returns every violation, ordered by file and
// line. It fails if it finds no layer package at all, so a moved directory
// cannot make the check pass by checking nothing.
func Check(servicesDir string) ([]Violation, error) {
	base := filepath.Dir(filepath.Clean(servicesDir))
	var (
		out     []Violation
		checked int
	)
	err := filepath.WalkDir(servicesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(base, path)
		if err != nil {
			return err
		}
		layer := layerOf(filepath.ToSlash(filepath.Dir(rel)))
		if layer == "" {
			return nil
		}
		checked++
		vs, err := checkFile(path, filepath.ToSlash(rel), layer)
		out = append(out, vs...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archtest: %w", err)
	}
	if checked == 0 {
		return nil, fmt.Errorf("archtest: no services/*/internal/<layer> source under %s", servicesDir)
	}
	slices.SortFunc(out, func(a, b Violation) int {
		if c := strings.Compare(a.Pos.Filename, b.Pos.Filename); c != 0 {
			return c
		}
		return a.Pos.Line - b.Pos.Line
	})
	return out, nil
}

// layerOf returns the layer of a directory or import path that has
// services/<name>/internal/<layer> in it, else "".
func layerOf(path string) string {
	parts := strings.Split(path, "/")
	for i := 2; i+1 < len(parts); i++ {
		if parts[i] == "internal" && parts[i-2] == "services" {
			switch l := parts[i+1]; l {
			case layerDomain, layerApp, layerPorts, layerAdapters:
				return l
			}
			return ""
		}
	}
	return ""
}

func checkFile(path, name, layer string) ([]Violation, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	at := func(p token.Pos) token.Position {
		pos := fset.Position(p)
		pos.Filename = name
		return pos
	}
	var out []Violation
	timeName := ""
	for _, spec := range f.Imports {
		imp, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, err
		}
		for _, r := range importRules()[layer] {
			if r.matches(imp) {
				out = append(out, Violation{at(spec.Pos()), fmt.Sprintf("%s imports %s: %s", layer, imp, r.why)})
			}
		}
		if l := layerOf(imp); slices.Contains(layerImports()[layer], l) {
			out = append(out, Violation{at(spec.Pos()), fmt.Sprintf("%s imports %s: the %s layer may not know the %s layer", layer, imp, layer, l)})
		}
		if imp == "time" {
			timeName = "time"
			if spec.Name != nil {
				timeName = spec.Name.Name
			}
		}
	}
	if layer != layerDomain || timeName == "" || timeName == "_" {
		return out, nil
	}
	if timeName == "." {
		return append(out, Violation{at(f.Package), "domain dot-imports time, which hides reads of the clock"}), nil
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == timeName && slices.Contains(clockReads(), sel.Sel.Name) {
			out = append(out, Violation{at(sel.Pos()), fmt.Sprintf("domain uses time.%s: the clock is injected", sel.Sel.Name)})
		}
		return true
	})
	return out, nil
}
