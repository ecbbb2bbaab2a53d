package policy

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/tandem"
)

// expectedDecisions is the policy written out by hand, one line per actor and kind,
// one column per action: Y allowed, - forbidden, n not found (hidden from the actor).
// The resource is in the actor's workspace and, for partner actors, belongs to the
// actor's own partner organisation. The test generates every actor × kind × action
// and fails on any cell missing here, any extra line, and any disagreement.
const expectedDecisions = `
# actor          kind              r l c u d x e a
admin            settings          Y - - Y - - - -
admin            users             Y Y Y Y Y - - -
admin            partner_users     Y Y Y Y Y - - -
admin            partners          Y Y Y Y Y Y Y -
admin            partner_profile   Y Y - Y - - - -
admin            registrations     Y Y Y Y - Y Y -
admin            conflict_cases    Y Y - Y - Y Y -
admin            accounts          Y Y Y Y Y - Y -
admin            contacts          Y Y Y Y Y - Y -
admin            opportunities     Y Y Y Y Y - Y -
admin            attribution       Y Y - Y - - Y -
admin            internal_notes    Y Y Y - Y - - -
admin            partner_notes     Y Y Y - Y - - -
admin            plan_items        Y Y Y Y Y - - -
admin            announcements     Y Y Y Y Y - - -
admin            content           Y Y Y Y Y - - -
admin            payouts           Y Y Y Y - Y Y -
admin            audit_log         Y Y - - - - Y -
admin            api_tokens        Y Y Y - Y - - -
admin            outbox            Y Y - - - - - -

partner_manager  settings          Y - - - - - - -
partner_manager  users             Y Y - - - - - -
partner_manager  partner_users     Y Y Y Y Y - - -
partner_manager  partners          Y Y Y Y Y Y Y -
partner_manager  partner_profile   Y Y - Y - - - -
partner_manager  registrations     Y Y Y Y - Y Y -
partner_manager  conflict_cases    Y Y - Y - Y Y -
partner_manager  accounts          Y Y Y Y - - Y -
partner_manager  contacts          Y Y Y Y - - Y -
partner_manager  opportunities     Y Y Y Y - - Y -
partner_manager  attribution       Y Y - Y - - Y -
partner_manager  internal_notes    Y Y Y - - - - -
partner_manager  partner_notes     Y Y Y - - - - -
partner_manager  plan_items        Y Y Y Y Y - - -
partner_manager  announcements     Y Y Y Y Y - - -
partner_manager  content           Y Y Y Y Y - - -
partner_manager  payouts           Y Y Y Y - - Y -
partner_manager  audit_log         Y Y - - - - - -
partner_manager  api_tokens        - - - - - - - -
partner_manager  outbox            - - - - - - - -

sales            settings          - - - - - - - -
sales            users             Y Y - - - - - -
sales            partner_users     Y Y - - - - - -
sales            partners          Y Y - - - - Y -
sales            partner_profile   Y Y - - - - - -
sales            registrations     Y Y - - - - Y -
sales            conflict_cases    Y Y - Y - - - -
sales            accounts          Y Y Y Y - - Y -
sales            contacts          Y Y Y Y - - Y -
sales            opportunities     Y Y Y Y - - Y -
sales            attribution       Y Y - - - - - -
sales            internal_notes    Y Y Y - - - - -
sales            partner_notes     Y Y Y - - - - -
sales            plan_items        Y Y Y Y - - - -
sales            announcements     Y Y - - - - - -
sales            content           Y Y - - - - - -
sales            payouts           - - - - - - - -
sales            audit_log         - - - - - - - -
sales            api_tokens        - - - - - - - -
sales            outbox            - - - - - - - -

viewer           settings          Y - - - - - - -
viewer           users             Y Y - - - - - -
viewer           partner_users     Y Y - - - - - -
viewer           partners          Y Y - - - - Y -
viewer           partner_profile   Y Y - - - - - -
viewer           registrations     Y Y - - - - Y -
viewer           conflict_cases    Y Y - - - - Y -
viewer           accounts          Y Y - - - - Y -
viewer           contacts          Y Y - - - - Y -
viewer           opportunities     Y Y - - - - Y -
viewer           attribution       Y Y - - - - Y -
viewer           internal_notes    Y Y - - - - - -
viewer           partner_notes     Y Y - - - - - -
viewer           plan_items        Y Y - - - - - -
viewer           announcements     Y Y - - - - - -
viewer           content           Y Y - - - - - -
viewer           payouts           Y Y - - - - Y -
viewer           audit_log         Y Y - - - - - -
viewer           api_tokens        - - - - - - - -
viewer           outbox            - - - - - - - -

partner_admin    settings          n - - n - - - -
partner_admin    users             n - - n n - - -
partner_admin    partner_users     Y Y Y Y Y - - -
partner_admin    partners          n - - n n n - -
partner_admin    partner_profile   Y - - Y - - - -
partner_admin    registrations     Y Y Y Y - - Y -
partner_admin    conflict_cases    n - - n - n - -
partner_admin    accounts          n - - n n - - -
partner_admin    contacts          n - - n n - - -
partner_admin    opportunities     Y Y - - - - Y -
partner_admin    attribution       Y Y - - - - - -
partner_admin    internal_notes    n - - - n - - -
partner_admin    partner_notes     Y Y Y - - - - -
partner_admin    plan_items        Y Y - Y - - - -
partner_admin    announcements     Y Y - - - - - Y
partner_admin    content           Y Y - - - - - -
partner_admin    payouts           Y Y - - - - - -
partner_admin    audit_log         n - - - - - - -
partner_admin    api_tokens        Y Y Y - Y - - -
partner_admin    outbox            n - - - - - - -

partner_seller   settings          n - - n - - - -
partner_seller   users             n - - n n - - -
partner_seller   partner_users     Y Y - - - - - -
partner_seller   partners          n - - n n n - -
partner_seller   partner_profile   Y - - - - - - -
partner_seller   registrations     Y Y Y Y - - - -
partner_seller   conflict_cases    n - - n - n - -
partner_seller   accounts          n - - n n - - -
partner_seller   contacts          n - - n n - - -
partner_seller   opportunities     Y Y - - - - - -
partner_seller   attribution       Y Y - - - - - -
partner_seller   internal_notes    n - - - n - - -
partner_seller   partner_notes     Y Y Y - - - - -
partner_seller   plan_items        Y Y - Y - - - -
partner_seller   announcements     Y Y - - - - - Y
partner_seller   content           Y Y - - - - - -
partner_seller   payouts           - - - - - - - -
partner_seller   audit_log         n - - - - - - -
partner_seller   api_tokens        - - - - - - - -
partner_seller   outbox            n - - - - - - -

partner_marketer settings          n - - n - - - -
partner_marketer users             n - - n n - - -
partner_marketer partner_users     Y Y - - - - - -
partner_marketer partners          n - - n n n - -
partner_marketer partner_profile   Y - - - - - - -
partner_marketer registrations     - - - - - - - -
partner_marketer conflict_cases    n - - n - n - -
partner_marketer accounts          n - - n n - - -
partner_marketer contacts          n - - n n - - -
partner_marketer opportunities     - - - - - - - -
partner_marketer attribution       - - - - - - - -
partner_marketer internal_notes    n - - - n - - -
partner_marketer partner_notes     - - - - - - - -
partner_marketer plan_items        - - - - - - - -
partner_marketer announcements     Y Y - - - - - Y
partner_marketer content           Y Y - - - - - -
partner_marketer payouts           - - - - - - - -
partner_marketer audit_log         n - - - - - - -
partner_marketer api_tokens        - - - - - - - -
partner_marketer outbox            n - - - - - - -

system           settings          Y - - Y - - - -
system           users             Y Y Y Y Y - - -
system           partner_users     Y Y Y Y Y - - -
system           partners          Y Y Y Y Y Y Y -
system           partner_profile   Y Y - Y - - - -
system           registrations     Y Y Y Y - Y Y -
system           conflict_cases    Y Y - Y - Y Y -
system           accounts          Y Y Y Y Y - Y -
system           contacts          Y Y Y Y Y - Y -
system           opportunities     Y Y Y Y Y - Y -
system           attribution       Y Y - Y - - Y -
system           internal_notes    Y Y Y - Y - - -
system           partner_notes     Y Y Y - Y - - -
system           plan_items        Y Y Y Y Y - - -
system           announcements     Y Y Y Y Y - - Y
system           content           Y Y Y Y Y - - -
system           payouts           Y Y Y Y - Y Y -
system           audit_log         Y Y - - - - Y -
system           api_tokens        Y Y Y - Y - - -
system           outbox            Y Y - - - - - -
`

