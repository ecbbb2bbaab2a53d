// Package conflictcase finds and tracks channel conflicts (SPEC F1–F4): two parties
// working one customer — duplicate accounts, two open opportunities on one account,
// overlapping registrations, direct sales against a partner. A conflict becomes a case
// with a type, a status, the parties and the evidence; the vendor acknowledges it
// within 24 hours, records a resolution plan within 5 business days and rules on it
// with a rationale. Metrics say how often conflicts happen, why, and how fast they
// are settled.
//
// Detect and Measure are pure functions of their inputs; Service gathers the inputs
// from the store, keeps one case per conflict (by Key) and runs the deadlines.
package conflictcase

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Cause is what kind of overlap a case is about.
type Cause string

// The causes Tandem detects.
const (
	DuplicateAccounts          Cause = "duplicate_accounts"           // two accounts are one company
	TwoOpenOpportunities       Cause = "two_open_opportunities"       // one account, two open deals
	OverlappingRegistrations   Cause = "overlapping_registrations"    // two registrations in force claim one customer
	DirectVersusPartner        Cause = "direct_vs_partner"            // direct sales owns a customer a partner works
	OverlappingPriceProtection Cause = "overlapping_price_protection" // two parties hold price protection on one account at once
	RenewalByNonIncumbent      Cause = "renewal_by_non_incumbent"     // someone other than the incumbent partner works a renewal
)

// Causes lists every cause in display order.
var Causes = []Cause{DirectVersusPartner, OverlappingRegistrations, TwoOpenOpportunities, OverlappingPriceProtection,
	RenewalByNonIncumbent, DuplicateAccounts}

// Label is the cause as people read it.
func (c Cause) Label() string {
	switch c {
	case DuplicateAccounts:
		return "Duplicate accounts"
	case TwoOpenOpportunities:
		return "Two open opportunities on one account"
	case OverlappingRegistrations:
		return "Overlapping registrations"
	case DirectVersusPartner:
		return "Direct sales and a partner on one customer"
	case OverlappingPriceProtection:
		return "Overlapping price protection"
	case RenewalByNonIncumbent:
		return "Renewal worked by a non-incumbent"
	}
	return string(c)
}

// Status is where a case stands. Risk: an overlap that may still go away (a
// registration not yet decided, a possible duplicate); active: two parties are
// working the customer now; resolved: ruled on.
type Status string

// The statuses.
const (
	Risk     Status = "risk"
	Active   Status = "active"
	Resolved Status = "resolved"
)

