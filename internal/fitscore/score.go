package fitscore

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Inputs are what is known about one partner. A nil or empty list and a nil count mean
// "no data", which Config.Missing decides how to treat; a count of 0 is data.
// Negative counts and amounts are read as 0.
type Inputs struct {
	Industries   []string // the partner's verticals
	Regions      []string // regions the partner covers
	Technologies []string // technologies the partner works with
	Services     []string // services the partner offers

	// DealSize is the partner's typical deal size in whole units of the workspace
	// currency.
	DealSize *int64

	Customers      *int // customers the partner has
	CustomersInICP *int // of those, how many fit the vendor's ICP
	SharedAccounts *int // accounts the vendor and partner share (account mapping)
	Sellers        *int // sellers on the partner's team
}

// Contribution is what one enabled criterion adds to the score.
type Contribution struct {
	Criterion Kind `json:"criterion"`
	// Weight is the weight as configured; Share is its part of the score after
	// normalisation (0 when the criterion was left out for missing data).
	Weight int     `json:"weight"`
	Share  float64 `json:"share"`
	// Value is how well the partner meets the criterion, from 0 to 1.
	Value float64 `json:"value"`
	// Points is the criterion's whole-number part of the score; the points of all
	// contributions add up to Result.Score exactly.
	Points int `json:"points"`
	// NoData is true when the inputs lacked what the criterion needs. Value is then 0,
	// and the criterion was left out or counted as 0 according to Result.Missing.
	NoData bool `json:"no_data"`
	// Explanation is one sentence for a partner manager, such as "Works in 3 of 4
	// target industries (Finance, Health, Retail)."
	Explanation string `json:"explanation"`
}

// Result is a partner's fit score and how it was reached.
type Result struct {
	// Score is from 0 to 100: the weighted mean of the values, times 100, rounded half
	// up to a whole number.
	Score int `json:"score"`
	// Contributions has one entry per enabled criterion, in the order of the Config.
	Contributions []Contribution `json:"contributions"`
	// Missing is how criteria without data were treated.
	Missing Missing `json:"missing"`
	// Coverage is the part of the enabled weight that had data, from 0 to 1 (1 when
	// no enabled criterion has weight).
	Coverage float64 `json:"coverage"`
	// Summary is one sentence on what the score rests on.
	Summary string `json:"summary"`
}

// Score computes a partner's fit. It is a pure function of its arguments. cfg should
// have passed Validate; if not, unknown criteria are skipped and negative weights count
// as 0, so the score still stays between 0 and 100.
func Score(cfg Config, in Inputs) Result {
	missing := cfg.Missing
	if missing != MissingZero {
		missing = MissingExclude
	}
	res := Result{Missing: missing, Contributions: []Contribution{}}

	var enabledWeight, knownWeight, countedWeight float64
	var noData []string
	for _, cr := range cfg.Criteria {
		if cr.Disabled || !cr.Kind.known() {
			continue
		}
		w := max(cr.Weight, 0)
		v, ok, why := evaluate(cr, in)
		c := Contribution{Criterion: cr.Kind, Weight: w, Value: v, NoData: !ok, Explanation: why}
		enabledWeight += float64(w)
		if ok {
			knownWeight += float64(w)
		} else {
			noData = append(noData, string(cr.Kind))
			if missing == MissingZero {
				c.Explanation += " Counted as 0."
			} else {
				c.Explanation += " Left out of the score."
			}
		}
		if ok || missing == MissingZero {
			countedWeight += float64(w)
		}
		res.Contributions = append(res.Contributions, c)
	}

	res.Coverage = 1
	if enabledWeight > 0 {
		res.Coverage = knownWeight / enabledWeight
	}

	exact := make([]float64, len(res.Contributions))
	if countedWeight > 0 {
		for i := range res.Contributions {
			c := &res.Contributions[i]
			if c.NoData && missing == MissingExclude {
				continue
			}
			c.Share = float64(c.Weight) / countedWeight
			// Round away float noise so that, e.g., 3 × 100/6 is exactly 50.
			exact[i] = math.Round(100*c.Share*c.Value*1e9) / 1e9
		}
	}
	res.Score = apportion(exact, res.Contributions)
	res.Summary = summary(len(res.Contributions), enabledWeight, countedWeight, noData, missing)
	return res
}