// actionColumns maps the grid's column letters to actions.
var actionColumns = []struct {
	letter string
	action Action
}{
	{"r", Read}, {"l", List}, {"c", Create}, {"u", Update},
	{"d", Delete}, {"x", Decide}, {"e", Export}, {"a", Acknowledge},
}

type cell struct {
	actor  string
	kind   Kind
	action Action
}

func parseExpectations(t *testing.T) map[cell]string {
	t.Helper()
	want := map[cell]string{}
	for n, line := range strings.Split(expectedDecisions, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2+len(actionColumns) {
			t.Fatalf("expectations line %d: want %d columns, got %d: %q", n, 2+len(actionColumns), len(f), line)
		}
		for i, col := range actionColumns {
			c := cell{f[0], Kind(f[1]), col.action}
			if _, dup := want[c]; dup {
				t.Fatalf("expectations line %d: %s %s listed twice", n, f[0], f[1])
			}
			v := f[2+i]
			if v != "Y" && v != "-" && v != "n" {
				t.Fatalf("expectations line %d: cell %q is not Y, - or n", n, v)
			}
			want[c] = v
		}
	}
	return want
}

const (
	ws      = "ws-1"
	otherWS = "ws-2"
	own     = "partner-1"
	other   = "partner-2"
)

// actorFor builds a well-formed actor for a grid row name.
func actorFor(name string) Actor {
	if name == "system" {
		return System(ws)
	}
	role := tandem.Role(name)
	if role.IsPartner() {
		return Actor{Kind: ActorPartnerUser, WorkspaceID: ws, UserID: "pu-1", PartnerID: own, Role: role}
	}
	return Actor{Kind: ActorUser, WorkspaceID: ws, UserID: "u-1", Role: role}
}

