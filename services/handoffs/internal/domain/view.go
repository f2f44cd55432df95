package domain

import (
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stafett/stafett/pkg/ids"
	eventsv1 "github.com/stafett/stafett/proto/stafett/events/v1"
)

// Ref is an interned string (an id, a unit); 0 is the empty string. Interning
// keeps a journey small: the same professionals and units recur across
// thousands of entries.
type Ref uint32

// Interner maps strings to Refs and back. Not safe for concurrent writers.
type Interner struct {
	ids  map[string]Ref
	strs []string
}

// NewInterner returns an interner holding only the empty string.
func NewInterner() *Interner { return &Interner{ids: map[string]Ref{"": 0}, strs: []string{""}} }

// Ref interns s.
func (in *Interner) Ref(s string) Ref {
	if r, ok := in.ids[s]; ok {
		return r
	}
	r := Ref(len(in.strs))
	in.strs = append(in.strs, s)
	in.ids[s] = r
	return r
}

// Str is the string behind r.
func (in *Interner) Str(r Ref) string {
	if int(r) >= len(in.strs) {
		return ""
	}
	return in.strs[r]
}

// UnitKey is how a unit is interned: HER-id and organisation number.
func UnitKey(u *eventsv1.UnitRef) string {
	if u == nil || (u.GetHerId() == "" && u.GetOrgNumber() == "") {
		return ""
	}
	return u.GetHerId() + "|" + u.GetOrgNumber()
}

// Unit is a unit's HER-id and organisation number.
type Unit = ids.Unit

// ParseUnitKey reverses UnitKey.
func ParseUnitKey(k string) Unit {
	her, org, _ := strings.Cut(k, "|")
	return Unit{HerID: her, OrgNumber: org}
}

// Entry is one journey entry in 24 bytes: where it is in the stream and
// when it happened, compactly, then what kind and refs to the unit and
// professional (global) and the record (patient-local) involved. Code is
// the number of a kind-specific enum (a decision code, a role, a handoff
// kind, ...), rendered only when the journey is read. Journeys are the bulk
// of the view's memory, so every byte here counts thousands of times.
type Entry struct {
	// SeqOff is the stream sequence minus the patient's SeqBase.
	SeqOff uint32
	// AtSec is seconds since 2000-01-01 UTC: a journey needs no finer time.
	AtSec uint32
	Unit  Ref
	Prof  Ref
	Rec   Ref
	Kind  uint8 // a handoffsv1.EntryKind
	Code  uint8
}

// epoch2000 is where Entry.AtSec counts from, in Unix seconds.
const epoch2000 = 946684800

// At is when the entry happened, in Unix nanoseconds.
func (e Entry) At() int64 { return (epoch2000 + int64(e.AtSec)) * 1e9 }

// Seq is the stream sequence of the entry's commit.
func (p *Patient) Seq(e Entry) uint64 { return p.SeqBase + uint64(e.SeqOff) }

// entry is an Entry as the fold builds it, before compaction.
type entry struct {
	At         int64 // unix nanoseconds
	Unit, Prof Ref
	Rec        Ref
	Kind, Code uint8
}

// Relationship is one care relationship as the views need it.
type Relationship struct {
	ID          Ref
	Prof        Ref
	Unit        Ref
	FromHandoff Ref
	Start       int64
	End         int64 // 0 while active
	Role        uint8
	EndReason   uint8
	Active      bool
}

// Handoff is a planned or completed handoff.
type Handoff struct {
	ID        Ref
	FromRel   Ref
	ToRel     Ref
	Planned   int64
	Completed int64 // 0 until completed
	Kind      uint8 // the completed kind, else the planned kind
}

// Move is a patient passing between units outside relationships: a referral
// forwarded or a pathway transferred.
type Move struct {
	From, To Ref
	At       int64
	Pathway  bool // a pathway transfer; else a referral forward
}

// Referral is a referral's dates and status.
type Referral struct {
	ID              Ref
	Unit            Ref
	Received        int64
	AssessmentDue   int32 // days since the Unix epoch; 0 when none
	CareStart       int32
	Open            bool // not yet assessed, withdrawn or forwarded away
	Granted         bool
	Withdrawn       bool
	FirstAppt       bool
	AssessBreached  bool
	CareStartBreach bool
}

// Target is a pathway milestone's target date.
type Target struct {
	Due       int32 // days since the Unix epoch
	Milestone uint8
	Reached   bool
	Overdue   bool
}

