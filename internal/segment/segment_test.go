package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/tandem"
)

var schema = Schema{
	"tier":          TypeString,
	"region":        TypeString,
	"motion":        TypeString,
	"engagement":    TypeNumber,
	"fit":           TypeNumber,
	"tags":          TypeStringList,
	"last_activity": TypeTime,
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

func TestParseReadsRulesAndMatches(t *testing.T) {
	gold := Map{"id": "p1", "tier": "Gold", "region": "AMER", "motion": "resale", "engagement": 12,
		"fit": 82.5, "tags": []string{"Strategic", "cloud"}, "last_activity": daysAgo(90)}
	silver := Map{"id": "p2", "tier": "silver", "region": "EMEA", "motion": "marketplace", "engagement": 45.0,
		"fit": 40, "tags": []string{}, "last_activity": daysAgo(3)}
	bare := Map{"id": "p3"}
	tests := []struct {
		name, rule string
		want       [3]bool // gold, silver, bare
	}{
		{"text equality ignores case", `tier = "gold"`, [3]bool{true, false, false}},
		{"bare word is text", `tier = Gold and engagement < 30`, [3]bool{true, false, false}},
		{"not equal skips missing values", `tier != "Gold"`, [3]bool{false, true, false}},
		{"in list and not", `motion in ("resale", "marketplace") and not region = "EMEA"`, [3]bool{true, false, false}},
		{"not in", `motion not in ("resale")`, [3]bool{false, true, false}},
		{"or with list contains", `fit >= 70 or tags contains "strategic"`, [3]bool{true, false, false}},
		{"older than days", `last_activity older than 60 days`, [3]bool{true, false, false}},
		{"newer than weeks", `last_activity newer than 1 week`, [3]bool{false, true, false}},
		{"newer than hours", `last_activity newer than 48 hours`, [3]bool{false, false, false}},
		{"date comparison by day", `last_activity >= 2026-02-26`, [3]bool{false, true, false}},
		{"date equality by day", `last_activity = 2026-02-26`, [3]bool{false, true, false}},
		{"quoted date", `last_activity < "2026-01-01"`, [3]bool{true, false, false}},
		{"keywords ignore case", `TIER = "Gold" AND Fit > 80 OR NOT region IS EMPTY`, [3]bool{true, true, false}},
		{"and binds tighter than or", `tier = "x" and fit > 0 or engagement = 45`, [3]bool{false, true, false}},
		{"parentheses group", `tier = "x" and (fit > 0 or engagement = 45)`, [3]bool{false, false, false}},
		{"number in list", `engagement in (12, 45)`, [3]bool{true, true, false}},
		{"number equality with decimals", `fit = 82.5`, [3]bool{true, false, false}},
		{"negative numbers", `fit > -1`, [3]bool{true, true, false}},
		{"text contains is a substring", `region contains "me"`, [3]bool{true, true, false}},
		{"list in means any overlap", `tags in ("cloud", "edge")`, [3]bool{true, false, false}},
		{"list not in", `tags not in ("cloud")`, [3]bool{false, true, false}},
		{"is empty covers missing and empty lists", `tags is empty`, [3]bool{false, true, true}},
		{"is not empty", `last_activity is not empty`, [3]bool{true, true, false}},
		{"not of a missing field is true", `not fit > 0`, [3]bool{false, false, true}},
		{"double equals and angle not equal", `tier == "Gold" and region <> "EMEA"`, [3]bool{true, false, false}},
		{"single quotes and escapes", `tier = 'Gold' or tier = "si\"lver"`, [3]bool{true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.rule, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.rule, err)
			}
			for i, rec := range []Map{gold, silver, bare} {
				if got := r.Match(rec, now); got != tt.want[i] {
					t.Errorf("%q on %s = %v, want %v", tt.rule, rec.ID(), got, tt.want[i])
				}
			}
		})
	}
}