func gridActors() []string {
	names := []string{}
	for _, r := range tandem.Roles {
		names = append(names, string(r))
	}
	return append(names, "system")
}

func resourceFor(kind Kind, action Action, partners ...string) Resource {
	r := Resource{Kind: kind, WorkspaceID: ws, Partners: partners}
	if !action.collection() {
		r.ID = "res-1"
	}
	return r
}

func outcome(err error) string {
	switch tandem.KindOf(err) {
	case "":
		return "Y"
	case tandem.KindForbidden:
		return "-"
	case tandem.KindNotFound:
		return "n"
	}
	return "error: " + err.Error()
}

func TestAuthorizeMatchesExpectedTable(t *testing.T) {
	want := parseExpectations(t)
	seen := map[cell]bool{}
	for _, name := range gridActors() {
		for _, kind := range Kinds() {
			for _, action := range Actions() {
				c := cell{name, kind, action}
				seen[c] = true
				exp, ok := want[c]
				if !ok {
					t.Errorf("no expectation for %s %s %s: add a line to expectedDecisions", name, kind, action)
					continue
				}
				got := outcome(Authorize(actorFor(name), action, resourceFor(kind, action, own)))
				if got != exp {
					t.Errorf("%s %s %s: got %s, want %s", name, action, kind, got, exp)
				}
			}
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("expectation for %s %s %s matches no actor, kind or action", c.actor, c.kind, c.action)
		}
	}
}

