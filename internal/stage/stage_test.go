package stage

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func resale() Model {
	m, _ := Default(tandem.MotionResale)
	return m
}

// all returns facts that satisfy every criterion of every default model.
func all() Facts {
	f := Facts{Fields: map[string]bool{}, Milestones: map[string]bool{}, Attachments: map[string]bool{},
		Sourced: true, Influenced: true, RegistrationApproved: true}
	for _, m := range Defaults() {
		for _, s := range m.Stages {
			for _, c := range append(slices.Clone(s.Exit), m.LostCriteria...) {
				switch c.Kind {
				case KindField:
					f.Fields[c.Key] = true
				case KindMilestone:
					f.Milestones[c.Key] = true
				case KindAttachment:
					f.Attachments[c.Key] = true
				}
			}
		}
	}
	return f
}

func paths(err error) []string {
	var out []string
	for _, fe := range tandem.FieldsOf(err) {
		out = append(out, fe.Path)
	}
	return out
}

func TestDefaultModels(t *testing.T) {
	for _, motion := range tandem.Motions {
		t.Run(string(motion), func(t *testing.T) {
			m, ok := Default(motion)
			if !ok || m.Motion != motion {
				t.Fatalf("Default(%s) = %v, %v", motion, m.Motion, ok)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(m.Stages) != 5 {
				t.Errorf("%d stages, want 5", len(m.Stages))
			}
			last := m.Stages[len(m.Stages)-1].Key
			if !m.Won(last) || m.Open(last) || !m.Open(m.Stages[0].Key) {
				t.Error("the last stage should be won and the first open")
			}
			for i, s := range m.Stages[:m.wonIndex()] {
				if len(s.Exit) == 0 {
					t.Errorf("open stage %d (%s) has no exit criteria", i, s.Key)
				}
			}
			// Walking the whole pipeline with everything in place never stops.
			from := ""
			for _, s := range m.Stages {
				if err := CheckMove(m, from, s.Key, all()); err != nil {
					t.Errorf("%q → %q: %v", from, s.Key, err)
				}
				from = s.Key
			}
			// With nothing in place, the first step forward names what is missing.
			if err := CheckMove(m, m.Stages[0].Key, m.Stages[1].Key, Facts{}); len(paths(err)) != len(m.Stages[0].Exit) {
				t.Errorf("first move with no facts: %v", err)
			}
		})
	}
	if _, ok := Default("barter"); ok {
		t.Error("unknown motion has a default")
	}
	a := resale()
	a.Stages[0].Label = "edited"
	a.Stages[0].Exit[0].Key = "edited"
	if b := resale(); b.Stages[0].Label == "edited" || b.Stages[0].Exit[0].Key == "edited" {
		t.Error("defaults share storage between calls")
	}
	if len(Defaults()) != len(tandem.Motions) {
		t.Error("Defaults misses a motion")
	}
}

func TestWonOpenAndLabel(t *testing.T) {
	m := resale() // won at "launched", the fifth stage
	tests := []struct {
		key       string
		won, open bool
		label     string
		wantIndex int
	}{
		{"registered", false, true, "Deal registered", 0},
		{"transacting", false, true, "Transacting", 3},
		{"launched", true, false, "Launched and enabled", 4},
		{Lost, false, false, "Closed – lost", -1},
		{"nope", false, false, "nope", -1},
	}
	for _, tt := range tests {
		if m.Won(tt.key) != tt.won || m.Open(tt.key) != tt.open || m.Label(tt.key) != tt.label || m.Index(tt.key) != tt.wantIndex {
			t.Errorf("%s: won %v open %v label %q index %d", tt.key, m.Won(tt.key), m.Open(tt.key), m.Label(tt.key), m.Index(tt.key))
		}
	}
	mk, _ := Default(tandem.MotionMarketplace) // won at the fourth of five stages
	if !mk.Won("adoption") || !mk.Won("closed_disbursed") || mk.Won("procurement") {
		t.Error("marketplace won stages wrong")
	}
	noWon := Model{Stages: []Stage{{Key: "a"}, {Key: "b"}}, WonAt: "zzz"}
	if noWon.Won("b") || noWon.Won("a") {
		t.Error("a model with an unknown WonAt has no won stage")
	}
}

func TestCheckMove(t *testing.T) {
	m := resale()
	// Stage exits: registered{registration, partner_contact} qualified{champion, close_date, next_step}
	// quoted{products, amount, discount, attachments.quote} transacting{order_reference} launched{}
	without := func(keys ...string) Facts {
		f := all()
		for _, k := range keys {
			switch {
			case k == "registration":
				f.RegistrationApproved = false
			case strings.HasPrefix(k, "attachments."):
				delete(f.Attachments, strings.TrimPrefix(k, "attachments."))
			default:
				delete(f.Fields, k)
			}
		}
		return f
	}
	tests := []struct {
		name     string
		from, to string
		f        Facts
		paths    []string // nil: allowed
		invalid  string   // path of an impossible move
	}{
		{name: "stay put with nothing", from: "qualified", to: "qualified", f: Facts{}},
		{name: "one step, all met", from: "registered", to: "qualified", f: all()},
		{name: "one step, registration pending", from: "registered", to: "qualified", f: without("registration"), paths: []string{"registration"}},
		{name: "one step, nothing met", from: "qualified", to: "quoted", f: Facts{}, paths: []string{"champion", "close_date", "next_step"}},
		{name: "only the current stage's exit counts", from: "qualified", to: "quoted", f: without("order_reference", "amount"), paths: nil},
		{name: "skipping checks every skipped stage", from: "registered", to: "transacting", f: without("partner_contact", "next_step", "attachments.quote"),
			paths: []string{"partner_contact", "next_step", "attachments.quote"}},
		{name: "skipping to the won stage", from: "qualified", to: "launched", f: without("order_reference"), paths: []string{"order_reference"}},
		{name: "backward is always allowed", from: "transacting", to: "registered", f: Facts{}},
		{name: "reopening a won deal goes backward", from: "launched", to: "quoted", f: Facts{}},
		{name: "a new opportunity in the first stage", from: "", to: "registered", f: Facts{}},
		{name: "a new opportunity further on", from: "", to: "quoted", f: without("registration", "champion"), paths: []string{"registration", "champion"}},
		{name: "reopen from lost checks from the start", from: Lost, to: "qualified", f: without("partner_contact"), paths: []string{"partner_contact"}},
		{name: "reopen from lost into the first stage", from: Lost, to: "registered", f: Facts{}},
		{name: "lose an open deal", from: "quoted", to: Lost, f: all()},
		{name: "lose without a reason", from: "quoted", to: Lost, f: without("loss_reason"), paths: []string{"loss_reason"}},
		{name: "lost to lost", from: Lost, to: Lost, f: Facts{}},
		{name: "a new opportunity recorded as lost", from: "", to: Lost, f: all()},
		{name: "a won deal cannot be lost", from: "launched", to: Lost, f: all(), invalid: "to"},
		{name: "unknown target", from: "registered", to: "celebrating", f: all(), invalid: "to"},
		{name: "empty target", from: "registered", to: "", f: all(), invalid: "to"},
		{name: "unknown origin", from: "limbo", to: "registered", f: all(), invalid: "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMove(m, tt.from, tt.to, tt.f)
			switch {
			case tt.invalid != "":
				if got := paths(err); !slices.Equal(got, []string{tt.invalid}) || tandem.KindOf(err) != tandem.KindInvalid {
					t.Errorf("got %v, want an invalid move on %q", err, tt.invalid)
				}
			case tt.paths == nil:
				if err != nil {
					t.Errorf("want allowed, got %v", err)
				}
			default:
				if tandem.KindOf(err) != tandem.KindInvalid || !slices.Equal(paths(err), tt.paths) {
					t.Errorf("got %v, want missing %v", paths(err), tt.paths)
				}
			}
		})
	}
}