// Pathway is one pathway at one unit.
type Pathway struct {
	ID       Ref
	Referral Ref
	Unit     Ref
	Start    int64
	End      int64 // transferred or completed; 0 while active
	Targets  []Target
	Active   bool
	Attended bool
}

// Alone is the patient's state after PatientLeftWithoutContact.
type Alone struct {
	Rel, Prof, Unit Ref
	At              int64
	Role, Reason    uint8
}

// Patient is everything the views keep about one patient.
type Patient struct {
	ID string
	// Folded is the last stream sequence applied to this patient: records at
	// or below it are redeliveries and change nothing.
	Folded uint64
	// SeqBase is the stream sequence entries count from (the first one's).
	SeqBase   uint64
	Entries   []Entry
	Rels      []Relationship
	Handoffs  []Handoff
	Moves     []Move
	Referrals []Referral
	Pathways  []Pathway
	Alone     *Alone
	// Recs holds the ids of the patient's own records (referrals, pathways,
	// relationships, handoffs, consents, ...); record refs index it. They
	// are unique to the patient, so interning them globally would only cost.
	Recs []string
}

// RecStr is the record id behind a record ref.
func (p *Patient) RecStr(r Ref) string {
	if r == 0 || int(r) >= len(p.Recs) {
		return ""
	}
	return p.Recs[r]
}

// View is every patient's state plus the shared interner.
type View struct {
	In       *Interner
	Patients map[string]*Patient
	// Applied is the last stream sequence folded (for any patient or none).
	Applied uint64
}

// NewView is an empty view.
func NewView() *View { return &View{In: NewInterner(), Patients: map[string]*Patient{}} }

// Apply folds one commit at stream sequence seq. It is idempotent by
// sequence, per patient, so redelivery after a restart changes nothing. It
// returns the patient changed, or nil.
func (v *View) Apply(seq uint64, c *eventsv1.Commit, events []proto.Message) *Patient {
	if seq > v.Applied {
		v.Applied = seq
	}
	pid := c.GetPatientId()
	if pid == "" {
		return nil
	}
	p := v.Patients[pid]
	if p == nil {
		p = &Patient{ID: pid}
		v.Patients[pid] = p
	}
	if seq <= p.Folded {
		return nil
	}
	f := folder{v: v, p: p, seq: seq, at: c.GetOccurredAt().AsTime().UnixNano()}
	for _, e := range events {
		f.evolve(e)
	}
	p.Folded = seq
	return p
}

// folder applies one commit's events to one patient.
type folder struct {
	v   *View
	p   *Patient
	seq uint64
	at  int64 // the commit's occurred-at, for events with no time of their own
}

func (f *folder) ref(s string) Ref { return f.v.In.Ref(s) }

// rec is a record id as a patient-local ref.
func (f *folder) rec(id string) Ref {
	if id == "" {
		return 0
	}
	for i := 1; i < len(f.p.Recs); i++ {
		if f.p.Recs[i] == id {
			return Ref(i)
		}
	}
	if len(f.p.Recs) == 0 {
		f.p.Recs = []string{""}
	}
	f.p.Recs = append(f.p.Recs, id)
	return Ref(len(f.p.Recs) - 1)
}

func (f *folder) unit(u *eventsv1.UnitRef) Ref { return f.v.In.Ref(UnitKey(u)) }
func (f *folder) add(in entry) {
	if len(f.p.Entries) == 0 && f.p.SeqBase == 0 {
		f.p.SeqBase = f.seq
	}
	secs := max(in.At/1e9-epoch2000, 0)
	e := Entry{SeqOff: uint32(f.seq - f.p.SeqBase), AtSec: uint32(min(secs, 1<<32-1)), Unit: in.Unit, Prof: in.Prof, Rec: in.Rec, Kind: in.Kind, Code: in.Code}
	es := f.p.Entries
	if len(es) == cap(es) {
		// Grow by an eighth rather than append's doubling: journeys are
		// many and long-lived, and half-empty arrays would be most of
		// their memory.
		grown := make([]Entry, len(es), len(es)+len(es)/8+4)
		copy(grown, es)
		es = grown
	}
	f.p.Entries = append(es, e)
}
func (f *folder) when(t *timestamppb.Timestamp) int64 {
	if !t.IsValid() {
		return f.at
	}
	return t.AsTime().UnixNano()
}

// Day is a calendar date as days since the Unix epoch; 0 for none.
func Day(s string) int32 {
	if s == "" {
		return 0
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0
	}
	return int32(t.Unix() / 86400)
}

// DayString reverses Day.
func DayString(d int32) string {
	if d == 0 {
		return ""
	}
	return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
}
