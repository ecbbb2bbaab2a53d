package pricing

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/tandem"
)

func pct(s string) Percent {
	p, err := attribution.ParsePercent(s)
	if err != nil {
		panic(err)
	}
	return p
}

var now = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)

// sample has a gold/resale ladder, a gold ladder for any motion, a resale ladder for any
// tier and a catch-all ladder.
func sample() Config {
	c := DefaultConfig()
	c.Ceiling = pct("50")
	c.Bands = []Band{
		{Tier: "gold", Motion: tandem.MotionResale, Name: "Gold resale standard", Min: 0, Max: pct("20")},
		{Tier: "gold", Motion: tandem.MotionResale, Name: "Gold resale extended", Min: pct("20"), Max: pct("30"), Approver: "partner_manager"},
		{Tier: "gold", Motion: tandem.MotionResale, Name: "Gold resale strategic", Min: pct("30"), Max: pct("40"), Approver: "vp_sales", Certification: "resale_pro"},
		{Tier: "gold", Name: "Gold any motion", Min: 0, Max: pct("15")},
		{Motion: tandem.MotionResale, Name: "Resale any tier", Min: 0, Max: pct("10")},
		{Name: "Everyone", Min: 0, Max: pct("5")},
		{Motion: tandem.MotionMarketplace, Name: "Marketplace certified", Min: 0, Max: pct("12"), Certification: "cloud"},
	}
	return c
}