// Ref is one record a case is about.
type Ref struct {
	Kind string `json:"kind"` // account, opportunity, registration
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Finding is a conflict as detection sees it now.
type Finding struct {
	Key        string // identifies the conflict: cause and the records involved
	Cause      Cause
	Type       conflict.Type
	Status     Status // Risk or Active
	Summary    string // one line for lists
	Evidence   string // why Tandem thinks so
	Refs       []Ref
	PartnerIDs []string // partners involved, sorted
	Direct     bool     // direct sales is involved
	Motion     tandem.Motion
	Region     string
}

// Account is what detection knows about an account.
type Account struct {
	ID, Name           string
	OwnerUserID        string // direct-sales owner
	IncumbentPartnerID string
	Region             string
}

// Opportunity is an open opportunity.
type Opportunity struct {
	ID, Name, AccountID string
	PartnerID           string // sourcing partner, if any
	OwnerUserID         string
	Motion              tandem.Motion
	// Renewal is set for an opportunity that renews the account's existing business.
	Renewal bool
	// Protected is the price-protection window [From, Until), when the opportunity has one.
	Protected *Window
}

// Window is a span of time, From included and Until excluded.
type Window struct{ From, Until time.Time }

// overlaps reports whether the two windows share an instant.
func (w Window) overlaps(v Window) bool { return w.From.Before(v.Until) && v.From.Before(w.Until) }

// Registration is a registration still in force (waiting or approved and protected),
// with the records its uniqueness test matched with certainty.
type Registration struct {
	ID, CustomerName, PartnerID string
	Motion                      tandem.Motion
	Approved                    bool
	AccountID                   string   // the account it was converted onto, if any
	MatchedAccounts             []string // accounts the uniqueness test matched with certainty
	MatchedRegistrations        []string // registrations it matched with certainty
}

// DuplicatePair is two accounts the company matcher found to be one company.
type DuplicatePair struct {
	A, B    string
	Score   float64
	Reasons []string
}

// Snapshot is everything Detect looks at.
type Snapshot struct {
	Accounts      map[string]Account
	Opportunities []Opportunity
	Registrations []Registration
	Duplicates    []DuplicatePair
	// PartnerMotions gives each partner's motions, to tell horizontal from
	// multi-channel conflicts.
	PartnerMotions map[string][]tandem.Motion
	// PartnerNames names partners in summaries (internal only).
	PartnerNames map[string]string
}

// Detect returns every conflict in the snapshot, each once, ordered by key. It is a
// pure function.
func Detect(s Snapshot) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		slices.Sort(f.PartnerIDs)
		f.PartnerIDs = slices.Compact(f.PartnerIDs)
		ids := make([]string, len(f.Refs))
		for i, r := range f.Refs {
			ids[i] = r.ID
		}
		slices.Sort(ids)
		f.Key = string(f.Cause) + ":" + strings.Join(ids, ",")
		if !seen[f.Key] {
			seen[f.Key] = true
			out = append(out, f)
		}
	}
	name := func(id string) string {
		if n := s.PartnerNames[id]; n != "" {
			return n
		}
		return id
	}
	accRef := func(id string) Ref { return Ref{Kind: "account", ID: id, Name: s.Accounts[id].Name} }

	// Open opportunities by account: direct versus partner, and two open deals.
	byAccount := map[string][]Opportunity{}
	for _, o := range s.Opportunities {
		byAccount[o.AccountID] = append(byAccount[o.AccountID], o)
	}
	for accID, opps := range byAccount {
		a := s.Accounts[accID]
		for _, o := range opps {
			if o.PartnerID != "" && a.OwnerUserID != "" {
				add(Finding{Cause: DirectVersusPartner, Type: conflict.TypeVertical, Status: Active,
					Summary:  fmt.Sprintf("%s works %s, which direct sales owns", name(o.PartnerID), a.Name),
					Evidence: fmt.Sprintf("The account has a direct-sales owner and the open opportunity %q is sourced by %s.", o.Name, name(o.PartnerID)),
					Refs:     []Ref{accRef(accID), {Kind: "opportunity", ID: o.ID, Name: o.Name}}, PartnerIDs: []string{o.PartnerID}, Direct: true,
					Motion: o.Motion, Region: a.Region})
			}
		}
		for _, o := range opps {
			if o.Renewal && a.IncumbentPartnerID != "" && o.PartnerID != a.IncumbentPartnerID {
				// The incumbent competes in the same motion when it runs that motion.
				var im tandem.Motion
				if slices.Contains(s.PartnerMotions[a.IncumbentPartnerID], o.Motion) {
					im = o.Motion
				}
				t, direct := s.pairType(o.PartnerID, o.Motion, a.IncumbentPartnerID, im)
				add(Finding{Cause: RenewalByNonIncumbent, Type: t, Status: Active,
					Summary: fmt.Sprintf("%s works the renewal of %s, whose incumbent is %s", s.side(o.PartnerID), a.Name, name(a.IncumbentPartnerID)),
					Evidence: fmt.Sprintf("The open renewal %q is with %s, but %s is the account's incumbent partner.", o.Name, s.side(o.PartnerID),
						name(a.IncumbentPartnerID)),
					Refs:       []Ref{accRef(accID), {Kind: "opportunity", ID: o.ID, Name: o.Name}},
					PartnerIDs: nonEmpty(o.PartnerID, a.IncumbentPartnerID), Direct: direct, Motion: o.Motion, Region: a.Region})
			}
		}
		for i := 0; i < len(opps); i++ {
			for j := i + 1; j < len(opps); j++ {
				x, y := opps[i], opps[j]
				t, direct := s.pairType(x.PartnerID, x.Motion, y.PartnerID, y.Motion)
				if x.Protected != nil && y.Protected != nil && x.PartnerID != y.PartnerID && x.Protected.overlaps(*y.Protected) {
					add(Finding{Cause: OverlappingPriceProtection, Type: t, Status: Active,
						Summary: fmt.Sprintf("Two price protections at once on %s", a.Name),
						Evidence: fmt.Sprintf("%q (%s) is price-protected %s and %q (%s) %s.", x.Name, s.side(x.PartnerID), x.Protected.span(),
							y.Name, s.side(y.PartnerID), y.Protected.span()),
						Refs:       []Ref{accRef(accID), {Kind: "opportunity", ID: x.ID, Name: x.Name}, {Kind: "opportunity", ID: y.ID, Name: y.Name}},
						PartnerIDs: nonEmpty(x.PartnerID, y.PartnerID), Direct: direct, Motion: x.Motion, Region: a.Region})
				}
				add(Finding{Cause: TwoOpenOpportunities, Type: t, Status: Active,
					Summary:    fmt.Sprintf("Two open opportunities on %s", a.Name),
					Evidence:   fmt.Sprintf("%q (%s) and %q (%s) are both open on the account.", x.Name, s.side(x.PartnerID), y.Name, s.side(y.PartnerID)),
					Refs:       []Ref{accRef(accID), {Kind: "opportunity", ID: x.ID, Name: x.Name}, {Kind: "opportunity", ID: y.ID, Name: y.Name}},
					PartnerIDs: nonEmpty(x.PartnerID, y.PartnerID), Direct: direct, Motion: x.Motion, Region: a.Region})
			}
		}
	}

	// Registrations in force that claim one customer, or a customer direct sales owns.
	regs := map[string]Registration{}
	for _, r := range s.Registrations {
		regs[r.ID] = r
	}
	for _, r := range s.Registrations {
		for _, other := range r.MatchedRegistrations {
			o, ok := regs[other]
			if !ok || o.PartnerID == r.PartnerID {
				continue
			}
			t, _ := s.pairType(r.PartnerID, r.Motion, o.PartnerID, o.Motion)
			st := Risk
			if r.Approved && o.Approved {
				st = Active
			}
			add(Finding{Cause: OverlappingRegistrations, Type: t, Status: st,
				Summary:    fmt.Sprintf("%s and %s both registered %s", name(o.PartnerID), name(r.PartnerID), r.CustomerName),
				Evidence:   fmt.Sprintf("The uniqueness test matched the registration for %q with %q, which is still in force.", r.CustomerName, o.CustomerName),
				Refs:       []Ref{{Kind: "registration", ID: r.ID, Name: r.CustomerName}, {Kind: "registration", ID: o.ID, Name: o.CustomerName}},
				PartnerIDs: []string{r.PartnerID, o.PartnerID}, Motion: r.Motion})
		}
		accounts := append([]string(nil), r.MatchedAccounts...)
		if r.AccountID != "" {
			accounts = append(accounts, r.AccountID)
		}
		for _, accID := range slices.Compact(sorted(accounts)) {
			a, ok := s.Accounts[accID]
			if !ok || a.OwnerUserID == "" {
				continue
			}
			st := Risk
			if r.Approved {
				st = Active
			}
			add(Finding{Cause: DirectVersusPartner, Type: conflict.TypeVertical, Status: st,
				Summary:  fmt.Sprintf("%s registered %s, which direct sales owns", name(r.PartnerID), a.Name),
				Evidence: fmt.Sprintf("The registration for %q matches the account %q, which has a direct-sales owner.", r.CustomerName, a.Name),
				Refs:     []Ref{accRef(accID), {Kind: "registration", ID: r.ID, Name: r.CustomerName}}, PartnerIDs: []string{r.PartnerID}, Direct: true,
				Motion: r.Motion, Region: a.Region})
		}
	}

	// Duplicate accounts: a risk until someone merges them or says they differ.
	for _, d := range s.Duplicates {
		a, b := s.Accounts[d.A], s.Accounts[d.B]
		t := conflict.TypeNone
		switch {
		case (a.OwnerUserID != "" && b.IncumbentPartnerID != "") || (b.OwnerUserID != "" && a.IncumbentPartnerID != ""):
			t = conflict.TypeVertical
		case a.IncumbentPartnerID != "" && b.IncumbentPartnerID != "" && a.IncumbentPartnerID != b.IncumbentPartnerID:
			t = conflict.TypeHorizontal
		}
		add(Finding{Cause: DuplicateAccounts, Type: t, Status: Risk,
			Summary:  fmt.Sprintf("%s and %s look like one company", a.Name, b.Name),
			Evidence: fmt.Sprintf("The company matcher scores them %.0f%%: %s.", d.Score*100, strings.Join(d.Reasons, "; ")),
			Refs:     []Ref{accRef(d.A), accRef(d.B)}, PartnerIDs: nonEmpty(a.IncumbentPartnerID, b.IncumbentPartnerID),
			Direct: a.OwnerUserID != "" || b.OwnerUserID != "", Region: a.Region})
	}
	slices.SortFunc(out, func(x, y Finding) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// pairType classifies two claims: either side without a partner is direct sales.
func (s Snapshot) pairType(p1 string, m1 tandem.Motion, p2 string, m2 tandem.Motion) (conflict.Type, bool) {
	switch {
	case p1 == "" || p2 == "":
		return conflict.TypeVertical, true
	case m1 != "" && m1 == m2:
		return conflict.TypeHorizontal, false
	}
	return conflict.TypeMultiChannel, false
}

func (s Snapshot) side(partnerID string) string {
	if partnerID == "" {
		return "direct sales"
	}
	if n := s.PartnerNames[partnerID]; n != "" {
		return n
	}
	return partnerID
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func sorted(xs []string) []string {
	slices.Sort(xs)
	return xs
}

// Deadlines are the acknowledgement and resolution-plan deadlines of a case opened at
// opened: 24 elapsed hours and 5 business days on the calendar (addBusinessDays).
func Deadlines(opened time.Time, addBusinessDays func(time.Time, int) time.Time) (ack, plan time.Time) {
	return opened.Add(24 * time.Hour), addBusinessDays(opened, 5)
}

// span writes the window as people read it.
func (w Window) span() string {
	return "from " + w.From.UTC().Format("2 Jan 2006") + " until " + w.Until.UTC().Format("2 Jan 2006")
}
