package identity_test

import (
	"crypto/rand"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/platform/apitoken"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestAPITokens(t *testing.T) {
	checkAll(t, []behaviour{
		{"a created token authenticates with its role, scopes and partner", createdTokenAuthenticatesWithItsRoleScopesAndPartner},
		{"creators cannot give more than they may", createTokenRefusesWhatTheCreatorMayNotGive},
		{"revoked, unknown and malformed tokens are refused", authenticateTokenRefusesRevokedUnknownAndMalformedTokens},
		{"revoking is for those who may manage the token", revokeTokenIsForThoseWhoMayManageIt},
		{"each token is rate limited", eachTokenIsRateLimited},
	})
}

func createdTokenAuthenticatesWithItsRoleScopesAndPartner(t *testing.T, db *store.DB) {
	cases := []struct {
		name       string
		creator    string // a key of org.people, or "system"
		in         identity.NewToken
		wantRole   tandem.Role
		wantScopes string
		ofPartner  bool // the token acts for the creator's partner
	}{
		{"admin, with the creator's role and every scope", "admin", identity.NewToken{Name: "sync"}, tandem.RoleAdmin, policy.AllScopes().String(), false},
		{"admin, a lower role and two scopes", "admin", identity.NewToken{Name: "report", Role: tandem.RoleViewer, Scopes: "registrations:write  partners:read"},
			tandem.RoleViewer, "partners:read,registrations:write", false},
		{"partner admin, with their own role", "partner_admin", identity.NewToken{Name: "crm"}, tandem.RolePartnerAdmin, policy.AllScopes().String(), true},
		{"partner admin, a seller token", "partner_admin", identity.NewToken{Name: "deals", Role: tandem.RolePartnerSeller, Scopes: "registrations:write"},
			tandem.RolePartnerSeller, "registrations:write", true},
		{"the command line, any internal role", "system", identity.NewToken{Name: "setup", Role: tandem.RoleAdmin}, tandem.RoleAdmin, policy.AllScopes().String(), false},
	}
	o := newOrg(t, db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Advance(time.Hour)
			actor, creatorID := system(o.ws.ID), "system"
			if c.creator != "system" {
				actor, creatorID = o.people[c.creator].Actor(), o.people[c.creator].ID
			}
			tok, stored, err := o.svc.CreateToken(o.ctx, actor, "creator", c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tok, apitoken.Prefix+stored.ID+"_") || len(tok) != apitoken.TokenLen {
				t.Fatalf("token %q for id %s: want tdm_<id>_<secret>, %d characters", tok, stored.ID, apitoken.TokenLen)
			}
			wantPartner := ""
			if c.ofPartner {
				wantPartner = o.own
			}
			if stored.Role != c.wantRole || stored.Scopes != c.wantScopes || stored.PartnerID != wantPartner || stored.CreatedBy != creatorID ||
				!stored.CreatedAt.Equal(o.clock.Now()) || !stored.LastUsedAt.IsZero() || !stored.RevokedAt.IsZero() {
				t.Fatalf("created %+v", stored)
			}
			es := o.auditOf(t, o.ws.ID, "api_token.create")
			secret := tok[len(tok)-20:]
			if es[0].SubjectID != stored.ID || strings.Contains(es[0].Changes, secret) {
				t.Fatalf("audit entry %+v: want the token's id and never its secret", es[0])
			}

			o.clock.Advance(time.Minute)
			got, err := o.svc.AuthenticateToken(o.ctx, "Bearer "+tok)
			if err != nil {
				t.Fatal(err)
			}
			scopes, _ := apitoken.ParseScopes(c.wantScopes)
			want := policy.Actor{Kind: policy.ActorToken, WorkspaceID: o.ws.ID, UserID: creatorID, PartnerID: wantPartner, Role: c.wantRole, TokenID: stored.ID, Scopes: scopes}
			if got.Kind != want.Kind || got.WorkspaceID != want.WorkspaceID || got.UserID != want.UserID || got.PartnerID != want.PartnerID ||
				got.Role != want.Role || got.TokenID != want.TokenID || !maps.Equal(got.Scopes, want.Scopes) || got.Link != nil {
				t.Fatalf("actor\n%+v, want\n%+v", got, want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("the token's actor is not well formed: %v", err)
			}
			// The scheme is not case sensitive; using the token records when.
			if _, err := o.svc.AuthenticateToken(o.ctx, "bearer "+tok); err != nil {
				t.Fatalf("lower-case scheme: %v", err)
			}
			ts, err := store.Identity{DB: o.db}.ListTokens(o.ctx, o.ws.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ts, func(x identity.Token) bool { return x.ID == stored.ID })
			if i < 0 || !ts[i].LastUsedAt.Equal(o.clock.Now()) {
				t.Fatalf("stored token after use: %+v, want last used at %v", ts, o.clock.Now())
			}
		})
	}
}