func TestStringIsCanonicalAndReparses(t *testing.T) {
	tests := []struct{ in, want string }{
		{`TIER=Gold AND engagement<30`, `tier = "Gold" and engagement < 30`},
		{`Motion IN ('resale','marketplace') and NOT Region = "EMEA"`, `motion in ("resale", "marketplace") and not region = "EMEA"`},
		{`fit>=70 or (tags contains "strategic")`, `fit >= 70 or tags contains "strategic"`},
		{`(fit > 1 or fit < 0) and tier = x`, `(fit > 1 or fit < 0) and tier = "x"`},
		{`not (fit > 1 and fit < 5)`, `not (fit > 1 and fit < 5)`},
		{`((fit = 1 and fit = 2) and fit = 3)`, `fit = 1 and fit = 2 and fit = 3`},
		{`last_activity older than 1 WEEK`, `last_activity older than 1 weeks`},
		{`last_activity = 2026-02-28`, `last_activity = 2026-02-28`},
		{`tier = "say \"hi\" \\ bye"`, `tier = "say \"hi\" \\ bye"`},
		{`fit = -0`, `fit = 0`},
		{`fit = 007.50`, `fit = 7.5`},
		{`tags is not empty`, `tags is not empty`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := Parse(tt.in, schema)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			again, err := Parse(r.String(), schema)
			if err != nil {
				t.Fatalf("canonical form does not parse: %v", err)
			}
			if again.String() != tt.want {
				t.Fatalf("reparsed = %q", again.String())
			}
		})
	}
}