// apportion rounds the sum of exact half up to the score and hands out whole points by
// largest remainder, ties to the earlier criterion, so the points add up to the score.
func apportion(exact []float64, cs []Contribution) int {
	var sum float64
	floors := 0
	for i, e := range exact {
		f := math.Floor(e)
		cs[i].Points = int(f)
		floors += int(f)
		sum += e
	}
	score := int(math.Floor(sum + 0.5))
	score = min(max(score, 0), 100)
	order := make([]int, len(exact))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		fa := exact[order[a]] - math.Floor(exact[order[a]])
		fb := exact[order[b]] - math.Floor(exact[order[b]])
		return fa > fb
	})
	for k := 0; k < score-floors && k < len(order); k++ {
		cs[order[k]].Points++
	}
	return score
}

func summary(enabled int, enabledWeight, countedWeight float64, noData []string, missing Missing) string {
	switch {
	case enabled == 0:
		return "No criteria are switched on, so every partner scores 0."
	case enabledWeight == 0:
		return "Every criterion switched on has weight 0, so every partner scores 0."
	case countedWeight == 0:
		return "None of the weighted criteria have data for this partner, so the score is 0."
	case len(noData) == 0 && enabled == 1:
		return "Based on the one criterion switched on."
	case len(noData) == 0:
		return fmt.Sprintf("Based on all %s switched on.", plural(enabled, "criterion", "criteria"))
	case missing == MissingZero:
		return fmt.Sprintf("Based on %d of %s; %s had no data and counted as 0.", enabled-len(noData), plural(enabled, "criterion", "criteria"), listNames(noData, len(noData)))
	default:
		return fmt.Sprintf("Based on %d of %s; %s had no data and %s left out.", enabled-len(noData), plural(enabled, "criterion", "criteria"), listNames(noData, len(noData)), wasWere(len(noData)))
	}
}

// evaluate returns the criterion's value, whether the inputs had data for it, and a
// sentence explaining the value.
func evaluate(cr Criterion, in Inputs) (float64, bool, string) {
	switch cr.Kind {
	case Industries:
		return overlap(cr, in.Industries, "industries", "Works in %s of %s target %s.", "industry", "industries")
	case Geography:
		return overlap(cr, in.Regions, "regions", "Covers %s of %s target %s.", "region", "regions")
	case TechStack:
		return overlap(cr, in.Technologies, "technologies", "Works with %s of our %s %s.", "integration", "integrations")
	case Complementarity:
		return overlap(cr, in.Services, "services", "Offers %s of %s %s we lack.", "service", "services")
	case DealSize:
		return dealSize(cr, in.DealSize)
	case CustomerOverlap:
		if cr.basis() == BasisAccounts {
			return count(cr, in.SharedAccounts, "shared account", "shared accounts", "No account mapping on record.")
		}
		return icpShare(in.Customers, in.CustomersInICP)
	case Reach:
		if cr.basis() == BasisSellers {
			return count(cr, in.Sellers, "seller", "sellers", "No seller count on record.")
		}
		return count(cr, in.Customers, "customer", "customers", "No customer count on record.")
	}
	return 0, false, "Unknown criterion."
}

