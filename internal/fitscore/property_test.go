package fitscore

import (
	"math/rand/v2"
	"testing"
)

var pool = []string{"Finance", "Health", "Retail", "EMEA", "APAC", "Salesforce", "HubSpot", "training", "implementation", "Gaming"}

func pick(r *rand.Rand) []string {
	var out []string
	for _, s := range pool {
		if r.IntN(3) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func maybeInt(r *rand.Rand, hi int) *int {
	if r.IntN(4) == 0 {
		return nil
	}
	return ptr(r.IntN(hi))
}

// randomConfig returns a valid config with a random subset of criteria.
func randomConfig(r *rand.Rand) Config {
	cfg := Config{Missing: MissingExclude}
	if r.IntN(2) == 0 {
		cfg.Missing = MissingZero
	}
	targets := func() []string {
		t := pick(r)
		if len(t) == 0 {
			t = []string{pool[r.IntN(len(pool))]}
		}
		return t
	}
	scale := func() Scale { return []Scale{"", ScaleLinear, ScaleLog}[r.IntN(3)] }
	for _, k := range Kinds {
		if r.IntN(4) == 0 {
			continue
		}
		c := Criterion{Kind: k, Weight: r.IntN(MaxWeight + 1), Disabled: r.IntN(6) == 0}
		switch k {
		case Industries, Geography, TechStack, Complementarity:
			c.Targets = targets()
			c.Full = r.IntN(len(c.Targets) + 1)
		case DealSize:
			c.MinDeal = int64(r.IntN(50_000))
			if r.IntN(2) == 0 {
				c.MaxDeal = c.MinDeal + int64(r.IntN(200_000))
			}
			if c.MinDeal == 0 && c.MaxDeal == 0 {
				c.MinDeal = 1
			}
		case Reach:
			c.Basis = []Basis{"", BasisCustomers, BasisSellers}[r.IntN(3)]
			c.Full, c.Scale = 1+r.IntN(2000), scale()
		case CustomerOverlap:
			if r.IntN(2) == 0 {
				c.Basis, c.Full, c.Scale = BasisAccounts, 1+r.IntN(300), scale()
			}
		}
		cfg.Criteria = append(cfg.Criteria, c)
	}
	r.Shuffle(len(cfg.Criteria), func(i, j int) { cfg.Criteria[i], cfg.Criteria[j] = cfg.Criteria[j], cfg.Criteria[i] })
	return cfg
}

func randomInputs(r *rand.Rand) Inputs {
	in := Inputs{
		Industries: pick(r), Regions: pick(r), Technologies: pick(r), Services: pick(r),
		Customers: maybeInt(r, 3000), CustomersInICP: maybeInt(r, 3000),
		SharedAccounts: maybeInt(r, 500), Sellers: maybeInt(r, 300),
	}
	if r.IntN(4) != 0 {
		in.DealSize = ptr(int64(r.IntN(400_000)))
	}
	return in
}

// improvements each return inputs that are at least as good for every criterion, or
// ok=false when there is nothing to improve.
var improvements = map[string]func(cfg Config, in Inputs, r *rand.Rand) (Inputs, bool){
	"another matching name": func(cfg Config, in Inputs, r *rand.Rand) (Inputs, bool) {
		s := pool[r.IntN(len(pool))]
		switch r.IntN(4) {
		case 0:
			in.Industries = append(append([]string{}, in.Industries...), s)
		case 1:
			in.Regions = append(append([]string{}, in.Regions...), s)
		case 2:
			in.Technologies = append(append([]string{}, in.Technologies...), s)
		default:
			in.Services = append(append([]string{}, in.Services...), s)
		}
		// Adding a name to an empty list turns "no data" into data, which may lower
		// the score under MissingExclude; only compare lists that already had data.
		return in, len(in.Industries) > 1 && len(in.Regions) > 1 && len(in.Technologies) > 1 && len(in.Services) > 1 || cfg.Missing == MissingZero
	},
	"more of a count": func(cfg Config, in Inputs, r *rand.Rand) (Inputs, bool) {
		bump := func(p *int) *int {
			if p == nil {
				return nil
			}
			return ptr(*p + 1 + r.IntN(100))
		}
		switch r.IntN(3) {
		case 0:
			in.SharedAccounts = bump(in.SharedAccounts)
		case 1:
			in.Sellers = bump(in.Sellers)
		default:
			// More customers in the ICP, the total unchanged (a larger total with the
			// same ICP count is a smaller share, but more reach).
			in.CustomersInICP = bump(in.CustomersInICP)
		}
		return in, true
	},
	"deal size closer to every band": func(cfg Config, in Inputs, r *rand.Rand) (Inputs, bool) {
		for _, c := range cfg.Criteria {
			if c.Kind == DealSize && in.DealSize != nil {
				lo, hi, s := c.MinDeal, c.MaxDeal, *in.DealSize
				switch {
				case s < lo:
					s += 1 + int64(r.IntN(int(lo-s)))
				case hi > 0 && s > hi:
					s -= 1 + int64(r.IntN(int(s-hi)))
				}
				in.DealSize = &s
			}
		}
		return in, true
	},
	"a missing input filled in under MissingZero": func(cfg Config, in Inputs, r *rand.Rand) (Inputs, bool) {
		if in.Sellers == nil {
			in.Sellers = ptr(r.IntN(50))
		}
		if in.DealSize == nil {
			in.DealSize = ptr(int64(r.IntN(100_000)))
		}
		return in, cfg.Missing == MissingZero
	},
}

func TestScoreProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2026))
	for range 3000 {
		cfg := randomConfig(r)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("generated an invalid config: %v", err)
		}
		in := randomInputs(r)
		base := Score(cfg, in)
		checkInvariants(t, base)
		if again := Score(cfg, in); again.Score != base.Score || again.Summary != base.Summary {
			t.Fatal("Score is not deterministic")
		}
		for name, improve := range improvements {
			better, ok := improve(cfg, in, r)
			if !ok {
				continue
			}
			after := Score(cfg, better)
			checkInvariants(t, after)
			if after.Score < base.Score {
				t.Fatalf("%s lowered the score from %d to %d\nconfig %+v\nbefore %+v\nafter  %+v", name, base.Score, after.Score, cfg, in, better)
			}
		}
	}
}
