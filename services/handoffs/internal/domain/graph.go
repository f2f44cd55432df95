package domain

import (
	"cmp"
	"slices"

	continuityv1 "github.com/stafett/stafett/proto/stafett/continuity/v1"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
)

// MinCell is the smallest count an aggregate shows: anything describing
// fewer patients is withheld (never rounded), so no answer singles anyone out.
const MinCell = 5

// Node roles besides the continuity roles.
const (
	RolePathway  = "PATHWAY"
	RoleReferral = "REFERRAL"
)

// Scope is which units a caller may see in aggregates and which they asked for.
type Scope struct {
	// VisibleOrg limits answers to units of one organisation; empty means
	// every unit (the ops role).
	VisibleOrg string
	// Filters, each optional.
	OrgNumber string
	Unit      Unit
	Window    Window
}

func (s Scope) visible(u Unit) bool { return s.VisibleOrg == "" || u.OrgNumber == s.VisibleOrg }

func (s Scope) wanted(u Unit) bool {
	return (s.OrgNumber == "" || u.OrgNumber == s.OrgNumber) &&
		(s.Unit.HerID == "" || u.HerID == s.Unit.HerID) &&
		(s.Unit.OrgNumber == "" || u.OrgNumber == s.Unit.OrgNumber)
}

func (s Scope) shows(u Unit) bool { return s.visible(u) && s.wanted(u) }

type nodeKey struct {
	unit Ref
	role string
}

type nodeAgg struct {
	patients, dropped map[string]struct{}
}

type edgeKey struct{ from, to nodeKey }

type edgeAgg struct {
	patients       map[string]struct{}
	handoffs, warm int
	gaps           []float64
	relationships  bool // a relationship handoff, where warm/cold applies
}

// RoleName names a continuity role for a graph node.
func RoleName(role uint8) string {
	if n, ok := continuityv1.Role_name[int32(role)]; ok && role != 0 {
		return n
	}
	return "ROLE_UNSPECIFIED"
}