// overlap scores how many of the criterion's targets the partner's list matches.
func overlap(cr Criterion, have []string, noun, format, one, many string) (float64, bool, string) {
	partner := map[string]bool{}
	for _, h := range have {
		if k := fold(h); k != "" {
			partner[k] = true
		}
	}
	if len(partner) == 0 {
		return 0, false, fmt.Sprintf("No %s on record.", noun)
	}
	targets := 0
	var matched []string
	seen := map[string]bool{}
	for _, t := range cr.Targets {
		k := fold(t)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		targets++
		if partner[k] {
			matched = append(matched, strings.Join(strings.Fields(t), " "))
		}
	}
	if targets == 0 {
		return 0, false, fmt.Sprintf("No targets are set for %s.", cr.Kind)
	}
	full := cr.Full
	if full <= 0 || full > targets {
		full = targets
	}
	n := len(matched)
	value := math.Min(float64(n)/float64(full), 1)
	noun = many
	if targets == 1 {
		noun = one
	}
	nWord := strconv.Itoa(n)
	if n == 0 {
		nWord = "none"
	}
	why := fmt.Sprintf(format, nWord, strconv.Itoa(targets), noun)
	if n > 0 {
		why = strings.TrimSuffix(why, ".") + " (" + listNames(matched, 3) + ")."
	}
	if full < targets {
		why += fmt.Sprintf(" %d earn full marks.", full)
	}
	return value, true, why
}

func dealSize(cr Criterion, size *int64) (float64, bool, string) {
	if size == nil {
		return 0, false, "No typical deal size on record."
	}
	s := max(*size, 0)
	lo, hi := max(cr.MinDeal, 0), max(cr.MaxDeal, 0)
	band := "band of " + amount(lo) + " or more"
	if hi > 0 {
		band = "band of " + amount(lo) + " to " + amount(hi)
	}
	switch {
	case s < lo:
		v := float64(s) / float64(lo)
		return v, true, fmt.Sprintf("Typical deal of %s is below the %s (%s of the minimum).", amount(s), band, percent(v))
	case hi > 0 && s > hi:
		v := float64(hi) / float64(s)
		return v, true, fmt.Sprintf("Typical deal of %s is above the %s (the maximum is %s of it).", amount(s), band, percent(v))
	}
	return 1, true, fmt.Sprintf("Typical deal of %s is within the %s.", amount(s), band)
}

func icpShare(customers, inICP *int) (float64, bool, string) {
	if customers == nil || inICP == nil {
		return 0, false, "No count of customers fitting our ICP on record."
	}
	total, fit := max(*customers, 0), max(*inICP, 0)
	if total == 0 {
		return 0, false, "No customers on record to compare with our ICP."
	}
	fit = min(fit, total)
	v := float64(fit) / float64(total)
	return v, true, fmt.Sprintf("%s of %s %s (%s) fit our ICP.", amount(int64(fit)), amount(int64(total)), plural1(total, "customer", "customers"), percent(v))
}

func count(cr Criterion, n *int, one, many, none string) (float64, bool, string) {
	if n == nil {
		return 0, false, none
	}
	c := max(*n, 0)
	full := max(cr.Full, 1)
	var v float64
	if cr.Scale == ScaleLog {
		v = math.Log1p(float64(c)) / math.Log1p(float64(full))
	} else {
		v = float64(c) / float64(full)
	}
	v = math.Min(v, 1)
	scale := ""
	if cr.Scale == ScaleLog {
		scale = ", on a log scale"
	}
	return v, true, fmt.Sprintf("%s %s; %s earn full marks%s.", amount(int64(c)), plural1(c, one, many), amount(int64(full)), scale)
}

// listNames joins up to limit names as "A, B and C" or "A, B, C and 2 more".
func listNames(names []string, limit int) string {
	if len(names) > limit {
		return strings.Join(names[:limit], ", ") + fmt.Sprintf(" and %d more", len(names)-limit)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// amount writes n with thousands separators: 1234567 → "1,234,567".
func amount(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// percent writes a value from 0 to 1 as a whole percentage, never rounding a value
// short of 1 up to "100%" or a value above 0 down to "0%".
func percent(v float64) string {
	p := math.Round(v * 100)
	if p >= 100 && v < 1 {
		p = 99
	}
	if p <= 0 && v > 0 {
		p = 1
	}
	return strconv.Itoa(int(p)) + "%"
}

func plural(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural1(n, one, many)
}

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