func TestSampleAndDefaultAreValid(t *testing.T) {
	for _, c := range []Config{DefaultConfig(), sample()} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLadderPicksTheMostSpecific(t *testing.T) {
	c := sample()
	tests := []struct {
		tier   string
		motion tandem.Motion
		first  string
		n      int
	}{
		{"gold", tandem.MotionResale, "Gold resale standard", 3},
		{"gold", tandem.MotionReferral, "Gold any motion", 1},
		{"silver", tandem.MotionResale, "Resale any tier", 1},
		{"silver", tandem.MotionTech, "Everyone", 1},
		{"", "", "Everyone", 1},
	}
	for _, tt := range tests {
		l := c.Ladder(tt.tier, tt.motion)
		if len(l) != tt.n || l[0].Name != tt.first {
			t.Errorf("Ladder(%q, %q) = %v", tt.tier, tt.motion, l)
		}
	}
	if DefaultConfig().Ladder("gold", tandem.MotionResale) != nil {
		t.Error("no bands should give no ladder")
	}
}

func TestCheckDiscount(t *testing.T) {
	c := sample()
	gold := func(d string) Request { return Request{Tier: "gold", Motion: tandem.MotionResale, Discount: pct(d)} }
	withCert := func(r Request, certs ...string) Request { r.Certifications = certs; return r }
	protected := func(r Request, locked string, from, until time.Time) Request {
		r.Protection = Protection{Enabled: true, From: from, Until: until, Discount: pct(locked)}
		return r
	}
	tests := []struct {
		name     string
		cfg      Config
		r        Request
		verdict  Verdict
		band     string
		approver string
		reason   string
	}{
		{"no discount", c, gold("0"), Within, "", "", "No discount"},
		{"inside the first band", c, gold("12.5"), Within, "Gold resale standard", "", "within Gold resale standard (0–20%)"},
		{"top edge of the first band", c, gold("20"), Within, "Gold resale standard", "", ""},
		{"just above the first band", c, gold("20.01"), NeedsApproval, "Gold resale extended", "partner_manager", "needs approval"},
		{"top edge of the second band", c, gold("30"), NeedsApproval, "Gold resale extended", "partner_manager", ""},
		{"certified partner in the strategic band", c, withCert(gold("35"), "resale_pro"), NeedsApproval, "Gold resale strategic", "vp_sales", "needs approval"},
		{"uncertified partner in the strategic band", c, gold("35"), NeedsApproval, "Gold resale strategic", "vp_sales", "requires the resale_pro certification"},
		{"uncertified, band without approver", c, Request{Motion: tandem.MotionMarketplace, Discount: pct("10")}, NeedsApproval, "Marketplace certified", "sales_leadership", "requires the cloud certification"},
		{"certified, band without approver", c, withCert(Request{Motion: tandem.MotionMarketplace, Discount: pct("10")}, "cloud"), Within, "Marketplace certified", "", ""},
		{"above the ladder", c, gold("40.01"), NeedsApproval, "", "sales_leadership", "above the highest band for gold / resale (Gold resale strategic, up to 40%)"},
		{"at the ceiling", c, gold("50"), NeedsApproval, "", "sales_leadership", ""},
		{"above the ceiling", c, gold("50.01"), Invalid, "", "", "no approval can exceed"},
		{"negative", c, gold("-1"), Invalid, "", "", "between 0 and 100"},
		{"over 100", c, gold("100.01"), Invalid, "", "", "between 0 and 100"},
		{"no ladder at all", DefaultConfig(), gold("1"), NeedsApproval, "", "sales_leadership", "No discount band is set for gold / resale"},
		{"fallback ladder", c, Request{Tier: "silver", Motion: tandem.MotionTech, Discount: pct("5")}, Within, "Everyone", "", ""},
		{"price protection covers it", c, protected(gold("45"), "45", now.Add(-time.Hour), now.Add(time.Hour)), Within, "", "", "Price protection until 2026-04-01 covers discounts up to 45%"},
		{"price protection from exactly now", c, protected(gold("45"), "45", now, now.Add(time.Hour)), Within, "", "", "Price protection"},
		{"price protection ends exactly now", c, protected(gold("45"), "45", now.Add(-time.Hour), now), NeedsApproval, "", "sales_leadership", "Price protection ended on 2026-04-01"},
		{"price protection not started", c, protected(gold("45"), "45", now.Add(time.Hour), now.Add(2*time.Hour)), NeedsApproval, "", "sales_leadership", ""},
		{"above the protected discount", c, protected(gold("25"), "22", now.Add(-time.Hour), now.Add(time.Hour)), NeedsApproval, "Gold resale extended", "partner_manager", "covers only up to 22%"},
		{"protection never beats the ceiling", c, protected(gold("60"), "60", now.Add(-time.Hour), now.Add(time.Hour)), Invalid, "", "", ""},
		{"disabled protection is ignored", c, func() Request {
			r := protected(gold("45"), "45", now.Add(-time.Hour), now.Add(time.Hour))
			r.Protection.Enabled = false
			return r
		}(), NeedsApproval, "", "sales_leadership", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckDiscount(tt.cfg, tt.r, now)
			band := ""
			if got.Band != nil {
				band = got.Band.Name
			}
			if got.Verdict != tt.verdict || band != tt.band || got.Approver != tt.approver {
				t.Errorf("got %q band %q approver %q (%s)", got.Verdict, band, got.Approver, got.Reason)
			}
			if !strings.Contains(got.Reason, tt.reason) || got.Reason == "" {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestCheckDiscountDoesNotLeakTheConfig(t *testing.T) {
	c := sample()
	res := CheckDiscount(c, Request{Tier: "gold", Motion: tandem.MotionResale, Discount: pct("10")}, now)
	res.Band.Name = "changed"
	if c.Bands[0].Name != "Gold resale standard" {
		t.Error("the result's band aliases the configuration")
	}
}

func TestConfigValidate(t *testing.T) {
	b := func(tier string, m tandem.Motion, min, max string) Band {
		return Band{Tier: tier, Motion: m, Name: "band " + min, Min: pct(min), Max: pct(max)}
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		paths []string
		want  string
	}{
		{"two ladders sharing numbers", func(c *Config) {
			c.Bands = []Band{b("gold", "", "0", "10"), b("silver", "", "0", "10"), b("gold", "", "10", "20")}
		}, nil, ""},
		{"min above max", func(c *Config) { c.Bands = []Band{b("", "", "10", "5")} }, []string{"bands[0].max"}, "must be above min (10%)"},
		{"empty band", func(c *Config) { c.Bands = []Band{b("", "", "0", "0")} }, []string{"bands[0].max"}, "must be above min"},
		{"ladder not starting at 0", func(c *Config) { c.Bands = []Band{b("gold", "resale", "5", "10")} }, []string{"bands[0].min"}, "the lowest band for gold / resale must start at 0"},
		{"overlap, listed out of order", func(c *Config) {
			c.Bands = []Band{b("", "", "15", "30"), b("", "", "0", "20")}
		}, []string{"bands[0].min"}, "overlaps bands[1] (band 0, 0–20%)"},
		{"gap", func(c *Config) { c.Bands = []Band{b("", "", "0", "10"), b("", "", "12", "20")} }, []string{"bands[1].min"}, "leaves a gap after bands[0] (band 0, up to 10%)"},
		{"percent out of range", func(c *Config) { c.Bands = []Band{b("", "", "-1", "101")} }, []string{"bands[0].min", "bands[0].max"}, ""},
		{"above the ceiling", func(c *Config) { c.Ceiling = pct("30"); c.Bands = []Band{b("", "", "0", "40")} }, []string{"bands[0].max"}, "is above the ceiling (30%)"},
		{"bad ceiling", func(c *Config) { c.Ceiling = pct("101") }, []string{"ceiling"}, ""},
		{"exception approver missing", func(c *Config) { c.ExceptionApprover = "" }, []string{"exception_approver"}, ""},
		{"bad keys", func(c *Config) {
			x := b("Gold Tier", "barter", "0", "5")
			x.Approver, x.Certification, x.Name = "VP Sales", " cert", ""
			c.Bands = []Band{x}
		}, []string{"bands[0].tier", "bands[0].motion", "bands[0].name", "bands[0].approver", "bands[0].certification"}, ""},
		{"long name", func(c *Config) { x := b("", "", "0", "5"); x.Name = strings.Repeat("n", 81); c.Bands = []Band{x} }, []string{"bands[0].name"}, ""},
		{"too many bands", func(c *Config) { c.Bands = make([]Band, MaxBands+1) }, []string{"bands"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			var got []string
			for _, f := range tandem.FieldsOf(err) {
				got = append(got, f.Path)
				if tt.want != "" && !strings.Contains(f.Detail, tt.want) {
					t.Errorf("%s: %q does not say %q", f.Path, f.Detail, tt.want)
				}
			}
			if !slices.Equal(got, tt.paths) {
				t.Errorf("paths %v, want %v (%v)", got, tt.paths, err)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`{"bands":[{"tier":"gold","motion":"resale","name":"Std","min":0,"max":20},{"tier":"gold","motion":"resale","name":"Ext","min":20,"max":32.5,"approver":"partner_manager"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Ceiling != Hundred || len(c.Bands) != 2 || c.Bands[1].Max != pct("32.5") {
		t.Errorf("got %+v", c)
	}
	for _, bad := range []string{``, `{"bands":[{"name":"x","min":5,"max":1}]}`, `{"band":[]}`, `{"ceiling":"50"}`, `{} []`,
		`{"bands":[{"name":"x","min":0,"max":10.001}]}`} {
		if _, err := ParseConfig([]byte(bad)); tandem.KindOf(err) != tandem.KindInvalid {
			t.Errorf("ParseConfig(%s) = %v", bad, err)
		}
	}
}

func TestProtection(t *testing.T) {
	from, until := now, now.Add(30*24*time.Hour)
	p := Protection{Enabled: true, From: from, Until: until, Discount: pct("20")}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Protection{}).Validate(); err != nil {
		t.Errorf("disabled protection: %v", err)
	}
	bad := Protection{Enabled: true, From: until, Until: from, Discount: pct("101")}
	var paths []string
	for _, f := range tandem.FieldsOf(bad.Validate()) {
		paths = append(paths, f.Path)
	}
	if !slices.Equal(paths, []string{"price_protection.until", "price_protection.discount"}) {
		t.Errorf("paths %v", paths)
	}
	missing := Protection{Enabled: true}
	if n := len(tandem.FieldsOf(missing.Validate())); n != 2 {
		t.Errorf("missing dates: %d problems", n)
	}
	actives := []struct {
		at   time.Time
		want bool
	}{{from.Add(-1), false}, {from, true}, {until.Add(-1), true}, {until, false}}
	for _, a := range actives {
		if p.Active(a.at) != a.want {
			t.Errorf("Active(%v) = %v", a.at, !a.want)
		}
	}
	overlaps := []struct {
		name string
		b    Protection
		want bool
	}{
		{"same period", p, true},
		{"touching at the end", Protection{Enabled: true, From: until, Until: until.Add(time.Hour)}, false},
		{"one instant of overlap", Protection{Enabled: true, From: until.Add(-1), Until: until.Add(time.Hour)}, true},
		{"inside", Protection{Enabled: true, From: from.Add(time.Hour), Until: from.Add(2 * time.Hour)}, true},
		{"disabled", Protection{From: from, Until: until}, false},
	}
	for _, o := range overlaps {
		if Overlaps(p, o.b) != o.want || Overlaps(o.b, p) != o.want {
			t.Errorf("%s: Overlaps = %v", o.name, !o.want)
		}
	}
}