func TestRoleAllowsAgreesWithAuthorizeForInternalRoles(t *testing.T) {
	for _, role := range []tandem.Role{tandem.RoleAdmin, tandem.RolePartnerManager, tandem.RoleSales, tandem.RoleViewer} {
		for _, kind := range Kinds() {
			for _, action := range Actions() {
				err := Authorize(actorFor(string(role)), action, resourceFor(kind, action))
				if RoleAllows(role, kind, action) != (err == nil) {
					t.Errorf("%s %s %s: RoleAllows=%v, Authorize=%v", role, action, kind, RoleAllows(role, kind, action), err)
				}
			}
		}
	}
}

func TestAnotherWorkspaceIsNotFoundForEveryone(t *testing.T) {
	for _, name := range gridActors() {
		for _, kind := range Kinds() {
			for _, action := range Actions() {
				r := resourceFor(kind, action, own)
				r.WorkspaceID = otherWS
				if got := outcome(Authorize(actorFor(name), action, r)); got != "n" {
					t.Errorf("%s %s %s in another workspace: got %s, want n", name, action, kind, got)
				}
			}
		}
	}
}

func TestAnotherPartnersResourceIsNotFound(t *testing.T) {
	want := parseExpectations(t)
	for _, role := range []tandem.Role{tandem.RolePartnerAdmin, tandem.RolePartnerSeller, tandem.RolePartnerMarketer} {
		for _, kind := range Kinds() {
			for _, action := range Actions() {
				if want[cell{string(role), kind, action}] != "Y" {
					continue // refused for its own partner already
				}
				got := outcome(Authorize(actorFor(string(role)), action, resourceFor(kind, action, other)))
				if got != "n" {
					t.Errorf("%s %s %s of another partner: got %s, want n", role, action, kind, got)
				}
				// Listed together with another partner: instance actions are fine
				// (the actor is on the record), collections must not mix partners.
				got = outcome(Authorize(actorFor(string(role)), action, resourceFor(kind, action, other, own)))
				wantMixed := "Y"
				if action.collection() {
					wantMixed = "n"
				}
				if got != wantMixed {
					t.Errorf("%s %s %s shared with another partner: got %s, want %s", role, action, kind, got, wantMixed)
				}
			}
		}
	}
}

func TestPartnerVisibilityWithNoPartnerListed(t *testing.T) {
	seller := actorFor(string(tandem.RolePartnerSeller))
	tests := []struct {
		kind   Kind
		action Action
		want   string
	}{
		{Announcements, Read, "Y"},         // published to every partner
		{Announcements, Acknowledge, "Y"},  // published to every partner
		{Content, Read, "Y"},               // published to every partner
		{Content, List, "Y"},               // the store filters by PartnerOnly
		{Registrations, List, "Y"},         // the store filters by PartnerOnly
		{Opportunities, Read, "n"},         // owned kinds need the partner listed
		{PartnerNotes, Read, "n"},          // owned kinds need the partner listed
		{Registrations, Create, "error: "}, // a partner's new registration must name its owner
	}
	for _, tt := range tests {
		got := outcome(Authorize(seller, tt.action, resourceFor(tt.kind, tt.action)))
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s %s with no partner listed: got %s, want %s", tt.action, tt.kind, got, tt.want)
		}
	}
}