func createTokenRefusesWhatTheCreatorMayNotGive(t *testing.T, db *store.DB) {
	cases := []struct {
		name    string
		creator string // a key of org.people, or "token" for an admin's API token
		in      identity.NewToken
		want    tandem.Kind
		fields  []string
	}{
		{"viewer", "viewer", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"sales", "sales", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"partner manager", "partner_manager", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"partner seller", "partner_seller", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"partner marketer", "partner_marketer", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"partner admin asks for the admin role", "partner_admin", identity.NewToken{Name: "x", Role: tandem.RoleAdmin}, tandem.KindForbidden, nil},
		{"partner admin asks for an internal role below theirs", "partner_admin", identity.NewToken{Name: "x", Role: tandem.RoleViewer}, tandem.KindForbidden, nil},
		{"an API token cannot make tokens", "token", identity.NewToken{Name: "x"}, tandem.KindForbidden, nil},
		{"admin asks for a partner role", "admin", identity.NewToken{Name: "x", Role: tandem.RolePartnerSeller}, tandem.KindInvalid, []string{"role"}},
		{"unknown role", "admin", identity.NewToken{Name: "x", Role: "root"}, tandem.KindInvalid, []string{"role"}},
		{"no name", "admin", identity.NewToken{Name: "  "}, tandem.KindInvalid, []string{"name"}},
		{"too long a name", "admin", identity.NewToken{Name: strings.Repeat("n", 101)}, tandem.KindInvalid, []string{"name"}},
		{"unknown access", "admin", identity.NewToken{Name: "x", Scopes: "partners:admin"}, tandem.KindInvalid, []string{"scopes"}},
		{"unknown area", "admin", identity.NewToken{Name: "x", Scopes: "nowhere:read"}, tandem.KindInvalid, []string{"scopes"}},
		{"a scope without access", "admin", identity.NewToken{Name: "x", Scopes: "partners"}, tandem.KindInvalid, []string{"scopes"}},
		{"only separators", "admin", identity.NewToken{Name: "x", Scopes: ",,"}, tandem.KindInvalid, []string{"scopes"}},
		{"name and scopes at once", "admin", identity.NewToken{Scopes: "partners:admin"}, tandem.KindInvalid, []string{"name", "scopes"}},
	}
	o := newOrg(t, db)
	tok, _, err := o.svc.CreateToken(o.ctx, o.admin.Actor(), o.admin.Name, identity.NewToken{Name: "admin script"})
	if err != nil {
		t.Fatal(err)
	}
	tokenActor, err := o.svc.AuthenticateToken(o.ctx, "Bearer "+tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			actor := tokenActor
			if c.creator != "token" {
				actor = o.people[c.creator].Actor()
			}
			before := o.state(t)
			_, _, err := o.svc.CreateToken(o.ctx, actor, "creator", c.in)
			wantKind(t, "CreateToken", err, c.want)
			if got := fieldPaths(err); !slices.Equal(got, c.fields) {
				t.Fatalf("fields %v, want %v (%v)", got, c.fields, err)
			}
			if after := o.state(t); after != before {
				t.Fatalf("a refused token changed (users, outbox, audit) from %v to %v", before, after)
			}
		})
	}
}

