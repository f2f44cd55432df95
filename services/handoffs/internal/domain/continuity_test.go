package domain

import (
	"math"
	"testing"
)

func TestContinuityIndicesMatchHandComputedExamples(t *testing.T) {
	// Worked by hand from DESIGN §6.5:
	//   COC = (Σn_i² − N) / (N(N−1)), UPC = max n_i / N,
	//   SECON = same-professional consecutive pairs / (N−1),
	//   MMCI = (1 − M/(N+0.1)) / (1 − 1/(N+0.1)).
	// nil means undefined: absent, not 0.
	none := math.NaN()
	tests := []struct {
		name                  string
		visits                string
		n, m                  int
		coc, upc, secon, mmci float64
	}{
		// N=0: nothing is defined.
		{"no visits", "", 0, 0, none, none, none, none},
		// N=1, M=1: UPC 1/1; MMCI (1−1/1.1)/(1−1/1.1) = 1; COC, SECON need two visits.
		{"one visit", "A", 1, 1, none, 1, none, 1},
		// The design's example: n_A=2, n_B=1. COC (4+1−3)/(3·2)=2/6; UPC 2/3;
		// pairs AA, AB → 1/2; MMCI (1−2/3.1)/(1−1/3.1) = (1.1/3.1)/(2.1/3.1) = 1.1/2.1.
		{"A A B", "AAB", 3, 2, 2.0 / 6, 2.0 / 3, 0.5, 1.1 / 2.1},
		// Two visits to one professional: COC (4−2)/2 = 1; SECON 1/1; MMCI 1.
		{"A A", "AA", 2, 1, 1, 1, 1, 1},
		// Two different professionals: COC (1+1−2)/2 = 0; UPC 1/2; SECON 0;
		// MMCI (1−2/2.1)/(1−1/2.1) = (0.1/2.1)/(1.1/2.1) = 0.1/1.1.
		{"A B", "AB", 2, 2, 0, 0.5, 0, 0.1 / 1.1},
		// A B A B: n=2,2: COC (4+4−4)/(4·3)=4/12; UPC 2/4; SECON 0/3;
		// MMCI (1−2/4.1)/(1−1/4.1) = 2.1/3.1.
		{"A B A B", "ABAB", 4, 2, 4.0 / 12, 0.5, 0, 2.1 / 3.1},
		// A A A B C: n=3,1,1: COC (9+1+1−5)/(5·4) = 6/20; UPC 3/5;
		// pairs AA AA AB BC → 2/4; MMCI (1−3/5.1)/(1−1/5.1) = 2.1/4.1.
		{"A A A B C", "AAABC", 5, 3, 6.0 / 20, 0.6, 0.5, 2.1 / 4.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := ComputeIndices([]rune(tt.visits))
			if ix.N != tt.n || ix.M != tt.m {
				t.Fatalf("N, M = %d, %d; want %d, %d", ix.N, ix.M, tt.n, tt.m)
			}
			check(t, "COC", ix.COC, tt.coc)
			check(t, "UPC", ix.UPC, tt.upc)
			check(t, "SECON", ix.SECON, tt.secon)
			check(t, "MMCI", ix.MMCI, tt.mmci)
		})
	}
}

func TestContinuityDesignExampleRoundsToTheDocumentedFigures(t *testing.T) {
	ix := ComputeIndices([]string{"A", "A", "B"})
	for name, got := range map[string]*float64{"COC": ix.COC, "UPC": ix.UPC, "SECON": ix.SECON, "MMCI": ix.MMCI} {
		want := map[string]float64{"COC": 0.333, "UPC": 0.667, "SECON": 0.5, "MMCI": 0.524}[name]
		if got == nil || math.Round(*got*1000)/1000 != want {
			t.Errorf("%s = %v, want %.3f", name, got, want)
		}
	}
}

func check(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s = %v, want absent (undefined)", name, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s absent, want %v", name, want)
		return
	}
	if math.Abs(*got-want) > 1e-12 {
		t.Errorf("%s = %v, want %v", name, *got, want)
	}
}
