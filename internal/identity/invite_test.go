package identity_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

func TestInvite(t *testing.T) {
	checkAll(t, []behaviour{
		{"grants only what the inviter may", inviteGrantsOnlyWhatTheInviterMay},
		{"reports every invalid field at once", inviteReportsEveryInvalidFieldAtOnce},
		{"refuses an address already in the workspace", inviteRefusesAnAddressAlreadyInTheWorkspace},
		{"writes nothing when the email cannot be rendered", inviteWritesNothingWhenTheEmailCannotBeRendered},
		{"partner admins list only their own people", listUsersShowsPartnerAdminsOnlyTheirOwnPeople},
	})
}

func TestDeactivate(t *testing.T) {
	checkAll(t, []behaviour{
		{"keeps an active admin", deactivateKeepsAnActiveAdmin},
		{"two admins deactivating each other at once leave one", twoAdminsDeactivatingEachOtherAtOnceLeaveOne},
		{"ends access at once and is audited", deactivateEndsAccessAtOnceAndIsAudited},
		{"is for those who manage the person", deactivateIsForThoseWhoManageThePerson},
	})
}

// org is a workspace with people of every kind and two partners, for the policy
// tests of invitations, deactivation and tokens.
type org struct {
	*env
	own, other string                   // partner ids: "own" is the partner users' organisation
	people     map[string]identity.User // by role name, plus "admin"
}

func newOrg(t *testing.T, db *store.DB) *org {
	t.Helper()
	o := &org{env: setup(t, db), people: map[string]identity.User{}}
	o.own, o.other = o.partner(t, o.ws.ID, "Northwind"), o.partner(t, o.ws.ID, "Contoso")
	o.people["admin"] = o.admin
	for _, m := range []struct {
		role      tandem.Role
		partnerID string
	}{
		{tandem.RolePartnerManager, ""}, {tandem.RoleSales, ""}, {tandem.RoleViewer, ""},
		{tandem.RolePartnerAdmin, o.own}, {tandem.RolePartnerSeller, o.own}, {tandem.RolePartnerMarketer, o.own},
	} {
		u, _ := o.member(t, string(m.role)+"@acme.test", m.role, m.partnerID)
		o.people[string(m.role)] = u
	}
	return o
}

// partnerID turns a case's partner name ("own", "other", "unknown" or "") into an id.
func (o *org) partnerID(name string) string {
	switch name {
	case "own":
		return o.own
	case "other":
		return o.other
	case "unknown":
		return "prt_0000000000000000000000000z"
	}
	return name
}

// state is what a refused command must leave untouched.
type state struct{ users, outbox, audit int }

