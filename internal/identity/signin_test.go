package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestRequestSignIn(t *testing.T) {
	checkAll(t, []behaviour{
		{"answers alike for known and unknown addresses", requestSignInAnswersAlikeForKnownAndUnknownAddresses},
		{"refuses malformed addresses, naming email", requestSignInRefusesMalformedAddressesNamingEmail},
		{"limits each address to five per quarter hour", requestSignInLimitsEachAddressToFivePerQuarterHour},
		{"limits each network to thirty per quarter hour", requestSignInLimitsEachNetworkToThirtyPerQuarterHour},
		{"sends nothing to deactivated people", requestSignInSendsNothingToDeactivatedPeople},
		{"sends one link per workspace of the address", requestSignInSendsOneLinkPerWorkspaceOfTheAddress},
		{"serves invited people who lost their invitation", requestSignInServesInvitedPeopleWhoLostTheirInvitation},
	})
}

func TestCompleteSignIn(t *testing.T) {
	checkAll(t, []behaviour{
		{"a link works once", signInLinkWorksOnce},
		{"concurrent uses of one link sign in once", concurrentUsesOfOneLinkSignInOnce},
		{"links expire", signInLinksExpire},
		{"tampered or garbled links are invalid", tamperedOrGarbledLinksAreInvalid},
		{"a deactivated person's links give no access", deactivatedPersonsLinksGiveNoAccess},
		{"signing in activates an invited person and is audited", signInActivatesInvitedPersonAndIsAudited},
	})
}

func requestSignInAnswersAlikeForKnownAndUnknownAddresses(t *testing.T, db *store.DB) {
	e := setup(t, db)
	before := e.outboxSize(t, e.ws.ID)

	errKnown := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "192.0.2.10")
	errUnknown := e.svc.RequestSignIn(e.ctx, "nobody@acme.test", "192.0.2.10")
	if errKnown != nil || errUnknown != nil {
		t.Fatalf("known address: %v; unknown address: %v; want nil for both", errKnown, errUnknown)
	}
	if got := e.outboxSize(t, e.ws.ID); got != before+1 {
		t.Fatalf("%d messages queued, want 1 (for the known address only)", got-before)
	}
	if links := e.mails(t, e.ws.ID, "ada@acme.test"); len(links) != 1 {
		t.Fatalf("%d links for the known address, want 1", len(links))
	}

	// Case and surrounding space do not matter.
	if err := e.svc.RequestSignIn(e.ctx, "  ADA@Acme.Test ", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	u, _, err := e.svc.CompleteSignIn(e.ctx, e.onlyMail(t, e.ws.ID, "ada@acme.test"), "192.0.2.10", "test")
	if err != nil || u.ID != e.admin.ID {
		t.Fatalf("sign in with the link sent to the address in capitals: %v, %v", u.ID, err)
	}
}

func requestSignInRefusesMalformedAddressesNamingEmail(t *testing.T, db *store.DB) {
	e := setup(t, db)
	before := e.outboxSize(t, e.ws.ID)
	for _, address := range []string{
		"",
		"ada",
		"ada@",
		"@acme.test",
		"Ada <ada@acme.test>",
		"ada@acme.test, bob@acme.test",
		"ada@acme.test\nbcc: eve@evil.test",
		strings.Repeat("a", 250) + "@acme.test",
	} {
		err := e.svc.RequestSignIn(e.ctx, address, "192.0.2.10")
		wantKind(t, fmt.Sprintf("address %q", address), err, tandem.KindInvalid)
		if got := fieldPaths(err); len(got) != 1 || got[0] != "email" {
			t.Errorf("address %q: fields %v, want [email]", address, got)
		}
	}
	if got := e.outboxSize(t, e.ws.ID); got != before {
		t.Fatalf("%d messages queued for malformed addresses", got-before)
	}
}