func TestTokensAreLimitedByRoleAndScopes(t *testing.T) {
	want := parseExpectations(t)
	for _, role := range tandem.Roles {
		for _, kind := range Kinds() {
			area, hasArea := kind.Area()
			for _, action := range Actions() {
				roleSays := want[cell{string(role), kind, action}]
				variants := map[string]Scopes{
					"no scopes":  nil,
					"all scopes": AllScopes(),
				}
				if hasArea {
					variants[string(area)+":read"] = Scopes{area: ReadAccess}
					variants[string(area)+":write"] = Scopes{area: WriteAccess}
				}
				for name, scopes := range variants {
					tok := Actor{Kind: ActorToken, WorkspaceID: ws, UserID: "u-1", TokenID: "tok", Role: role, Scopes: scopes}
					if role.IsPartner() {
						tok.PartnerID = own
					}
					exp := roleSays
					if exp == "Y" && !scopes.Allows(kind, action) {
						exp = "-"
					}
					got := outcome(Authorize(tok, action, resourceFor(kind, action, own)))
					if got != exp {
						t.Errorf("token %s with %s: %s %s: got %s, want %s", role, name, action, kind, got, exp)
					}
				}
			}
		}
	}
}

func TestScopeCoverage(t *testing.T) {
	s := Scopes{AreaRegistrations: ReadAccess, AreaPartners: WriteAccess}
	tests := []struct {
		kind   Kind
		action Action
		want   bool
	}{
		{Registrations, Read, true},
		{Registrations, List, true},
		{Registrations, Export, true},
		{Registrations, Create, false},
		{Registrations, Decide, false},
		{Partners, Update, true},
		{PartnerProfile, Update, true},
		{PartnerUsers, Create, true},
		{Partners, Read, true}, // write includes read
		{Opportunities, Read, false},
		{APITokens, Read, false}, // no area: tokens never manage tokens
		{Outbox, Read, false},    // no area: the outbox holds sign-in links
	}
	for _, tt := range tests {
		if got := s.Allows(tt.kind, tt.action); got != tt.want {
			t.Errorf("%s: Allows(%s, %s) = %v, want %v", s, tt.kind, tt.action, got, tt.want)
		}
	}
	if got := s.String(); got != "partners:write,registrations:read" {
		t.Errorf("String() = %q", got)
	}
	var none Scopes
	if none.Allows(Registrations, Read) || none.String() != "" {
		t.Error("nil scopes must allow nothing and print as empty")
	}
	s.Grant(AreaRegistrations, WriteAccess)
	s.Grant(AreaPartners, ReadAccess) // never lowers
	if got := s.String(); got != "partners:write,registrations:write" {
		t.Errorf("after Grant: %q", got)
	}
}

func TestEveryKindWithAnAreaIsReachableAndAreasAreUsed(t *testing.T) {
	used := map[Area]bool{}
	for _, k := range Kinds() {
		if a, ok := k.Area(); ok {
			if !a.Valid() {
				t.Errorf("kind %s has unknown area %q", k, a)
			}
			used[a] = true
		}
	}
	for _, a := range Areas() {
		if !used[a] {
			t.Errorf("area %s covers no kind", a)
		}
	}
}