func (o *org) state(t *testing.T) state {
	t.Helper()
	es, _, err := o.db.ListAudit(o.ctx, o.ws.ID, audit.Filter{}, store.Page{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	return state{o.users(t, o.ws.ID), o.outboxSize(t, o.ws.ID), len(es)}
}

func inviteGrantsOnlyWhatTheInviterMay(t *testing.T, db *store.DB) {
	cases := []struct {
		name    string
		inviter string // a key of org.people
		role    tandem.Role
		partner string // "own", "other", "unknown" or ""
		want    tandem.Kind
	}{
		{"admin invites an admin", "admin", tandem.RoleAdmin, "", ""},
		{"admin invites a viewer", "admin", tandem.RoleViewer, "", ""},
		{"admin invites a partner admin", "admin", tandem.RolePartnerAdmin, "other", ""},
		{"partner manager invites a partner seller", "partner_manager", tandem.RolePartnerSeller, "own", ""},
		{"partner manager invites a partner admin", "partner_manager", tandem.RolePartnerAdmin, "other", ""},
		{"partner manager cannot invite an admin", "partner_manager", tandem.RoleAdmin, "", tandem.KindForbidden},
		{"partner manager cannot invite internal users at all", "partner_manager", tandem.RoleViewer, "", tandem.KindForbidden},
		{"partner admin invites a seller of their partner", "partner_admin", tandem.RolePartnerSeller, "own", ""},
		{"partner admin invites another partner admin of their partner", "partner_admin", tandem.RolePartnerAdmin, "own", ""},
		{"partner admin cannot invite for another partner", "partner_admin", tandem.RolePartnerSeller, "other", tandem.KindNotFound},
		{"partner admin cannot learn whether a partner exists", "partner_admin", tandem.RolePartnerSeller, "unknown", tandem.KindNotFound},
		{"partner admin cannot invite an admin", "partner_admin", tandem.RoleAdmin, "", tandem.KindForbidden},
		{"partner admin cannot invite a viewer", "partner_admin", tandem.RoleViewer, "", tandem.KindForbidden},
		{"partner seller cannot invite", "partner_seller", tandem.RolePartnerMarketer, "own", tandem.KindForbidden},
		{"partner marketer cannot invite", "partner_marketer", tandem.RolePartnerMarketer, "own", tandem.KindForbidden},
		{"sales cannot invite", "sales", tandem.RoleViewer, "", tandem.KindForbidden},
		{"viewer cannot invite", "viewer", tandem.RoleViewer, "", tandem.KindForbidden},
	}
	o := newOrg(t, db)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Advance(time.Second)
			inviter := o.people[c.inviter]
			address := fmt.Sprintf("Invitee%d@Example.test", i)
			before := o.state(t)
			u, err := o.svc.Invite(o.ctx, inviter.Actor(), inviter.Name, identity.Invitation{Email: address, Name: " Ivy ", Role: c.role, PartnerID: o.partnerID(c.partner)})
			wantKind(t, "Invite", err, c.want)
			if c.want != "" {
				if after := o.state(t); after != before {
					t.Fatalf("a refused invitation changed (users, outbox, audit) from %v to %v", before, after)
				}
				return
			}
			want := identity.User{WorkspaceID: o.ws.ID, ID: u.ID, Email: strings.ToLower(address), Name: "Ivy", Role: c.role,
				PartnerID: o.partnerID(c.partner), Status: identity.Invited, InvitedBy: inviter.ID, CreatedAt: o.clock.Now(), UpdatedAt: o.clock.Now()}
			if u != want {
				t.Fatalf("invited\n%+v, want\n%+v", u, want)
			}
			if stored := o.user(t, o.ws.ID, u.ID); stored != want {
				t.Fatalf("stored\n%+v, want\n%+v", stored, want)
			}
			o.onlyMail(t, o.ws.ID, want.Email)
			es := o.auditOf(t, o.ws.ID, "user.invite")
			if es[0].ActorID != inviter.ID || es[0].SubjectID != u.ID || !strings.Contains(es[0].Changes, want.Email) {
				t.Fatalf("audit entry %+v", es[0])
			}
		})
	}
}

func inviteReportsEveryInvalidFieldAtOnce(t *testing.T, db *store.DB) {
	cases := []struct {
		name   string
		in     identity.Invitation
		fields []string
	}{
		{"partner role without a partner", identity.Invitation{Email: "x@acme.test", Role: tandem.RolePartnerSeller}, []string{"partner_id"}},
		{"internal role with a partner", identity.Invitation{Email: "x@acme.test", Role: tandem.RoleSales, PartnerID: "own"}, []string{"partner_id"}},
		{"unknown partner", identity.Invitation{Email: "x@acme.test", Role: tandem.RolePartnerSeller, PartnerID: "unknown"}, []string{"partner_id"}},
		{"no role", identity.Invitation{Email: "x@acme.test"}, []string{"role"}},
		{"unknown role", identity.Invitation{Email: "x@acme.test", Role: "owner"}, []string{"role"}},
		{"no email", identity.Invitation{Role: tandem.RoleSales}, []string{"email"}},
		{"email, name and role at once", identity.Invitation{Email: "x at acme", Name: strings.Repeat("n", 201), Role: "owner"}, []string{"email", "name", "role"}},
		{"email and partner at once", identity.Invitation{Email: "Ivy <x@acme.test>", Role: tandem.RolePartnerAdmin}, []string{"email", "partner_id"}},
	}
	o := newOrg(t, db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := o.state(t)
			in := c.in
			in.PartnerID = o.partnerID(in.PartnerID)
			_, err := o.svc.Invite(o.ctx, o.admin.Actor(), o.admin.Name, in)
			wantKind(t, "Invite", err, tandem.KindInvalid)
			if got := fieldPaths(err); !slices.Equal(got, c.fields) {
				t.Fatalf("fields %v, want %v (%v)", got, c.fields, err)
			}
			if after := o.state(t); after != before {
				t.Fatalf("an invalid invitation changed (users, outbox, audit) from %v to %v", before, after)
			}
		})
	}
}

