package attribution

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func pct(s string) Percent {
	p, err := ParsePercent(s)
	if err != nil {
		panic(err)
	}
	return p
}

func e(id string, k Kind, p string) Entry { return Entry{PartnerID: id, Kind: k, Percent: pct(p)} }

func fieldErrs(err error) []tandem.FieldError { return tandem.FieldsOf(err) }

func TestValidate(t *testing.T) {
	def := DefaultConfig()
	split := def
	split.AllowSplitSourcing = true
	exact := def
	exact.Total = TotalExactly
	perKind := exact
	perKind.Scope = ScopePerKind
	two := def
	two.MaxEntries = 2
	tests := []struct {
		name    string
		cfg     Config
		entries []Entry
		want    []tandem.FieldError
	}{
		{"no partners", def, nil, nil},
		{"no partners with an exact total", exact, nil, nil},
		{"one sourced partner at 100", def, []Entry{e("p1", Sourced, "100")}, nil},
		{"sourced and influenced under 100", def, []Entry{e("p1", Sourced, "60"), e("p2", Influenced, "30")}, nil},
		{"zero percent is allowed", def, []Entry{e("p1", Influenced, "0")}, nil},
		{"thirds add up exactly", exact, []Entry{e("a", Sourced, "33.33"), e("b", Influenced, "33.33"), e("c", Influenced, "33.34")}, nil},
		{"percent above 100", def, []Entry{e("p1", Sourced, "100"), e("p2", Influenced, "100.01")}, []tandem.FieldError{
			{Path: "attribution[1].percent", Detail: "must be between 0 and 100"}}},
		{"negative percent", def, []Entry{e("p1", Sourced, "-1")}, []tandem.FieldError{
			{Path: "attribution[0].percent", Detail: "must be between 0 and 100"}}},
		{"over the total", def, []Entry{e("p1", Sourced, "70"), e("p2", Influenced, "40")}, []tandem.FieldError{
			{Path: "attribution", Detail: "the percentages add up to 110; they must add up to at most 100"}}},
		{"under an exact total", exact, []Entry{e("p1", Sourced, "70"), e("p2", Influenced, "20.5")}, []tandem.FieldError{
			{Path: "attribution", Detail: "the percentages add up to 90.5; they must add up to exactly 100"}}},
		{"per kind: each kind adds up on its own", perKind, []Entry{e("p1", Sourced, "100"), e("p2", Influenced, "50"), e("p3", Influenced, "50")}, nil},
		{"per kind: a kind that is absent is not checked", perKind, []Entry{e("p2", Influenced, "100")}, nil},
		{"per kind: both wrong", perKind, []Entry{e("p1", Sourced, "90"), e("p2", Influenced, "50")}, []tandem.FieldError{
			{Path: "attribution", Detail: "sourced percentages add up to 90; they must add up to exactly 100"},
			{Path: "attribution", Detail: "influenced percentages add up to 50; they must add up to exactly 100"}}},
		{"two sourced without split sourcing", def, []Entry{e("p1", Sourced, "50"), e("p2", Sourced, "50")}, []tandem.FieldError{
			{Path: "attribution[1].kind", Detail: "only one partner may be sourced (attribution[0] is already); this workspace does not allow split sourcing"}}},
		{"two sourced with split sourcing", split, []Entry{e("p1", Sourced, "50"), e("p2", Sourced, "50")}, nil},
		{"duplicate partner", split, []Entry{e("p1", Sourced, "50"), e("p1", Influenced, "10")}, []tandem.FieldError{
			{Path: "attribution[1].partner_id", Detail: `partner "p1" is already credited at attribution[0]`}}},
		{"missing partner", def, []Entry{{Kind: Sourced, Percent: 10}}, []tandem.FieldError{
			{Path: "attribution[0].partner_id", Detail: "is required"}}},
		{"padded partner", def, []Entry{e(" p1", Sourced, "10")}, []tandem.FieldError{
			{Path: "attribution[0].partner_id", Detail: "must not start or end with spaces"}}},
		{"unknown kind", def, []Entry{e("p1", "resold", "10")}, []tandem.FieldError{
			{Path: "attribution[0].kind", Detail: `unknown kind "resold": use sourced or influenced`}}},
		{"empty kind", def, []Entry{e("p1", "", "10")}, []tandem.FieldError{
			{Path: "attribution[0].kind", Detail: `unknown kind "": use sourced or influenced`}}},
		{"totals wait for valid percentages", exact, []Entry{e("p1", Sourced, "150")}, []tandem.FieldError{
			{Path: "attribution[0].percent", Detail: "must be between 0 and 100"}}},
		{"too many partners", two, []Entry{e("a", Influenced, "1"), e("b", Influenced, "1"), e("c", Influenced, "1")}, []tandem.FieldError{
			{Path: "attribution", Detail: "credits 3 partners; at most 2 are allowed"}}},
		{"every problem at once", def, []Entry{e("", "x", "101"), e("p2", Sourced, "1"), e("p2", Sourced, "1")}, []tandem.FieldError{
			{Path: "attribution[0].partner_id", Detail: "is required"},
			{Path: "attribution[0].kind", Detail: `unknown kind "x": use sourced or influenced`},
			{Path: "attribution[0].percent", Detail: "must be between 0 and 100"},
			{Path: "attribution[2].partner_id", Detail: `partner "p2" is already credited at attribution[1]`},
			{Path: "attribution[2].kind", Detail: "only one partner may be sourced (attribution[1] is already); this workspace does not allow split sourcing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.entries, tt.cfg)
			if got := fieldErrs(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if tt.want != nil && tandem.KindOf(err) != tandem.KindInvalid {
				t.Errorf("kind %q", tandem.KindOf(err))
			}
		})
	}
}

func TestValidateWithBrokenSettingsIsInternal(t *testing.T) {
	err := Validate(nil, Config{})
	if tandem.KindOf(err) != tandem.KindInternal {
		t.Fatalf("got %v", err)
	}
	if len(tandem.FieldsOf(err)) != 0 {
		t.Error("the settings' problems must not be reported as the caller's fields")
	}
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		paths []string
	}{
		{"unknown total rule", func(c *Config) { c.Total = "around" }, []string{"total"}},
		{"zero total", func(c *Config) { c.TotalPercent = 0 }, []string{"total_percent"}},
		{"huge total", func(c *Config) { c.TotalPercent = 10*Hundred + 1 }, []string{"total_percent"}},
		{"unknown scope", func(c *Config) { c.Scope = "" }, []string{"scope"}},
		{"no entries allowed", func(c *Config) { c.MaxEntries = 0 }, []string{"max_entries"}},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.edit(&c)
		var got []string
		for _, f := range tandem.FieldsOf(c.Validate()) {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tt.paths) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.paths)
		}
	}
	c, err := ParseConfig([]byte(`{"allow_split_sourcing":true,"total":"exactly","total_percent":100}`))
	if err != nil || !c.AllowSplitSourcing || c.Total != TotalExactly || c.TotalPercent != Hundred || c.MaxEntries != 10 {
		t.Errorf("ParseConfig = %+v, %v", c, err)
	}
	for _, bad := range []string{``, `{"total":"x"}`, `{"total_percent":"100"}`, `{"totl":1}`, `{}{}`, `{"total_percent":100.001}`} {
		if _, err := ParseConfig([]byte(bad)); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("ParseConfig(%s) = %v", bad, err)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name          string
		before, after []Entry
		want          Change
		text          string
	}{
		{"nothing to nothing", nil, nil, Change{}, "no change"},
		{"same entries, other order", []Entry{e("a", Sourced, "60"), e("b", Influenced, "40")}, []Entry{e("b", Influenced, "40"), e("a", Sourced, "60")}, Change{}, "no change"},
		{"first partner added", nil, []Entry{e("a", Sourced, "100")}, Change{Added: []Entry{e("a", Sourced, "100")}}, "added a (sourced 100%)"},
		{"partner removed", []Entry{e("a", Sourced, "100"), e("b", Influenced, "0")}, []Entry{e("a", Sourced, "100")},
			Change{Removed: []Entry{e("b", Influenced, "0")}}, "removed b (influenced 0%)"},
		{"share and kind changed", []Entry{e("a", Sourced, "100")}, []Entry{e("a", Influenced, "80.5")},
			Change{Changed: []Update{{Before: e("a", Sourced, "100"), After: e("a", Influenced, "80.5")}}}, "a: sourced 100% → influenced 80.5%"},
		{"everything at once, sorted", []Entry{e("z", Sourced, "50"), e("m", Influenced, "50")}, []Entry{e("m", Influenced, "25"), e("b", Influenced, "25"), e("a", Sourced, "50")},
			Change{
				Added:   []Entry{e("a", Sourced, "50"), e("b", Influenced, "25")},
				Removed: []Entry{e("z", Sourced, "50")},
				Changed: []Update{{Before: e("m", Influenced, "50"), After: e("m", Influenced, "25")}},
			}, "added a (sourced 50%); added b (influenced 25%); removed z (sourced 50%); m: influenced 50% → influenced 25%"},
		{"duplicates matched in order", []Entry{e("a", Sourced, "10")}, []Entry{e("a", Sourced, "10"), e("a", Influenced, "5")},
			Change{Added: []Entry{e("a", Influenced, "5")}}, "added a (influenced 5%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.before, tt.after)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.text {
				t.Errorf("String = %q, want %q", got.String(), tt.text)
			}
			if got.Empty() != (tt.text == "no change") {
				t.Error("Empty disagrees with String")
			}
			// The change is symmetric: swapping sides swaps added and removed.
			back := Diff(tt.after, tt.before)
			if len(back.Added) != len(got.Removed) || len(back.Removed) != len(got.Added) || len(back.Changed) != len(got.Changed) {
				t.Errorf("reverse diff %+v", back)
			}
		})
	}
}

func TestChangeSerialisesForTheAuditLog(t *testing.T) {
	ch := Diff([]Entry{e("a", Sourced, "100")}, []Entry{e("a", Sourced, "90"), e("b", Influenced, "10")})
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	var back Change
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, ch) {
		t.Errorf("round trip %s → %+v, %v", b, back, err)
	}
}

func TestTotals(t *testing.T) {
	s, i := Totals([]Entry{e("a", Sourced, "50.5"), e("b", Sourced, "0.5"), e("c", Influenced, "10"), e("d", "x", "99")})
	if s != pct("51") || i != pct("10") {
		t.Errorf("Totals = %v, %v", s, i)
	}
}