func TestCheckMoveExplainsEachMissingCriterion(t *testing.T) {
	m := resale()
	err := CheckMove(m, "registered", "transacting", Facts{Fields: map[string]bool{"partner_contact": true}})
	fields := tandem.FieldsOf(err)
	want := map[string]string{
		"registration":      "The deal registration is approved (needed to leave Deal registered)",
		"champion":          "Champion contact is filled in (needed to leave Demand qualified)",
		"attachments.quote": "A quote is attached (needed to leave Configured and quoted)",
	}
	for _, f := range fields {
		if w, ok := want[f.Path]; ok && f.Detail != w {
			t.Errorf("%s: %q, want %q", f.Path, f.Detail, w)
		}
	}
	if len(fields) != 8 {
		t.Errorf("%d missing, want 8: %v", len(fields), fields)
	}
	if !strings.Contains(tandem.MessageOf(err), "Transacting") || !strings.Contains(tandem.MessageOf(err), "8") {
		t.Errorf("message %q", tandem.MessageOf(err))
	}
	err = CheckMove(m, "quoted", Lost, Facts{})
	if f := tandem.FieldsOf(err); len(f) != 1 || f[0].Detail != "Loss reason is filled in (needed to close as lost)" {
		t.Errorf("lost: %v", f)
	}
}

