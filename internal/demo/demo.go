// Package demo loads the demo workspace: a realistic partner program with partners
// across all five motions, several tiers and regions, accounts and contacts. The data
// is the same on every run (a fixed seed and fixed identifiers), so screenshots, docs
// and tests can refer to it.
package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/account"
	"github.com/tandemprm/tandem/internal/calendar"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// Slug is the demo workspace's slug.
const Slug = "demo"

// Epoch is the fixed creation time of demo records.
var Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// People of the demo workspace who can sign in.
var (
	AdminEmail   = "ada@northstar.example"
	ManagerEmail = "paul@northstar.example"
	PartnerEmail = "sam@northwind-advisory.example" // partner admin of the first partner
)

// Sizes of the demo workspace.
const (
	Partners = 40
	Accounts = 300
)

var (
	partnerFirst = []string{"Northwind", "Brightpath", "Bluefjord", "Cedar", "Helix", "Lumen", "Meridian", "Nimbus", "Orbit", "Pinecrest", "Quarry", "Redwood", "Summit", "Tidewater", "Vantage", "Wayfarer", "Alder", "Beacon", "Copperleaf", "Driftwood"}
	partnerKind  = map[tandem.Motion][]string{
		tandem.MotionReferral:    {"Advisory", "Partners", "Growth Advisors"},
		tandem.MotionResale:      {"Solutions", "IT Distribution", "Systems"},
		tandem.MotionMarketplace: {"Cloud", "Cloud Commerce", "Marketplace Services"},
		tandem.MotionServices:    {"Consulting", "Digital", "Managed Services"},
		tandem.MotionTech:        {"Labs", "Software", "Analytics"},
	}
	legal   = []string{"Ltd", "GmbH", "B.V.", "Inc.", "LLC", "SAS", "AB", "Pty Ltd"}
	tiers   = []string{"Registered", "Silver", "Gold", "Platinum"}
	regions = []struct{ Name, Country string }{{"EMEA", "NL"}, {"EMEA", "DE"}, {"EMEA", "GB"}, {"North America", "US"}, {"North America", "CA"}, {"APAC", "AU"}, {"APAC", "SG"}, {"LATAM", "BR"}}

	accountStem = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Aperture", "Massive Dynamic", "Prestige Worldwide", "Dunder", "Sterling", "Pied Piper"}
	accountTail = []string{"Logistics", "Health", "Foods", "Energy", "Bank", "Insurance", "Retail", "Manufacturing", "Media", "Pharma", "Airlines", "Telecom", "Analytics", "Robotics", "Biotech"}
	industries  = map[string]string{"Logistics": "Transport", "Health": "Healthcare", "Foods": "Food & beverage", "Energy": "Energy", "Bank": "Financial services", "Insurance": "Financial services", "Retail": "Retail", "Manufacturing": "Manufacturing", "Media": "Media", "Pharma": "Life sciences", "Airlines": "Transport", "Telecom": "Telecommunications", "Analytics": "Software", "Robotics": "Manufacturing", "Biotech": "Life sciences"}
	given       = []string{"Ana", "Bram", "Chloé", "Dev", "Elif", "Finn", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Maja", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tara"}
	family      = []string{"de Vries", "Müller", "Smith", "Okafor", "Tanaka", "García", "Nowak", "Johansson", "Rossi", "Dubois", "Kim", "Singh", "Silva", "O'Brien", "Novak"}
	titles      = []string{"Head of IT", "CFO", "VP Operations", "Procurement Lead", "CTO", "Director of Sales"}
)

// Exists reports whether the demo workspace is already loaded.
func Exists(ctx context.Context, db *store.DB) (bool, error) {
	_, err := db.WorkspaceBySlug(ctx, Slug)
	switch tandem.KindOf(err) {
	case "":
		return true, nil
	case tandem.KindNotFound:
		return false, nil
	}
	return false, err
}

