package domain

import (
	"cmp"
	"slices"

	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
)

// Indices are the continuity indices of DESIGN §6.5 over a sequence of
// visits. A nil index is undefined for that many visits: absent, never 0.
type Indices struct {
	N, M  int
	COC   *float64
	UPC   *float64
	SECON *float64
	MMCI  *float64
}

// ComputeIndices takes the professional of each visit in time order.
//
//	COC   = (Σ n_i² − N) / (N(N−1))          needs N ≥ 2
//	UPC   = max n_i / N                        needs N ≥ 1
//	SECON = same-professional consecutive pairs / (N−1)   needs N ≥ 2
//	MMCI  = (1 − M/(N+0.1)) / (1 − 1/(N+0.1))  needs N ≥ 1
func ComputeIndices[T comparable](visits []T) Indices {
	n := len(visits)
	counts := map[T]int{}
	for _, v := range visits {
		counts[v]++
	}
	ix := Indices{N: n, M: len(counts)}
	if n == 0 {
		return ix
	}
	N := float64(n)
	sumSq, most := 0, 0
	for _, c := range counts {
		sumSq += c * c
		most = max(most, c)
	}
	ix.UPC = ptr(float64(most) / N)
	ix.MMCI = ptr((1 - float64(ix.M)/(N+0.1)) / (1 - 1/(N+0.1)))
	if n >= 2 {
		ix.COC = ptr(float64(sumSq-n) / (N * (N - 1)))
		same := 0
		for i := 1; i < n; i++ {
			if visits[i] == visits[i-1] {
				same++
			}
		}
		ix.SECON = ptr(float64(same) / (N - 1))
	}
	return ix
}

func ptr(f float64) *float64 { return &f }

// Window bounds a query in unix nanoseconds; 0 is unbounded. Both ends are
// inclusive.
type Window struct{ From, To int64 }

func (w Window) contains(t int64) bool {
	return (w.From == 0 || t >= w.From) && (w.To == 0 || t <= w.To)
}

// overlaps reports whether [start, end] (end 0: still going) meets the window.
func (w Window) overlaps(start, end int64) bool {
	return (w.To == 0 || start <= w.To) && (w.From == 0 || end == 0 || end >= w.From)
}

const nsPerDay = 86400 * 1e9

// Continuity is GetContinuity over one patient's state; now ends active
// relationships when the window is open-ended.
func Continuity(p *Patient, w Window, now int64) *handoffsv1.GetContinuityResponse {
	type visit struct {
		at   int64
		seq  uint64
		prof Ref
	}
	var visits []visit
	for _, e := range p.Entries {
		if handoffsv1.EntryKind(e.Kind) == handoffsv1.EntryKind_ENTRY_KIND_CONTACT && w.contains(e.At()) {
			visits = append(visits, visit{e.At(), p.Seq(e), e.Prof})
		}
	}
	// Contacts may be recorded late: order by when they happened.
	slices.SortStableFunc(visits, func(a, b visit) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
	profs := make([]Ref, len(visits))
	for i, v := range visits {
		profs[i] = v.prof
	}
	ix := ComputeIndices(profs)
	out := &handoffsv1.GetContinuityResponse{
		Visits: int32(ix.N), Professionals: int32(ix.M), Coc: ix.COC, Upc: ix.UPC, Secon: ix.SECON, Mmci: ix.MMCI,
	}
	end := now
	if w.To != 0 {
		end = w.To
	}
	for _, r := range p.Rels {
		if r.Start == 0 {
			continue
		}
		if w.contains(r.Start) {
			out.RelationshipsStarted++
		}
		if r.End != 0 && w.contains(r.End) {
			out.RelationshipsEnded++
		}
		if w.overlaps(r.Start, r.End) {
			stop := r.End
			if stop == 0 || stop > end {
				stop = end
			}
			if days := int32((stop - r.Start) / nsPerDay); days > out.LongestRelationshipDays {
				out.LongestRelationshipDays = days
			}
		}
	}
	return out
}