func TestMissingListsARepeatedCriterionOnce(t *testing.T) {
	m := Model{Motion: tandem.MotionReferral, Stages: []Stage{
		{Key: "a", Label: "A", Exit: []Criterion{field("next_step"), field("amount")}},
		{Key: "b", Label: "B", Exit: []Criterion{field("next_step"), {Kind: KindAttribution}}},
		{Key: "c", Label: "C"},
	}}
	need, err := m.Missing("a", "c", Facts{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range need {
		got = append(got, n.Stage+":"+n.Path)
	}
	if want := []string{"a:next_step", "a:amount", "b:attribution"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFactsMet(t *testing.T) {
	f := Facts{Fields: map[string]bool{"amount": true}, Influenced: true, Milestones: map[string]bool{"go_live": true},
		Attachments: map[string]bool{"quote": true}}
	tests := []struct {
		c    Criterion
		want bool
	}{
		{field("amount"), true},
		{field("next_step"), false},
		{attributed(""), true},
		{attributed("influenced"), true},
		{attributed("sourced"), false},
		{Criterion{Kind: KindMilestone, Key: "go_live"}, true},
		{Criterion{Kind: KindMilestone, Key: "kickoff"}, false},
		{Criterion{Kind: KindAttachment, Key: "quote"}, true},
		{Criterion{Kind: KindAttachment, Key: "sow"}, false},
		{Criterion{Kind: KindRegistration}, false},
		{Criterion{Kind: "vibes"}, false},
	}
	for _, tt := range tests {
		if got := f.Met(tt.c); got != tt.want {
			t.Errorf("Met(%+v) = %v", tt.c, got)
		}
	}
	if (Facts{}).Met(field("amount")) {
		t.Error("nil maps must read as unmet")
	}
}

func TestCriterionText(t *testing.T) {
	tests := []struct {
		c    Criterion
		want string
	}{
		{field("next_step"), "Next step is filled in"},
		{field("po_number"), "Po number is filled in"},
		{Criterion{Kind: KindField, Key: "amount", Label: "Deal size agreed"}, "Deal size agreed"},
		{attributed("sourced"), "A sourcing partner is recorded"},
		{attributed(""), "Partner attribution is recorded"},
		{Criterion{Kind: KindMilestone, Key: "kick_off"}, "Milestone “Kick off” is done"},
		{Criterion{Kind: KindAttachment, Key: "statement_of_work"}, "Statement of work is attached"},
		{Criterion{Kind: KindRegistration}, "The deal registration is approved"},
	}
	for _, tt := range tests {
		if got := tt.c.Text(); got != tt.want {
			t.Errorf("Text(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m *Model)
		custom []string
		paths  []string
	}{
		{"default", func(m *Model) {}, nil, nil},
		{"two stages are enough", func(m *Model) { m.Stages, m.WonAt = m.Stages[:2], "" }, nil, nil},
		{"custom field allowed when declared", func(m *Model) { m.Stages[0].Exit = append(m.Stages[0].Exit, field("po_number")) }, []string{"po_number"}, nil},
		{"custom field unknown", func(m *Model) { m.Stages[0].Exit = append(m.Stages[0].Exit, field("po_number")) }, nil, []string{"stages[0].exit[2].key"}},
		{"unknown motion", func(m *Model) { m.Motion = "" }, nil, []string{"motion"}},
		{"one stage", func(m *Model) { m.Stages, m.WonAt = m.Stages[:1], "" }, nil, []string{"stages"}},
		{"too many stages", func(m *Model) {
			for i := range MaxStages {
				m.Stages = append(m.Stages, Stage{Key: "extra_" + string(rune('a'+i)), Label: "x"})
			}
		}, nil, []string{"stages"}},
		{"duplicate key", func(m *Model) { m.Stages[2].Key = "registered" }, nil, []string{"stages[2].key"}},
		{"reserved key", func(m *Model) { m.Stages[1].Key = Lost }, nil, []string{"stages[1].key"}},
		{"malformed key", func(m *Model) { m.Stages[1].Key = "Qualified Deal" }, nil, []string{"stages[1].key"}},
		{"key starting with a digit", func(m *Model) { m.Stages[1].Key = "2nd" }, nil, []string{"stages[1].key"}},
		{"empty key", func(m *Model) { m.Stages[1].Key = "" }, nil, []string{"stages[1].key"}},
		{"key too long", func(m *Model) { m.Stages[1].Key = strings.Repeat("k", 41) }, nil, []string{"stages[1].key"}},
		{"empty label", func(m *Model) { m.Stages[3].Label = "  " }, nil, []string{"stages[3].label"}},
		{"multi-line label", func(m *Model) { m.Stages[3].Label = "a\nb" }, nil, []string{"stages[3].label"}},
		{"label too long", func(m *Model) { m.Stages[3].Label = strings.Repeat("é", 121) }, nil, []string{"stages[3].label"}},
		{"won_at unknown", func(m *Model) { m.WonAt = "party" }, nil, []string{"won_at"}},
		{"criterion kind unknown", func(m *Model) { m.Stages[0].Exit[0] = Criterion{Kind: "vibes"} }, nil, []string{"stages[0].exit[0].kind"}},
		{"milestone without key", func(m *Model) { m.Stages[0].Exit[0] = Criterion{Kind: KindMilestone} }, nil, []string{"stages[0].exit[0].key"}},
		{"attachment with bad key", func(m *Model) { m.Stages[0].Exit[0] = Criterion{Kind: KindAttachment, Key: "Quote PDF"} }, nil, []string{"stages[0].exit[0].key"}},
		{"attribution with bad key", func(m *Model) { m.Stages[0].Exit[0] = Criterion{Kind: KindAttribution, Key: "partial"} }, nil, []string{"stages[0].exit[0].key"}},
		{"registration with a key", func(m *Model) { m.Stages[0].Exit[0] = Criterion{Kind: KindRegistration, Key: "x"} }, nil, []string{"stages[0].exit[0].key"}},
		{"blank criterion label", func(m *Model) { m.Stages[0].Exit[0].Label = " " }, nil, []string{"stages[0].exit[0].label"}},
		{"repeated criterion", func(m *Model) { m.Stages[1].Exit = append(m.Stages[1].Exit, field("champion")) }, nil, []string{"stages[1].exit[3]"}},
		{"too many criteria", func(m *Model) {
			for range MaxCriteria {
				m.Stages[1].Exit = append(m.Stages[1].Exit, field("amount"))
			}
		}, nil, []string{"stages[1].exit"}},
		{"lost criteria checked", func(m *Model) { m.LostCriteria = []Criterion{field("why")} }, nil, []string{"lost_criteria[0].key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resale()
			tt.edit(&m)
			err := m.Validate(tt.custom...)
			if !slices.Equal(paths(err), tt.paths) {
				t.Errorf("paths = %v, want %v (%v)", paths(err), tt.paths, err)
			}
		})
	}
}

func TestParseModel(t *testing.T) {
	good := `{"motion":"referral","stages":[{"key":"intro","label":"Intro","exit":[{"kind":"field","key":"po_number"}]},{"key":"won","label":"Won"}]}`
	m, err := ParseModel([]byte(good), "po_number")
	if err != nil {
		t.Fatal(err)
	}
	if m.Index("won") != 1 || !m.Won("won") {
		t.Errorf("got %+v", m)
	}
	for _, bad := range []string{good, `{}`, `{"motion":"referral","stages":[],"extra":1}`, good + `{}`, `nope`, ``,
		`{"motion":"referral","stages":[{"key":"` + strings.Repeat("a", maxModelJSON) + `"}]}`} {
		if _, err := ParseModel([]byte(bad)); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("ParseModel(%.50q) = %v, want invalid", bad, err)
		}
	}
}