func requestSignInLimitsEachAddressToFivePerQuarterHour(t *testing.T, db *store.DB) {
	e := setup(t, db)
	for _, address := range []string{"ada@acme.test", "nobody@acme.test"} {
		for i := 1; i <= 5; i++ {
			// A different network each time, so only the address limit applies.
			if err := e.svc.RequestSignIn(e.ctx, address, fmt.Sprintf("192.0.2.%d", i)); err != nil {
				t.Fatalf("%s, request %d: %v", address, i, err)
			}
			e.clock.Advance(time.Second)
		}
		err := e.svc.RequestSignIn(e.ctx, address, "198.51.100.1")
		wantKind(t, address+", request 6 within 15 minutes", err, tandem.KindRateLimited)
		if d := tandem.RetryAfterOf(err); d <= 0 || d > 15*time.Minute {
			t.Fatalf("%s: RetryAfter %v, want between 0 and 15 minutes", address, d)
		}
	}
	if links := e.mails(t, e.ws.ID, "ada@acme.test"); len(links) != 5 {
		t.Fatalf("%d links sent, want 5 (the refused request sends none)", len(links))
	}

	// Another address is not held back by the first one's limit.
	if err := e.svc.RequestSignIn(e.ctx, "someone@acme.test", "198.51.100.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// Once the wait is over, the address may ask again.
	err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "198.51.100.1")
	wantKind(t, "still within the limit", err, tandem.KindRateLimited)
	e.clock.Advance(tandem.RetryAfterOf(err))
	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "198.51.100.1"); err != nil {
		t.Fatalf("after waiting RetryAfter: %v", err)
	}
}

func requestSignInLimitsEachNetworkToThirtyPerQuarterHour(t *testing.T, db *store.DB) {
	e := setup(t, db)
	for i := 1; i <= 30; i++ {
		if err := e.svc.RequestSignIn(e.ctx, fmt.Sprintf("person%d@acme.test", i), "203.0.113.9"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "203.0.113.9")
	wantKind(t, "request 31 from one network", err, tandem.KindRateLimited)
	if tandem.RetryAfterOf(err) <= 0 {
		t.Fatalf("RetryAfter %v, want > 0", tandem.RetryAfterOf(err))
	}
	if links := e.mails(t, e.ws.ID, "ada@acme.test"); len(links) != 0 {
		t.Fatalf("a refused request sent %d links", len(links))
	}
	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "203.0.113.10"); err != nil {
		t.Fatalf("the same address from another network: %v", err)
	}
}

func requestSignInSendsNothingToDeactivatedPeople(t *testing.T, db *store.DB) {
	e := setup(t, db)
	u, _ := e.member(t, "gone@acme.test", tandem.RoleSales, "")
	if _, err := e.svc.Deactivate(e.ctx, e.admin.Actor(), e.admin.Name, u.ID, "left the company"); err != nil {
		t.Fatal(err)
	}
	before := e.outboxSize(t, e.ws.ID)
	if err := e.svc.RequestSignIn(e.ctx, "gone@acme.test", "192.0.2.10"); err != nil {
		t.Fatalf("a deactivated address answers %v, want nil like any other", err)
	}
	if got := e.outboxSize(t, e.ws.ID); got != before {
		t.Fatalf("%d messages queued for a deactivated person", got-before)
	}
}