func TestLinks(t *testing.T) {
	link := func(kind Kind, action Action, resourceID string) Actor {
		return Actor{Kind: ActorLink, WorkspaceID: ws, PartnerID: own,
			Link: &LinkGrant{LinkID: "lnk", Kind: kind, Action: action, ResourceID: resourceID}}
	}
	register := link(Registrations, Create, "")
	ack := link(Announcements, Acknowledge, "ann-1")
	tests := []struct {
		name   string
		actor  Actor
		action Action
		res    Resource
		want   string
	}{
		{"register a deal for its partner", register, Create, Resource{Kind: Registrations, WorkspaceID: ws, Partners: []string{own}}, "Y"},
		{"register for another partner", register, Create, Resource{Kind: Registrations, WorkspaceID: ws, Partners: []string{other}}, "n"},
		{"register in another workspace", register, Create, Resource{Kind: Registrations, WorkspaceID: otherWS, Partners: []string{own}}, "n"},
		{"list registrations", register, List, Resource{Kind: Registrations, WorkspaceID: ws, Partners: []string{own}}, "-"},
		{"read a registration", register, Read, Resource{Kind: Registrations, WorkspaceID: ws, ID: "reg-1", Partners: []string{own}}, "-"},
		{"create an opportunity", register, Create, Resource{Kind: Opportunities, WorkspaceID: ws, Partners: []string{own}}, "-"},
		{"acknowledge its announcement", ack, Acknowledge, Resource{Kind: Announcements, WorkspaceID: ws, ID: "ann-1"}, "Y"},
		{"read its announcement", ack, Read, Resource{Kind: Announcements, WorkspaceID: ws, ID: "ann-1"}, "Y"},
		{"acknowledge another announcement", ack, Acknowledge, Resource{Kind: Announcements, WorkspaceID: ws, ID: "ann-2"}, "n"},
		{"acknowledge an announcement for another partner", ack, Acknowledge, Resource{Kind: Announcements, WorkspaceID: ws, ID: "ann-1", Partners: []string{other}}, "n"},
		{"list announcements", ack, List, Resource{Kind: Announcements, WorkspaceID: ws}, "-"},
		{"change its announcement", ack, Update, Resource{Kind: Announcements, WorkspaceID: ws, ID: "ann-1"}, "-"},
		{"write an internal note", register, Create, Resource{Kind: InternalNotes, WorkspaceID: ws, Partners: []string{own}}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outcome(Authorize(tt.actor, tt.action, tt.res)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLinkActionNames(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		action Action
		ok     bool
	}{
		{"registration.create", Registrations, Create, true},
		{"announcement.ack", Announcements, Acknowledge, true},
		{"registration.decide", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		k, a, ok := LinkAction(tt.name)
		if k != tt.kind || a != tt.action || ok != tt.ok {
			t.Errorf("LinkAction(%q) = %s, %s, %v", tt.name, k, a, ok)
		}
		if ok && !Linkable(k, a) {
			t.Errorf("%q maps to a pair Linkable refuses", tt.name)
		}
	}
	if Linkable(PartnerNotes, Create) || Linkable(Registrations, Decide) {
		t.Error("only the listed pairs are linkable")
	}
}

func TestMalformedActorsAndResourcesFailClosed(t *testing.T) {
	good := Resource{Kind: Registrations, WorkspaceID: ws, ID: "r", Partners: []string{own}}
	actors := map[string]Actor{
		"zero actor":                     {},
		"unknown kind":                   {Kind: "robot", WorkspaceID: ws},
		"user without workspace":         {Kind: ActorUser, UserID: "u", Role: tandem.RoleAdmin},
		"user without id":                {Kind: ActorUser, WorkspaceID: ws, Role: tandem.RoleAdmin},
		"user with partner role":         {Kind: ActorUser, WorkspaceID: ws, UserID: "u", Role: tandem.RolePartnerAdmin, PartnerID: own},
		"user with unknown role":         {Kind: ActorUser, WorkspaceID: ws, UserID: "u", Role: "owner"},
		"user with partner id":           {Kind: ActorUser, WorkspaceID: ws, UserID: "u", Role: tandem.RoleAdmin, PartnerID: own},
		"partner user without partner":   {Kind: ActorPartnerUser, WorkspaceID: ws, UserID: "u", Role: tandem.RolePartnerAdmin},
		"partner user with admin role":   {Kind: ActorPartnerUser, WorkspaceID: ws, UserID: "u", Role: tandem.RoleAdmin, PartnerID: own},
		"token without id":               {Kind: ActorToken, WorkspaceID: ws, Role: tandem.RoleAdmin, Scopes: AllScopes()},
		"partner token without partner":  {Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RolePartnerSeller, Scopes: AllScopes()},
		"internal token with partner":    {Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RoleAdmin, PartnerID: own, Scopes: AllScopes()},
		"system with role":               {Kind: ActorSystem, WorkspaceID: ws, Role: tandem.RoleAdmin},
		"user with scopes":               {Kind: ActorUser, WorkspaceID: ws, UserID: "u", Role: tandem.RoleViewer, Scopes: AllScopes()},
		"link without grant":             {Kind: ActorLink, WorkspaceID: ws, PartnerID: own},
		"link without partner":           {Kind: ActorLink, WorkspaceID: ws, Link: &LinkGrant{Kind: Registrations, Action: Create}},
		"link granting decisions":        {Kind: ActorLink, WorkspaceID: ws, PartnerID: own, Link: &LinkGrant{Kind: Registrations, Action: Decide, ResourceID: "r"}},
		"link ack not pinned":            {Kind: ActorLink, WorkspaceID: ws, PartnerID: own, Link: &LinkGrant{Kind: Announcements, Action: Acknowledge}},
		"link create pinned":             {Kind: ActorLink, WorkspaceID: ws, PartnerID: own, Link: &LinkGrant{Kind: Registrations, Action: Create, ResourceID: "r"}},
		"link with role":                 {Kind: ActorLink, WorkspaceID: ws, PartnerID: own, Role: tandem.RoleAdmin, Link: &LinkGrant{Kind: Registrations, Action: Create}},
		"user carrying a link grant":     {Kind: ActorUser, WorkspaceID: ws, UserID: "u", Role: tandem.RoleAdmin, Link: &LinkGrant{Kind: Registrations, Action: Create}},
		"system with partner":            {Kind: ActorSystem, WorkspaceID: ws, PartnerID: own},
		"partner user with unknown role": {Kind: ActorPartnerUser, WorkspaceID: ws, UserID: "u", Role: "partner_owner", PartnerID: own},
	}
	for name, a := range actors {
		if err := a.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
		if k := tandem.KindOf(Authorize(a, Read, good)); k != tandem.KindInternal {
			t.Errorf("%s: Authorize gave %q, want internal", name, k)
		}
	}
	admin := actorFor(string(tandem.RoleAdmin))
	resources := map[string]struct {
		action Action
		res    Resource
	}{
		"unknown kind":   {Read, Resource{Kind: "widgets", WorkspaceID: ws}},
		"no workspace":   {Read, Resource{Kind: Registrations}},
		"unknown action": {"approve", good},
		"empty action":   {"", good},
	}
	for name, tt := range resources {
		if k := tandem.KindOf(Authorize(admin, tt.action, tt.res)); k != tandem.KindInternal {
			t.Errorf("%s: Authorize gave %q, want internal", name, k)
		}
	}
}

func TestMessagesReadAsSentences(t *testing.T) {
	sales := actorFor(string(tandem.RoleSales))
	seller := actorFor(string(tandem.RolePartnerSeller))
	tok := Actor{Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RoleAdmin, Scopes: Scopes{AreaRegistrations: ReadAccess}}
	viewerTok := Actor{Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RoleViewer, Scopes: AllScopes()}
	ack := Actor{Kind: ActorLink, WorkspaceID: ws, PartnerID: own, Link: &LinkGrant{Kind: Announcements, Action: Acknowledge, ResourceID: "a"}}
	tests := []struct {
		actor  Actor
		action Action
		res    Resource
		want   string
	}{
		{sales, Decide, Resource{Kind: Registrations, WorkspaceID: ws, ID: "r"}, "Your role (sales) does not allow you to decide on registrations."},
		{sales, Update, Resource{Kind: Settings, WorkspaceID: ws}, "Your role (sales) does not allow you to change workspace settings."},
		{seller, Read, Resource{Kind: Opportunities, WorkspaceID: ws, ID: "o", Partners: []string{other}}, "Opportunity not found."},
		{seller, Read, Resource{Kind: InternalNotes, WorkspaceID: ws, ID: "n", Partners: []string{own}}, "Note not found."},
		{seller, List, Resource{Kind: AuditLog, WorkspaceID: ws}, "Partners cannot list the audit log."},
		{sales, Delete, Resource{Kind: AuditLog, WorkspaceID: otherWS, ID: "x"}, "Audit log entry not found."},
		{actorFor("admin"), Delete, Resource{Kind: AuditLog, WorkspaceID: ws, ID: "x"}, "The audit log cannot be deleted."},
		{System(ws), Update, Resource{Kind: AuditLog, WorkspaceID: ws, ID: "x"}, "The audit log cannot be changed."},
		{tok, Decide, Resource{Kind: Registrations, WorkspaceID: ws, ID: "r"}, "This API token needs the scope registrations:write to decide on registrations."},
		{tok, Create, Resource{Kind: APITokens, WorkspaceID: ws}, "API tokens cannot be used to create API tokens; sign in instead."},
		{viewerTok, Update, Resource{Kind: Accounts, WorkspaceID: ws, ID: "a"}, "This API token's role (viewer) does not allow it to change accounts."},
		{ack, Update, Resource{Kind: Announcements, WorkspaceID: ws, ID: "a"}, "This link only lets you acknowledge an announcement."},
		{ack, Read, Resource{Kind: Content, WorkspaceID: ws, ID: "a"}, "This link does not give access to content."},
	}
	for _, tt := range tests {
		err := Authorize(tt.actor, tt.action, tt.res)
		if got := tandem.MessageOf(err); got != tt.want {
			t.Errorf("%s %s %s:\n got %q\nwant %q", tt.actor.Kind, tt.action, tt.res.Kind, got, tt.want)
		}
	}
}

func TestPartnerOnly(t *testing.T) {
	tests := []struct {
		actor   Actor
		partner string
		ok      bool
	}{
		{actorFor("admin"), "", false},
		{System(ws), "", false},
		{actorFor(string(tandem.RolePartnerMarketer)), own, true},
		{Actor{Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RolePartnerAdmin, PartnerID: own}, own, true},
		{Actor{Kind: ActorToken, WorkspaceID: ws, TokenID: "t", Role: tandem.RoleSales}, "", false},
		{Actor{Kind: ActorLink, WorkspaceID: ws, PartnerID: own}, own, true},
	}
	for _, tt := range tests {
		p, ok := tt.actor.PartnerOnly()
		if p != tt.partner || ok != tt.ok {
			t.Errorf("%s %s: PartnerOnly() = %q, %v; want %q, %v", tt.actor.Kind, tt.actor.Role, p, ok, tt.partner, tt.ok)
		}
	}
}

// renderDocTable draws the role table the package documentation shows, from the
// policy itself, so the documentation cannot drift from the code.
func renderDocTable() string {
	cols := []struct {
		head string
		role tandem.Role
	}{
		{"admin", tandem.RoleAdmin}, {"pmgr", tandem.RolePartnerManager}, {"sales", tandem.RoleSales},
		{"viewer", tandem.RoleViewer}, {"p-admin", tandem.RolePartnerAdmin}, {"p-sell", tandem.RolePartnerSeller},
		{"p-mkt", tandem.RolePartnerMarketer},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "//\t%-16s", "kind")
	for _, c := range cols {
		fmt.Fprintf(&b, " %-8s", c.head)
	}
	b.WriteString("\n")
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "//\t%-16s", k)
		for _, c := range cols {
			var letters string
			for _, col := range actionColumns {
				if RoleAllows(c.role, k, col.action) {
					letters += col.letter
				}
			}
			if letters == "" {
				letters = "."
			}
			fmt.Fprintf(&b, " %-8s", letters)
		}
		b.WriteString("\n")
	}
	return strings.ReplaceAll(b.String(), " \n", "\n")
}

func TestPackageDocShowsThePolicy(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	normalized := func(s string) string {
		var lines []string
		for _, l := range strings.Split(s, "\n") {
			lines = append(lines, strings.TrimRight(l, " "))
		}
		return strings.Join(lines, "\n")
	}
	table := normalized(renderDocTable())
	if !strings.Contains(normalized(string(doc)), table) {
		t.Errorf("the table in doc.go is out of date; it should read:\n%s", table)
	}
}