func TestParseRefusesWithColumnAndExpectation(t *testing.T) {
	tests := []struct{ name, rule, detail string }{
		{"unknown field suggests the nearest", `tierr = "Gold"`, `column 1: unknown field "tierr"; did you mean "tier"?`},
		{"unknown field later in the rule", `tier = "Gold" and engagment < 3`, `column 19: unknown field "engagment"; did you mean "engagement"?`},
		{"unknown field lists the fields", `colour = "red"`, `column 1: unknown field "colour"; the fields are engagement, fit, last_activity, motion, region, tags, tier`},
		{"number expected", `fit < "high"`, `column 7: expected a number after <, found "high"`},
		{"number field compared with a word", `engagement < thirty`, `column 14: expected a number after <, found "thirty"`},
		{"text field cannot be ordered", `tier < "Gold"`, `column 6: tier is text and cannot be used with <; use =, !=, in, not in, contains or is empty`},
		{"list needs contains", `tags = "x"`, `column 6: tags is a list of text and cannot be used with =; use contains, in, not in or is empty`},
		{"number field cannot contain", `fit contains 3`, `column 5: fit is a number and cannot be used with contains; use =, !=, <, <=, >, >=, in, not in or is empty`},
		{"time needs a date", `last_activity < 30`, `column 17: expected a date such as 2026-01-31 after <, found "30"`},
		{"bad date", `last_activity < 2026-02-30`, `column 17: "2026-02-30" is not a date; write dates as YYYY-MM-DD, e.g. 2026-01-31`},
		{"older than needs a unit", `last_activity older than 60`, `column 28: expected days, weeks or hours after older than 60, found the end of the rule`},
		{"months are not a unit", `last_activity older than 2 months`, `column 28: expected days, weeks or hours after older than 2, found "months"`},
		{"older than needs than", `last_activity older 60 days`, `column 21: expected than after older, found "60"`},
		{"older than on a number", `fit older than 3 days`, `column 5: fit is a number and cannot be used with older than; use =, !=, <, <=, >, >=, in, not in or is empty`},
		{"duration too long", `last_activity older than 99999 weeks`, `column 26: 99999 weeks is too long; the limit is 36500 days`},
		{"missing operator", `tier "Gold"`, `column 6: expected an operator after tier (=, !=, in, not in, contains or is empty), found "Gold"`},
		{"missing value", `tier =`, `column 7: expected text in quotes after =, found the end of the rule`},
		{"dangling and", `tier = Gold and`, `column 16: expected a field name, found the end of the rule; the fields are engagement, fit, last_activity, motion, region, tags, tier`},
		{"unquoted text with spaces", `region = North America`, `column 16: expected and, or or the end of the rule, found "America" (put text with spaces in quotes, e.g. "North America")`},
		{"unclosed parenthesis", `(tier = Gold or fit > 3`, `column 24: expected ) to close the ( at column 1, found the end of the rule`},
		{"stray closing parenthesis", `tier = Gold)`, `column 12: this ) has no matching (`},
		{"unterminated text", `tier = "Gold`, `column 8: this text has no closing "`},
		{"unexpected character", `tier = Gold & fit > 3`, `column 13: unexpected character '&'`},
		{"in needs a list", `tier in "Gold"`, `column 9: expected ( after in to start a list such as ("a", "b"), found "Gold"`},
		{"list separator", `tier in ("a" "b")`, `column 14: expected , or ) in the list after in, found "b"`},
		{"is needs empty", `tier is "x"`, `column 9: expected empty after is, found "x"`},
		{"keyword is not a field", `and = 3`, `column 1: expected a field name, found "and"; the fields are engagement, fit, last_activity, motion, region, tags, tier`},
		{"column counts characters not bytes", `tier = "Zürich" and fitt > 1`, `column 21: unknown field "fitt"; did you mean "fit"?`},
		{"empty rule", "  \t", `the rule is empty; write a condition such as tier = "Gold"`},
		{"too long", strings.Repeat("fit > 1 or ", 200) + "fit > 1", `the rule is 2207 characters long; the limit is 2000`},
		{"too deep", strings.Repeat("(", 40) + "fit > 1" + strings.Repeat(")", 40), `column 33: the rule nests more than 32 levels deep`},
		{"number too large", "fit > " + strings.Repeat("9", 400), `column 7: this number is too large`},
		{"invalid utf-8", "tier = \xff", `column 8: the rule is not valid UTF-8 text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.rule, schema)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.rule, r)
			}
			var e *tandem.Error
			if !errors.As(err, &e) || e.Kind != tandem.KindInvalid {
				t.Fatalf("error %v is not KindInvalid", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Path != "rule" {
				t.Fatalf("fields = %+v, want one at path rule", e.Fields)
			}
			if e.Fields[0].Detail != tt.detail {
				t.Fatalf("detail\n got %s\nwant %s", e.Fields[0].Detail, tt.detail)
			}
		})
	}
}

func TestFieldsListsEachFieldOnce(t *testing.T) {
	r := MustParse(`Fit > 1 and (tier = a or fit < 9) and not TAGS contains x`, schema)
	if got := fmt.Sprint(r.Fields()); got != "[fit tags tier]" {
		t.Fatalf("Fields() = %s", got)
	}
}

func TestDormantBuiltin(t *testing.T) {
	r := MustParse(DormantRule, schema)
	d, err := Dormant(schema, "last_activity", 60)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != d.String() {
		t.Fatalf("%q != %q", r, d)
	}
	tests := []struct {
		name string
		rec  Map
		want bool
	}{
		{"active yesterday", Map{"last_activity": daysAgo(1)}, false},
		{"exactly 60 days is not yet dormant", Map{"last_activity": daysAgo(60)}, false},
		{"61 days is dormant", Map{"last_activity": daysAgo(61)}, true},
		{"never active is not counted", Map{}, false},
		{"zero time counts as missing", Map{"last_activity": time.Time{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Match(tt.rec, now); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := Dormant(schema, "fit", 60); tandem.KindOf(err) != tandem.KindInvalid {
		t.Fatalf("dormant on a number field: %v", err)
	}
}

func TestTopPercent(t *testing.T) {
	pop := func(fits ...any) []Record {
		var out []Record
		for i, f := range fits {
			m := Map{"id": fmt.Sprintf("p%02d", i)}
			if f != nil {
				m["fit"] = f
			}
			out = append(out, m)
		}
		return out
	}
	tests := []struct {
		name string
		recs []Record
		pct  float64
		want string
	}{
		{"top 20% of ten is two", pop(10, 90, 20, 80, 30, 70, 40, 60, 50, 0), 20, "[p01 p03]"},
		{"ties at the cutoff are all kept", pop(10, 90, 80, 80, 80, 1, 2, 3, 4, 5), 20, "[p01 p02 p03 p04]"},
		{"rounds up to keep at least one", pop(5, 9, 7), 10, "[p01]"},
		{"records without a value take no part", pop(nil, nil, 3, 4), 50, "[p03]"},
		{"all of them", pop(1, 2), 100, "[p01 p00]"},
		{"empty population", pop(), 20, "[]"},
		{"float rounding does not add one", pop(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
			21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50), 14,
			"[p49 p48 p47 p46 p45 p44 p43]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := TopPercent(tt.recs, "fit", tt.pct)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ids); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, pct := range []float64{0, -5, 100.5} {
		if _, err := TopPercent(pop(1), "fit", pct); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("pct %v: %v", pct, err)
		}
	}
}