func requestSignInSendsOneLinkPerWorkspaceOfTheAddress(t *testing.T, db *store.DB) {
	e := setup(t, db)
	ws2, admin2, _ := e.newWorkspace(t, "globex", "hank@globex.test", "Hank")
	ada2, err := e.svc.Invite(e.ctx, admin2.Actor(), admin2.Name, identity.Invitation{Email: "ada@acme.test", Role: tandem.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	e.mails(t, ws2.ID, "ada@acme.test") // the invitation

	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	link1, link2 := e.onlyMail(t, e.ws.ID, "ada@acme.test"), e.onlyMail(t, ws2.ID, "ada@acme.test")

	// Each link belongs to its workspace: its secret under the other workspace's
	// id is not a link.
	_, secret1, _ := strings.Cut(link1, ".")
	if _, _, err := e.svc.CompleteSignIn(e.ctx, ws2.ID+"."+secret1, "192.0.2.10", "test"); !errors.Is(err, identity.ErrLinkInvalid) {
		t.Fatalf("a link's secret under another workspace: %v, want ErrLinkInvalid", err)
	}
	for _, c := range []struct {
		link string
		want identity.User
	}{{link1, e.admin}, {link2, ada2}} {
		u, _, err := e.svc.CompleteSignIn(e.ctx, c.link, "192.0.2.10", "test")
		if err != nil || u.ID != c.want.ID || u.WorkspaceID != c.want.WorkspaceID {
			t.Fatalf("link %s signed in %s of %s (%v), want %s of %s", c.link, u.ID, u.WorkspaceID, err, c.want.ID, c.want.WorkspaceID)
		}
	}
}

func requestSignInServesInvitedPeopleWhoLostTheirInvitation(t *testing.T, db *store.DB) {
	e := setup(t, db)
	invited, _ := e.invite(t, "new@acme.test", tandem.RoleSales, "")
	if err := e.svc.RequestSignIn(e.ctx, "new@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	u, _, err := e.svc.CompleteSignIn(e.ctx, e.onlyMail(t, e.ws.ID, "new@acme.test"), "192.0.2.10", "test")
	if err != nil || u.ID != invited.ID || u.Status != identity.Active {
		t.Fatalf("signed in %s (%s, %v), want %s active", u.ID, u.Status, err, invited.ID)
	}
}

func signInLinkWorksOnce(t *testing.T, db *store.DB) {
	e := setup(t, db)
	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	link := e.onlyMail(t, e.ws.ID, "ada@acme.test")
	u, sess, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test")
	if err != nil || u.ID != e.admin.ID || sess == "" {
		t.Fatalf("first use: %v, %q, %v", u.ID, sess, err)
	}
	e.clock.Advance(time.Second)
	if _, _, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test"); !errors.Is(err, identity.ErrLinkUsed) {
		t.Fatalf("second use: %v, want ErrLinkUsed", err)
	}
	if got := len(e.auditOf(t, e.ws.ID, "user.sign_in")); got != 2 { // the invitation and this link
		t.Fatalf("%d sign-in audit entries, want 2: the refused use writes none", got)
	}
	if _, _, err := e.svc.Authenticate(e.ctx, sess); err != nil {
		t.Fatalf("the session the link started: %v", err)
	}
}

func concurrentUsesOfOneLinkSignInOnce(t *testing.T, db *store.DB) {
	e := setup(t, db)
	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	link := e.onlyMail(t, e.ws.ID, "ada@acme.test")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, _, errs[i] = e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, identity.ErrLinkUsed):
			t.Errorf("concurrent use: %v, want nil or ErrLinkUsed", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent uses signed in, want exactly 1", ok, n)
	}
}

func signInLinksExpire(t *testing.T, db *store.DB) {
	cases := []struct {
		name       string
		invitation bool // an invitation link rather than a requested sign-in link
		age        time.Duration
		want       error
	}{
		{"sign-in link one second before 15 minutes", false, identity.SignInLinkTTL - time.Second, nil},
		{"sign-in link at exactly 15 minutes", false, identity.SignInLinkTTL, identity.ErrLinkExpired},
		{"sign-in link a day old", false, 24 * time.Hour, identity.ErrLinkExpired},
		{"invitation a day old", true, 24 * time.Hour, nil},
		{"invitation one second before 7 days", true, identity.InvitationTTL - time.Second, nil},
		{"invitation at exactly 7 days", true, identity.InvitationTTL, identity.ErrLinkExpired},
	}
	e := setup(t, db)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(t0.Add(time.Duration(i+1) * 30 * 24 * time.Hour))
			address := fmt.Sprintf("p%d@acme.test", i)
			u, link := e.invite(t, address, tandem.RoleSales, "")
			if !c.invitation {
				if _, _, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test"); err != nil {
					t.Fatal(err)
				}
				if err := e.svc.RequestSignIn(e.ctx, address, "192.0.2.10"); err != nil {
					t.Fatal(err)
				}
				link = e.onlyMail(t, e.ws.ID, address)
			}
			e.clock.Advance(c.age)
			got, _, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test")
			if !errors.Is(err, c.want) || (c.want == nil && got.ID != u.ID) {
				t.Fatalf("CompleteSignIn after %v: %s, %v; want %v", c.age, got.ID, err, c.want)
			}
			if c.want != nil && c.invitation && e.user(t, e.ws.ID, u.ID).Status != identity.Invited {
				t.Fatal("an expired invitation changed the person's status")
			}
		})
	}
}