func authenticateTokenRefusesRevokedUnknownAndMalformedTokens(t *testing.T, db *store.DB) {
	o := newOrg(t, db)
	tok, stored, err := o.svc.CreateToken(o.ctx, o.admin.Actor(), o.admin.Name, identity.NewToken{Name: "to revoke"})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := apitoken.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	last := tok[len(tok)-1:]
	other := "a"
	if last == "a" {
		other = "b"
	}
	cases := []struct {
		name, header string
		message      string // a part of the error's message
	}{
		{"no header", "", "Authorization: Bearer tdm_"},
		{"only spaces", "   ", "Authorization: Bearer tdm_"},
		{"another scheme", "Basic YWRhOnNlY3JldA==", "Bearer scheme"},
		{"the token without a scheme", tok, "Bearer scheme"},
		{"a scheme and no token", "Bearer", "no token after Bearer"},
		{"a scheme and spaces", "Bearer    ", "no token after Bearer"},
		{"not a Tandem token", "Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789", `start with "tdm_"`},
		{"cut short", "Bearer " + tok[:len(tok)-1], "incomplete"},
		{"an extra character", "Bearer " + tok + "a", "incomplete"},
		{"in capitals", "Bearer " + strings.ToUpper(tok[:4]) + strings.ToUpper(tok[4:]), `start with "tdm_"`},
		{"a character outside the alphabet", "Bearer " + tok[:len(tok)-1] + "1", "characters that tokens never have"},
		{"the right id with a wrong secret", "Bearer " + tok[:len(tok)-1] + other, "not valid or has been revoked"},
		{"a well-formed token nobody made", "Bearer " + unknown.Token, "not valid or has been revoked"},
	}
	for _, c := range cases {
		_, err := o.svc.AuthenticateToken(o.ctx, c.header)
		if tandem.KindOf(err) != tandem.KindUnauthenticated || !strings.Contains(tandem.MessageOf(err), c.message) {
			t.Errorf("%s: %v (%s), want unauthenticated saying %q", c.name, err, tandem.KindOf(err), c.message)
		}
		if len(c.header) > 20 && strings.Contains(err.Error(), c.header[len(c.header)-20:]) {
			t.Errorf("%s: the error repeats the header: %v", c.name, err)
		}
	}
	if _, err := o.svc.AuthenticateToken(o.ctx, "Bearer "+tok); err != nil {
		t.Fatalf("the real token after the malformed ones: %v", err)
	}

	o.clock.Advance(time.Hour)
	if err := o.svc.RevokeToken(o.ctx, o.admin.Actor(), o.admin.Name, stored.ID); err != nil {
		t.Fatal(err)
	}
	_, err = o.svc.AuthenticateToken(o.ctx, "Bearer "+tok)
	wantKind(t, "a revoked token", err, tandem.KindUnauthenticated)
	if err := o.svc.RevokeToken(o.ctx, o.admin.Actor(), o.admin.Name, stored.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	es := o.auditOf(t, o.ws.ID, "api_token.revoke")
	if len(es) != 1 || es[0].SubjectID != stored.ID || es[0].ActorID != o.admin.ID {
		t.Fatalf("revocation audit entries %+v, want one", es)
	}
}

func revokeTokenIsForThoseWhoMayManageIt(t *testing.T, db *store.DB) {
	cases := []struct {
		name    string
		revoker string // a key of org.people, or "other partner admin"
		owner   string // who made the token: a key of org.people
		want    tandem.Kind
	}{
		{"admin revokes a partner's token", "admin", "partner_admin", ""},
		{"partner admin revokes their partner's token", "partner_admin", "partner_admin", ""},
		{"another partner's admin cannot see it", "other partner admin", "partner_admin", tandem.KindNotFound},
		{"partner admin cannot see an internal token", "partner_admin", "admin", tandem.KindNotFound},
		{"viewer cannot revoke", "viewer", "admin", tandem.KindForbidden},
		{"partner seller cannot revoke", "partner_seller", "partner_admin", tandem.KindForbidden},
	}
	o := newOrg(t, db)
	o.people["other partner admin"], _ = o.member(t, "admin@contoso.test", tandem.RolePartnerAdmin, o.other)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			owner, revoker := o.people[c.owner], o.people[c.revoker]
			tok, stored, err := o.svc.CreateToken(o.ctx, owner.Actor(), owner.Name, identity.NewToken{Name: c.name})
			if err != nil {
				t.Fatal(err)
			}
			err = o.svc.RevokeToken(o.ctx, revoker.Actor(), revoker.Name, stored.ID)
			wantKind(t, "RevokeToken", err, c.want)
			_, err = o.svc.AuthenticateToken(o.ctx, "Bearer "+tok)
			if revoked := err != nil; revoked != (c.want == "") {
				t.Fatalf("after RevokeToken the token authenticates with %v", err)
			}
		})
	}
	err := o.svc.RevokeToken(o.ctx, o.admin.Actor(), o.admin.Name, "abcdefghijklmnop")
	wantKind(t, "revoking a token nobody made", err, tandem.KindNotFound)

	// Partner admins list their own partner's tokens only.
	ts, err := o.svc.ListTokens(o.ctx, o.people["other partner admin"].Actor())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.PartnerID != o.other {
			t.Fatalf("another partner's admin lists token %s of partner %q", tk.ID, tk.PartnerID)
		}
	}
}

func eachTokenIsRateLimited(t *testing.T, db *store.DB) {
	e := setup(t, db)
	busy, _, err := e.svc.CreateToken(e.ctx, e.admin.Actor(), e.admin.Name, identity.NewToken{Name: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	calm, _, err := e.svc.CreateToken(e.ctx, e.admin.Actor(), e.admin.Name, identity.NewToken{Name: "calm"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		if _, err := e.svc.AuthenticateToken(e.ctx, "Bearer "+busy); err != nil {
			t.Fatalf("request %d in a burst: %v", i, err)
		}
	}
	_, err = e.svc.AuthenticateToken(e.ctx, "Bearer "+busy)
	wantKind(t, "request 101 in a burst", err, tandem.KindRateLimited)
	wait := tandem.RetryAfterOf(err)
	if wait <= 0 || wait > 5*time.Second {
		t.Fatalf("RetryAfter %v, want at most 5s", wait)
	}
	if _, err := e.svc.AuthenticateToken(e.ctx, "Bearer "+calm); err != nil {
		t.Fatalf("another token during the burst: %v", err)
	}
	e.clock.Advance(wait)
	if _, err := e.svc.AuthenticateToken(e.ctx, "Bearer "+busy); err != nil {
		t.Fatalf("after waiting RetryAfter: %v", err)
	}
}