func inviteRefusesAnAddressAlreadyInTheWorkspace(t *testing.T, db *store.DB) {
	o := newOrg(t, db)
	ws2, admin2, _ := o.newWorkspace(t, "globex", "hank@globex.test", "Hank")
	for _, address := range []string{"ada@acme.test", " ADA@acme.test", "sales@acme.test"} {
		before := o.state(t)
		_, err := o.svc.Invite(o.ctx, o.admin.Actor(), "", identity.Invitation{Email: address, Role: tandem.RoleViewer})
		wantKind(t, "inviting "+address, err, tandem.KindConflict)
		if after := o.state(t); after != before {
			t.Fatalf("a refused invitation changed (users, outbox, audit) from %v to %v", before, after)
		}
	}
	// Another workspace may have the same person.
	if _, err := o.svc.Invite(o.ctx, admin2.Actor(), "", identity.Invitation{Email: "ada@acme.test", Role: tandem.RoleViewer}); err != nil {
		t.Fatalf("the same address in another workspace: %v", err)
	}
	o.onlyMail(t, ws2.ID, "ada@acme.test")
}

func inviteWritesNothingWhenTheEmailCannotBeRendered(t *testing.T, db *store.DB) {
	o := newOrg(t, db)
	before := o.state(t)
	o.mail.fail.Store(true)
	_, err := o.svc.Invite(o.ctx, o.admin.Actor(), "", identity.Invitation{Email: "ivy@acme.test", Role: tandem.RoleViewer})
	o.mail.fail.Store(false)
	wantKind(t, "Invite with a broken template", err, tandem.KindInternal)
	if after := o.state(t); after != before {
		t.Fatalf("a failed invitation changed (users, outbox, audit) from %v to %v", before, after)
	}
	if _, err := o.svc.Invite(o.ctx, o.admin.Actor(), "", identity.Invitation{Email: "ivy@acme.test", Role: tandem.RoleViewer}); err != nil {
		t.Fatalf("inviting again once the template works: %v", err)
	}
}