func tamperedOrGarbledLinksAreInvalid(t *testing.T, db *store.DB) {
	e := setup(t, db)
	if err := e.svc.RequestSignIn(e.ctx, "ada@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	link := e.onlyMail(t, e.ws.ID, "ada@acme.test")
	ws, secret, _ := strings.Cut(link, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := []struct{ name, token string }{
		{"one character of the secret changed", ws + "." + flip(secret, len(secret)-1)},
		{"first character of the secret changed", ws + "." + flip(secret, 0)},
		{"secret cut short", link[:len(link)-1]},
		{"secret with an extra character", link + "a"},
		{"secret in capitals", ws + "." + strings.ToUpper(secret)},
		{"characters outside the alphabet", ws + "." + strings.Repeat("1", len(secret))},
		{"another workspace", "ws_00000000000000000000000000." + secret},
		{"workspace changed", flip(ws, len(ws)-1) + "." + secret},
		{"no workspace", "." + secret},
		{"no separator", ws + secret},
		{"secret only", secret},
		{"empty", ""},
		{"a link with a trailing slash", link + "/"},
		{"percent-encoded", strings.ReplaceAll(link, ".", "%2E")},
		{"an overlong workspace", strings.Repeat("w", 65) + "." + secret},
	}
	for _, c := range cases {
		if _, _, err := e.svc.CompleteSignIn(e.ctx, c.token, "192.0.2.10", "test"); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Errorf("%s (%q): %v, want ErrLinkInvalid", c.name, c.token, err)
		}
	}
	// Nothing above used the real link up.
	if _, _, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test"); err != nil {
		t.Fatalf("the untouched link after the tampered ones: %v", err)
	}
}

func deactivatedPersonsLinksGiveNoAccess(t *testing.T, db *store.DB) {
	e := setup(t, db)
	u, invitation := e.invite(t, "gone@acme.test", tandem.RoleSales, "")
	if err := e.svc.RequestSignIn(e.ctx, "gone@acme.test", "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	signin := e.onlyMail(t, e.ws.ID, "gone@acme.test")
	if _, err := e.svc.Deactivate(e.ctx, e.admin.Actor(), e.admin.Name, u.ID, "invited by mistake"); err != nil {
		t.Fatal(err)
	}
	for name, link := range map[string]string{"invitation": invitation, "sign-in link": signin} {
		if _, _, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.10", "test"); !errors.Is(err, identity.ErrNoAccess) {
			t.Errorf("%s of a deactivated person: %v, want ErrNoAccess", name, err)
		}
	}
	if got := e.user(t, e.ws.ID, u.ID).Status; got != identity.Deactivated {
		t.Fatalf("status after the refused links: %s, want deactivated", got)
	}
}

func signInActivatesInvitedPersonAndIsAudited(t *testing.T, db *store.DB) {
	e := setup(t, db)
	p := e.partner(t, e.ws.ID, "Northwind")
	cases := []struct {
		name      string
		role      tandem.Role
		partnerID string
		actorType string
	}{
		{"internal user", tandem.RoleSales, "", "user"},
		{"partner user", tandem.RolePartnerSeller, p, "partner_user"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Advance(time.Hour)
			address := fmt.Sprintf("new%d@acme.test", i)
			invited, link := e.invite(t, address, c.role, c.partnerID)
			if invited.Status != identity.Invited || !invited.LastSignInAt.IsZero() {
				t.Fatalf("invited person: status %s, last sign-in %v", invited.Status, invited.LastSignInAt)
			}
			e.clock.Advance(time.Hour)
			now := e.clock.Now()
			ctx := reqid.With(context.Background(), "req-signin")
			u, _, err := e.svc.CompleteSignIn(ctx, link, "198.51.100.7", "Mozilla/5.0")
			if err != nil {
				t.Fatal(err)
			}
			stored := e.user(t, e.ws.ID, invited.ID)
			for _, got := range []identity.User{u, stored} {
				if got.Status != identity.Active || !got.LastSignInAt.Equal(now) {
					t.Fatalf("after sign-in: status %s, last sign-in %v; want active at %v", got.Status, got.LastSignInAt, now)
				}
			}
			es := e.auditOf(t, e.ws.ID, "user.sign_in")
			a := es[0]
			if a.ActorType != c.actorType || a.ActorID != u.ID || a.ActorName != u.Name || a.SubjectType != "user" || a.SubjectID != u.ID ||
				!a.At.Equal(now) || a.IP != "198.51.100.7" || a.RequestID != "req-signin" {
				t.Fatalf("audit entry %+v", a)
			}
		})
	}
}
