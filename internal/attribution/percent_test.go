package attribution

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    Percent
		wantErr string
	}{
		{"0", 0, ""},
		{"100", 10000, ""},
		{"33.33", 3333, ""},
		{"33.3", 3330, ""},
		{"0.01", 1, ""},
		{"100.00", 10000, ""},
		{"007", 700, ""},
		{"-5", -500, ""},
		{"-0.5", -50, ""},
		{"150", 15000, ""}, // range is the caller's business
		{"33.333", 0, "at most two decimals"},
		{"", 0, "must be a number"},
		{"-", 0, "must be a number"},
		{".5", 0, "must be a number"},
		{"5.", 0, "must be a number"},
		{"+5", 0, "must be a number"},
		{"5%", 0, "must be a number"},
		{" 5", 0, "must be a number"},
		{"1e2", 0, "must be a number"},
		{"1.2.3", 0, "must be a number"},
		{"--5", 0, "must be a number"},
		{"５", 0, "must be a number"},
		{strings.Repeat("9", 13), 0, "must be a number"},
		{`"5"`, 0, "must be a number"},
	}
	for _, tt := range tests {
		got, err := ParsePercent(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePercent(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
		case err != nil || got != tt.want:
			t.Errorf("ParsePercent(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestPercentString(t *testing.T) {
	tests := []struct {
		p    Percent
		want string
	}{
		{0, "0"}, {10000, "100"}, {3333, "33.33"}, {3330, "33.3"}, {1, "0.01"}, {10, "0.1"},
		{-50, "-0.5"}, {-1, "-0.01"}, {math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", int64(tt.p), got, tt.want)
		}
	}
}

func TestPercentJSON(t *testing.T) {
	var e Entry
	if err := json.Unmarshal([]byte(`{"partner_id":"p","kind":"sourced","percent":33.34}`), &e); err != nil || e.Percent != 3334 {
		t.Fatalf("got %+v, %v", e, err)
	}
	b, err := json.Marshal(e)
	if err != nil || string(b) != `{"partner_id":"p","kind":"sourced","percent":33.34}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	e.Percent = 42
	if err := json.Unmarshal([]byte(`{"percent":null}`), &e); err != nil || e.Percent != 42 {
		t.Errorf("null should leave the value: %v, %v", e.Percent, err)
	}
	for _, bad := range []string{`{"percent":"50"}`, `{"percent":1e2}`, `{"percent":12.345}`, `{"percent":true}`} {
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"0", "33.33", "-1.5", "100", "1e3", "12.345", "", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePercent(s)
		if err != nil {
			return
		}
		// Whatever parses prints back to a form that parses to the same value.
		again, err := ParsePercent(p.String())
		if err != nil || again != p {
			t.Fatalf("%q → %d → %q → %d, %v", s, int64(p), p.String(), int64(again), err)
		}
		b, _ := json.Marshal(p)
		var q Percent
		if err := json.Unmarshal(b, &q); err != nil || q != p {
			t.Fatalf("JSON round trip of %q: %s → %d, %v", s, b, int64(q), err)
		}
	})
}

// FuzzValidateJSON decodes arbitrary attribution bodies as the API would and checks that
// whatever Validate accepts keeps its promises.
func FuzzValidateJSON(f *testing.F) {
	f.Add([]byte(`[{"partner_id":"a","kind":"sourced","percent":60},{"partner_id":"b","kind":"influenced","percent":40}]`), false)
	f.Add([]byte(`[{"partner_id":"a","kind":"sourced","percent":33.333}]`), true)
	f.Add([]byte(`[{"partner_id":"a","kind":"sourced","percent":-1},{"partner_id":"a"}]`), true)
	f.Fuzz(func(t *testing.T, body []byte, split bool) {
		var entries []Entry
		if json.Unmarshal(body, &entries) != nil {
			return
		}
		cfg := DefaultConfig()
		cfg.AllowSplitSourcing = split
		if err := Validate(entries, cfg); err != nil {
			for _, fe := range tandem.FieldsOf(err) {
				if !strings.HasPrefix(fe.Path, Path) || fe.Detail == "" {
					t.Fatalf("bad field error %+v", fe)
				}
			}
			return
		}
		seen := map[string]bool{}
		sourcedCount := 0
		var sum Percent
		for _, e := range entries {
			if seen[e.PartnerID] || e.PartnerID == "" || e.Percent < 0 || e.Percent > Hundred {
				t.Fatalf("accepted a bad entry %+v", e)
			}
			seen[e.PartnerID] = true
			if e.Kind == Sourced {
				sourcedCount++
			}
			sum += e.Percent
		}
		if sum > Hundred || (!split && sourcedCount > 1) {
			t.Fatalf("accepted %v", entries)
		}
	})
}