// Graph computes the handoff graph. Counts are de-identified: a node or edge
// describing fewer than MinCell patients keeps its place with its counts
// absent and suppressed set.
func (v *View) Graph(s Scope) *handoffsv1.GetHandoffGraphResponse {
	nodes := map[nodeKey]*nodeAgg{}
	edges := map[edgeKey]*edgeAgg{}
	node := func(k nodeKey) *nodeAgg {
		n := nodes[k]
		if n == nil {
			n = &nodeAgg{patients: map[string]struct{}{}, dropped: map[string]struct{}{}}
			nodes[k] = n
		}
		return n
	}
	edge := func(k edgeKey) *edgeAgg {
		e := edges[k]
		if e == nil {
			e = &edgeAgg{patients: map[string]struct{}{}}
			edges[k] = e
		}
		return e
	}
	w := s.Window
	for pid, p := range v.Patients {
		for _, r := range p.Rels {
			if r.Start != 0 && w.overlaps(r.Start, r.End) {
				node(nodeKey{r.Unit, RoleName(r.Role)}).patients[pid] = struct{}{}
			}
		}
		for _, pw := range p.Pathways {
			if pw.Start != 0 && w.overlaps(pw.Start, pw.End) {
				node(nodeKey{pw.Unit, RolePathway}).patients[pid] = struct{}{}
			}
		}
		for _, r := range p.Referrals {
			if r.Received != 0 && w.contains(r.Received) {
				node(nodeKey{r.Unit, RoleReferral}).patients[pid] = struct{}{}
			}
		}
		for _, e := range p.Entries {
			if handoffsv1.EntryKind(e.Kind) == handoffsv1.EntryKind_ENTRY_KIND_LEFT_WITHOUT_CONTACT && w.contains(e.At()) {
				node(nodeKey{e.Unit, RoleName(e.Code)}).dropped[pid] = struct{}{}
			}
		}
		for _, h := range p.Handoffs {
			if h.Completed == 0 || !w.contains(h.Completed) {
				continue
			}
			from, to := p.relByID(h.FromRel), p.relByID(h.ToRel)
			if from == nil || to == nil {
				continue
			}
			fk, tk := nodeKey{from.Unit, RoleName(from.Role)}, nodeKey{to.Unit, RoleName(to.Role)}
			node(fk).patients[pid] = struct{}{}
			node(tk).patients[pid] = struct{}{}
			e := edge(edgeKey{fk, tk})
			e.patients[pid] = struct{}{}
			e.handoffs++
			e.relationships = true
			if h.Kind == uint8(continuityv1.HandoffKind_HANDOFF_KIND_WARM) {
				e.warm++
			}
			gap := 0.0
			if from.End != 0 && to.Start > from.End {
				gap = float64(to.Start-from.End) / nsPerDay
			}
			e.gaps = append(e.gaps, gap)
		}
		for _, m := range p.Moves {
			if !w.contains(m.At) {
				continue
			}
			role := RoleReferral
			if m.Pathway {
				role = RolePathway
			}
			fk, tk := nodeKey{m.From, role}, nodeKey{m.To, role}
			node(fk).patients[pid] = struct{}{}
			node(tk).patients[pid] = struct{}{}
			e := edge(edgeKey{fk, tk})
			e.patients[pid] = struct{}{}
			e.handoffs++
			e.gaps = append(e.gaps, 0)
		}
	}

	out := &handoffsv1.GetHandoffGraphResponse{}
	for k, n := range nodes {
		if !s.shows(ParseUnitKey(v.In.Str(k.unit))) {
			continue
		}
		out.Nodes = append(out.Nodes, v.nodeOut(k, n))
	}
	for k, e := range edges {
		fu, tu := ParseUnitKey(v.In.Str(k.from.unit)), ParseUnitKey(v.In.Str(k.to.unit))
		if !s.shows(fu) && !s.shows(tu) {
			continue
		}
		if !s.visible(fu) && !s.visible(tu) {
			continue
		}
		oe := &handoffsv1.Edge{From: v.nodeOut(k.from, nil), To: v.nodeOut(k.to, nil)}
		if len(e.patients) < MinCell {
			oe.Suppressed = true
		} else {
			oe.Handoffs = i32(e.handoffs)
			if e.relationships {
				oe.WarmShare = ptr(float64(e.warm) / float64(e.handoffs))
			}
			oe.MedianGapDays = ptr(median(e.gaps))
		}
		out.Edges = append(out.Edges, oe)
	}
	slices.SortFunc(out.Nodes, func(a, b *handoffsv1.Node) int {
		return cmp.Or(cmp.Compare(UnitKey(a.GetUnit()), UnitKey(b.GetUnit())), cmp.Compare(a.GetRole(), b.GetRole()))
	})
	slices.SortFunc(out.Edges, func(a, b *handoffsv1.Edge) int {
		return cmp.Or(
			cmp.Compare(UnitKey(a.GetFrom().GetUnit()), UnitKey(b.GetFrom().GetUnit())), cmp.Compare(a.GetFrom().GetRole(), b.GetFrom().GetRole()),
			cmp.Compare(UnitKey(a.GetTo().GetUnit()), UnitKey(b.GetTo().GetUnit())), cmp.Compare(a.GetTo().GetRole(), b.GetTo().GetRole()))
	})
	return out
}

// nodeOut renders a node; with no aggregate it is only a label (an edge's end).
func (v *View) nodeOut(k nodeKey, n *nodeAgg) *handoffsv1.Node {
	out := &handoffsv1.Node{Unit: v.UnitRef(k.unit), Role: k.role}
	if n == nil {
		return out
	}
	if len(n.patients) < MinCell {
		out.Suppressed, out.DroppedSuppressed = true, true
		return out
	}
	out.Patients = i32(len(n.patients))
	if len(n.dropped) < MinCell {
		out.DroppedSuppressed = true
	} else {
		out.Dropped = i32(len(n.dropped))
	}
	return out
}

func i32(n int) *int32 { v := int32(n); return &v }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (p *Patient) relByID(id Ref) *Relationship {
	for i := range p.Rels {
		if p.Rels[i].ID == id {
			return &p.Rels[i]
		}
	}
	return nil
}
