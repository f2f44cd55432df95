package domain

import (
	"encoding/json"
	"fmt"
	"slices"
)

// refs calls f on every globally interned field of the patient's state
// (units and professionals); record refs are patient-local already.
func (p *Patient) refs(f func(*Ref)) {
	for i := range p.Entries {
		e := &p.Entries[i]
		f(&e.Unit)
		f(&e.Prof)
	}
	for i := range p.Rels {
		f(&p.Rels[i].Prof)
		f(&p.Rels[i].Unit)
	}
	for i := range p.Moves {
		f(&p.Moves[i].From)
		f(&p.Moves[i].To)
	}
	for i := range p.Referrals {
		f(&p.Referrals[i].Unit)
	}
	for i := range p.Pathways {
		f(&p.Pathways[i].Unit)
	}
	if p.Alone != nil {
		f(&p.Alone.Prof)
		f(&p.Alone.Unit)
	}
}

// clone deep-copies the patient's state.
func (p *Patient) clone() *Patient {
	c := *p
	c.Entries = slices.Clone(p.Entries)
	c.Rels = slices.Clone(p.Rels)
	c.Handoffs = slices.Clone(p.Handoffs)
	c.Moves = slices.Clone(p.Moves)
	c.Referrals = slices.Clone(p.Referrals)
	c.Recs = slices.Clone(p.Recs)
	c.Pathways = slices.Clone(p.Pathways)
	for i := range c.Pathways {
		c.Pathways[i].Targets = slices.Clone(p.Pathways[i].Targets)
	}
	if p.Alone != nil {
		a := *p.Alone
		c.Alone = &a
	}
	return &c
}

// checkpoint is a patient's state on its own: refs point into Strings
// instead of the process's interner, which is rebuilt on load.
type checkpoint struct {
	Strings []string
	Patient *Patient
}

// EncodePatient serialises a patient's state for the checkpoint bucket.
func (v *View) EncodePatient(p *Patient) ([]byte, error) {
	c := p.clone()
	local := map[Ref]Ref{0: 0}
	strs := []string{""}
	c.refs(func(r *Ref) {
		l, ok := local[*r]
		if !ok {
			l = Ref(len(strs))
			strs = append(strs, v.In.Str(*r))
			local[*r] = l
		}
		*r = l
	})
	return json.Marshal(checkpoint{Strings: strs, Patient: c})
}

// LoadPatient restores a patient's state from the checkpoint bucket.
func (v *View) LoadPatient(data []byte) (*Patient, error) {
	var c checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("handoffs: decode checkpoint: %w", err)
	}
	if c.Patient == nil || c.Patient.ID == "" {
		return nil, fmt.Errorf("handoffs: checkpoint without a patient")
	}
	bad := false
	c.Patient.refs(func(r *Ref) {
		if int(*r) >= len(c.Strings) {
			bad = true
			return
		}
		*r = v.In.Ref(c.Strings[*r])
	})
	if bad {
		return nil, fmt.Errorf("handoffs: checkpoint refers to missing strings")
	}
	v.Patients[c.Patient.ID] = c.Patient
	return c.Patient, nil
}