func deactivateKeepsAnActiveAdmin(t *testing.T, db *store.DB) {
	e := setup(t, db)
	_, err := e.svc.Deactivate(e.ctx, e.admin.Actor(), e.admin.Name, e.admin.ID, "")
	wantKind(t, "the only admin deactivates themselves", err, tandem.KindConflict)
	if !strings.Contains(tandem.MessageOf(err), "last admin") {
		t.Errorf("the refusal says %q; want it to mention the last admin", tandem.MessageOf(err))
	}

	// A workspace whose first admin has not signed in yet keeps them too.
	ws, first, _, err := e.svc.SetUpWorkspace(e.ctx, workspace.Workspace{Slug: fmt.Sprintf("fresh-%d", workspaces.Add(1)), Name: "Fresh"}, "first@fresh.test", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Deactivate(e.ctx, system(ws.ID), "cli", first.ID, "")
	wantKind(t, "the system deactivates the invited first admin", err, tandem.KindConflict)

	// An admin who has not accepted their invitation may never sign in (a wrong
	// address, say), so they do not count, and may be deactivated themselves.
	invited, _ := e.invite(t, "typo@acme.tset", tandem.RoleAdmin, "")
	_, err = e.svc.Deactivate(e.ctx, e.admin.Actor(), e.admin.Name, e.admin.ID, "")
	wantKind(t, "the only active admin, beside an invited one", err, tandem.KindConflict)
	if _, err := e.svc.Deactivate(e.ctx, e.admin.Actor(), e.admin.Name, invited.ID, "wrong address"); err != nil {
		t.Fatalf("deactivating an invited admin: %v", err)
	}

	bob, _ := e.member(t, "bob@acme.test", tandem.RoleAdmin, "")
	if _, err := e.svc.Deactivate(e.ctx, bob.Actor(), bob.Name, e.admin.ID, "handing over"); err != nil {
		t.Fatalf("deactivating one of two active admins: %v", err)
	}
	_, err = e.svc.Deactivate(e.ctx, bob.Actor(), bob.Name, bob.ID, "")
	wantKind(t, "the remaining admin deactivates themselves", err, tandem.KindConflict)
	_, err = e.svc.Deactivate(e.ctx, system(e.ws.ID), "cli", bob.ID, "")
	wantKind(t, "the system deactivates the remaining admin", err, tandem.KindConflict)
	if got := e.user(t, e.ws.ID, bob.ID).Status; got != identity.Active {
		t.Fatalf("the remaining admin is %s, want active", got)
	}
}

func twoAdminsDeactivatingEachOtherAtOnceLeaveOne(t *testing.T, db *store.DB) {
	for round := range 5 {
		e := setup(t, db)
		bob, _ := e.member(t, fmt.Sprintf("bob%d@acme.test", round), tandem.RoleAdmin, "")
		pairs := [][2]identity.User{{e.admin, bob}, {bob, e.admin}}
		errs := make([]error, len(pairs))
		var wg sync.WaitGroup
		for i, p := range pairs {
			wg.Go(func() { _, errs[i] = e.svc.Deactivate(e.ctx, p[0].Actor(), p[0].Name, p[1].ID, "") })
		}
		wg.Wait()
		active := 0
		for _, u := range []identity.User{e.admin, bob} {
			if e.user(t, e.ws.ID, u.ID).Status == identity.Active {
				active++
			}
		}
		if active != 1 {
			t.Fatalf("round %d: %d active admins left (errors %v, %v), want 1", round, active, errs[0], errs[1])
		}
		if k0, k1 := tandem.KindOf(errs[0]), tandem.KindOf(errs[1]); !(k0 == "" && k1 == tandem.KindConflict || k0 == tandem.KindConflict && k1 == "") {
			t.Fatalf("round %d: errors %v, %v; want one success and one conflict", round, errs[0], errs[1])
		}
	}
}

func deactivateEndsAccessAtOnceAndIsAudited(t *testing.T, db *store.DB) {
	o := newOrg(t, db)
	pa := o.people["partner_admin"]
	sessions := []string{o.signIn(t, o.ws.ID, pa.Email), o.signIn(t, o.ws.ID, pa.Email)}
	tok, _, err := o.svc.CreateToken(o.ctx, pa.Actor(), pa.Name, identity.NewToken{Name: "crm sync"})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's session and token are not touched.
	otherSession := o.signIn(t, o.ws.ID, "ada@acme.test")
	otherToken, _, err := o.svc.CreateToken(o.ctx, o.admin.Actor(), o.admin.Name, identity.NewToken{Name: "admin script"})
	if err != nil {
		t.Fatal(err)
	}

	o.clock.Advance(time.Hour)
	ctx := reqid.WithIP(reqid.With(context.Background(), "req-deactivate"), "198.51.100.9")
	u, err := o.svc.Deactivate(ctx, o.admin.Actor(), o.admin.Name, pa.ID, "left Northwind")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != identity.Deactivated || o.user(t, o.ws.ID, pa.ID).Status != identity.Deactivated {
		t.Fatalf("status %s, want deactivated", u.Status)
	}
	for _, sess := range sessions {
		_, _, err := o.svc.Authenticate(o.ctx, sess)
		wantKind(t, "a session of the deactivated person", err, tandem.KindUnauthenticated)
	}
	_, err = o.svc.AuthenticateToken(o.ctx, "Bearer "+tok)
	wantKind(t, "a token the deactivated person made", err, tandem.KindUnauthenticated)
	if _, _, err := o.svc.Authenticate(o.ctx, otherSession); err != nil {
		t.Fatalf("someone else's session: %v", err)
	}
	if _, err := o.svc.AuthenticateToken(o.ctx, "Bearer "+otherToken); err != nil {
		t.Fatalf("someone else's token: %v", err)
	}

	es := o.auditOf(t, o.ws.ID, "user.deactivate")
	if len(es) != 1 {
		t.Fatalf("%d deactivation entries, want 1", len(es))
	}
	a := es[0]
	if a.ActorID != o.admin.ID || a.ActorType != "user" || a.SubjectType != "user" || a.SubjectID != pa.ID || a.Rationale != "left Northwind" ||
		a.RequestID != "req-deactivate" || a.IP != "198.51.100.9" || !strings.Contains(a.Changes, `"status":{"from":"active","to":"deactivated"}`) {
		t.Fatalf("audit entry %+v", a)
	}

	// Deactivating again changes nothing and writes nothing.
	if again, err := o.svc.Deactivate(o.ctx, o.admin.Actor(), o.admin.Name, pa.ID, "twice"); err != nil || again.Status != identity.Deactivated {
		t.Fatalf("deactivating again: %s, %v", again.Status, err)
	}
	if n := len(o.auditOf(t, o.ws.ID, "user.deactivate")); n != 1 {
		t.Fatalf("%d deactivation entries after deactivating twice, want 1", n)
	}
}

func deactivateIsForThoseWhoManageThePerson(t *testing.T, db *store.DB) {
	cases := []struct {
		name    string
		actor   string      // a key of org.people
		role    tandem.Role // of the person to deactivate; empty for an id nobody has
		partner string      // of the person to deactivate: "own", "other" or ""
		want    tandem.Kind
	}{
		{"admin deactivates a partner admin", "admin", tandem.RolePartnerAdmin, "other", ""},
		{"partner manager deactivates a partner seller", "partner_manager", tandem.RolePartnerSeller, "own", ""},
		{"partner admin deactivates a marketer of their partner", "partner_admin", tandem.RolePartnerMarketer, "own", ""},
		{"partner admin cannot see another partner's people", "partner_admin", tandem.RolePartnerSeller, "other", tandem.KindNotFound},
		{"partner admin cannot see internal people", "partner_admin", tandem.RoleViewer, "", tandem.KindNotFound},
		{"partner manager cannot deactivate an admin", "partner_manager", tandem.RoleAdmin, "", tandem.KindForbidden},
		{"partner manager cannot deactivate internal people", "partner_manager", tandem.RoleSales, "", tandem.KindForbidden},
		{"sales cannot deactivate", "sales", tandem.RoleViewer, "", tandem.KindForbidden},
		{"viewer cannot deactivate", "viewer", tandem.RolePartnerSeller, "own", tandem.KindForbidden},
		{"partner seller cannot deactivate", "partner_seller", tandem.RolePartnerMarketer, "own", tandem.KindForbidden},
		{"nobody has the id", "admin", "", "", tandem.KindNotFound},
	}
	o := newOrg(t, db)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := identity.User{ID: "usr_0000000000000000000000000z"}
			if c.role != "" {
				target, _ = o.member(t, fmt.Sprintf("target%d@acme.test", i), c.role, o.partnerID(c.partner))
			}
			actor := o.people[c.actor]
			before := o.state(t)
			_, err := o.svc.Deactivate(o.ctx, actor.Actor(), actor.Name, target.ID, "")
			wantKind(t, "Deactivate", err, c.want)
			if c.want == "" {
				if got := o.user(t, o.ws.ID, target.ID).Status; got != identity.Deactivated {
					t.Fatalf("status %s, want deactivated", got)
				}
				return
			}
			if after := o.state(t); after != before {
				t.Fatalf("a refused deactivation changed (users, outbox, audit) from %v to %v", before, after)
			}
			if c.role != "" && o.user(t, o.ws.ID, target.ID).Status != identity.Active {
				t.Fatal("a refused deactivation changed the person's status")
			}
		})
	}
}

func listUsersShowsPartnerAdminsOnlyTheirOwnPeople(t *testing.T, db *store.DB) {
	o := newOrg(t, db)
	o.invite(t, "seller@contoso.test", tandem.RolePartnerSeller, o.other)
	all, err := o.svc.ListUsers(o.ctx, o.admin.Actor())
	if err != nil || len(all) != 8 {
		t.Fatalf("admin lists %d people (%v), want 8", len(all), err)
	}
	own, err := o.svc.ListUsers(o.ctx, o.people["partner_admin"].Actor())
	if err != nil || len(own) != 3 {
		t.Fatalf("partner admin lists %d people (%v), want the 3 of their partner", len(own), err)
	}
	for _, u := range own {
		if u.PartnerID != o.own {
			t.Fatalf("partner admin sees %s of partner %q", u.Email, u.PartnerID)
		}
	}
	_, err = o.svc.ListUsers(o.ctx, policy.Actor{Kind: policy.ActorLink, WorkspaceID: o.ws.ID, PartnerID: o.own,
		Link: &policy.LinkGrant{LinkID: "l1", Kind: policy.Registrations, Action: policy.Create}})
	wantKind(t, "a link holder lists people", err, tandem.KindForbidden)
}