// Load creates the demo workspace in one transaction. It fails with a conflict error
// when a workspace with the slug "demo" exists already.
func Load(ctx context.Context, db *store.DB) (workspace.Workspace, error) {
	rng := rand.New(rand.NewPCG(2026, 11))
	ws := workspace.Workspace{ID: "ws_demo", Slug: Slug, Name: "Tandem Demo (Northstar Software)", TimeZone: "Europe/Amsterdam",
		Currency: "EUR", CreatedAt: Epoch, UpdatedAt: Epoch,
		Calendar: calendar.Config{TimeZone: "Europe/Amsterdam", Weekdays: []string{"mon", "tue", "wed", "thu", "fri"},
			Hours: calendar.Hours{Start: "09:00", End: "17:30"}, Holidays: []string{"2026-12-25", "2026-12-26", "2027-01-01", "2027-04-27"}}}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := db.CreateWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		for i := 0; i < Partners; i++ {
			p, contacts := demoPartner(rng, ws.ID, i)
			if err := p.Validate(); err != nil {
				return fmt.Errorf("demo partner %d: %w", i, err)
			}
			if err := db.CreatePartner(ctx, tx, p); err != nil {
				return err
			}
			for _, c := range contacts {
				if err := db.CreateContact(ctx, tx, c); err != nil {
					return err
				}
			}
		}
		for _, u := range demoUsers(ws.ID) {
			if err := db.InsertUser(ctx, tx, u); err != nil {
				return err
			}
		}
		for i := 0; i < Accounts; i++ {
			a, contacts := demoAccount(rng, ws.ID, i)
			if err := a.Validate(); err != nil {
				return fmt.Errorf("demo account %d: %w", i, err)
			}
			if err := db.CreateAccount(ctx, tx, a); err != nil {
				return err
			}
			// Some customers are owned by direct sales (Sofia), some have a partner
			// of record: registrations for them show vertical and incumbent conflicts.
			var err error
			switch {
			case i%6 == 0:
				err = db.SetAccountOwner(ctx, tx, ws.ID, a.ID, id("usr", 2), "", a.UpdatedAt)
			case i%9 == 4:
				err = db.SetAccountOwner(ctx, tx, ws.ID, a.ID, "", id("prt", (i/9)%Partners), a.UpdatedAt)
			}
			if err != nil {
				return fmt.Errorf("demo account %d owner: %w", i, err)
			}
			for _, c := range contacts {
				if err := db.CreateContact(ctx, tx, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return workspace.Workspace{}, fmt.Errorf("load demo workspace: %w", err)
	}
	return ws, nil
}

func id(prefix string, i int) string { return fmt.Sprintf("%s_demo%06d", prefix, i) }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func slugify(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func demoPartner(rng *rand.Rand, wsID string, i int) (partner.Partner, []account.Contact) {
	primary := tandem.Motions[i%len(tandem.Motions)]
	motions := []tandem.Motion{primary}
	if i%4 == 3 { // a quarter of partners run a second motion
		second := tandem.Motions[(i+2)%len(tandem.Motions)]
		motions = append(motions, second)
	}
	first := partnerFirst[i%len(partnerFirst)]
	name := first + " " + pick(rng, partnerKind[primary])
	if i >= len(partnerFirst) {
		name += " " + pick(rng, []string{"Group", "Collective", "Works"})
	}
	reg := regions[rng.IntN(len(regions))]
	tier := tiers[min(len(tiers)-1, rng.IntN(5))] // more Platinum-capped Gold/Platinum than uniform
	lifecycle := partner.Active
	switch {
	case i%10 == 7:
		lifecycle = partner.Onboarding
	case i%13 == 5:
		lifecycle = partner.Dormant
	case i%17 == 11:
		lifecycle = partner.Applied
	}
	at := Epoch.Add(time.Duration(i) * 36 * time.Hour)
	p := partner.Partner{WorkspaceID: wsID, ID: id("prt", i), Name: name + " " + pick(rng, legal),
		Domain: slugify(name) + ".example", Motions: motions, Tier: tier, Region: reg.Name, Lifecycle: lifecycle,
		CreatedAt: at, UpdatedAt: at}
	var cs []account.Contact
	for j := 0; j < 2; j++ {
		g, f := pick(rng, given), pick(rng, family)
		cs = append(cs, account.Contact{WorkspaceID: wsID, ID: id("con", 10000+i*2+j), PartnerID: p.ID, Name: g + " " + f,
			Email: slugify(g) + "." + slugify(f) + "@" + p.Domain, Title: []string{"Partner lead", "Account executive"}[j], CreatedAt: at})
	}
	return p, cs
}

func demoAccount(rng *rand.Rand, wsID string, i int) (account.Account, []account.Contact) {
	stem, tail := accountStem[i%len(accountStem)], accountTail[(i/len(accountStem))%len(accountTail)]
	reg := regions[rng.IntN(len(regions))]
	name := stem + " " + tail + " " + pick(rng, legal)
	at := Epoch.Add(time.Duration(i) * 5 * time.Hour)
	a := account.Account{WorkspaceID: wsID, ID: id("acc", i), Name: name, Domain: slugify(stem+tail) + ".example",
		Country: reg.Country, Industry: industries[tail], CreatedAt: at, UpdatedAt: at}
	g, f := pick(rng, given), pick(rng, family)
	c := account.Contact{WorkspaceID: wsID, ID: id("con", i), AccountID: a.ID, Name: g + " " + f,
		Email: slugify(g) + "." + slugify(f) + "@" + a.Domain, Title: pick(rng, titles), CreatedAt: at}
	return a, []account.Contact{c}
}

func demoUsers(wsID string) []identity.User {
	mk := func(i int, email, name string, role tandem.Role, partnerID string) identity.User {
		return identity.User{WorkspaceID: wsID, ID: id("usr", i), Email: email, Name: name, Role: role, PartnerID: partnerID,
			Status: identity.Invited, InvitedBy: "system", CreatedAt: Epoch, UpdatedAt: Epoch}
	}
	return []identity.User{
		mk(0, AdminEmail, "Ada Admin", tandem.RoleAdmin, ""),
		mk(1, ManagerEmail, "Paul Partnerships", tandem.RolePartnerManager, ""),
		mk(2, "sofia@northstar.example", "Sofia Sales", tandem.RoleSales, ""),
		mk(3, PartnerEmail, "Sam Partner", tandem.RolePartnerAdmin, id("prt", 0)),
		mk(4, "lee@northwind-advisory.example", "Lee Seller", tandem.RolePartnerSeller, id("prt", 0)),
	}
}
