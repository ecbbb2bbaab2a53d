package identity_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

func TestSessions(t *testing.T) {
	checkAll(t, []behaviour{
		{"end after idle and absolute timeouts", sessionsEndAfterIdleAndAbsoluteTimeouts},
		{"garbled session tokens are refused", authenticateRefusesGarbledSessionTokens},
		{"signing out ends that session only", signOutEndsThatSessionOnly},
		{"signing out everywhere ends only the actor's sessions", signOutEverywhereEndsOnlyTheActorsSessions},
	})
}

const day = 24 * time.Hour

// signIn starts another session for an existing person through a requested link, on
// a service of its own so that the sign-in limits do not get in the way.
func (e *env) signIn(t *testing.T, wsID, address string) string {
	t.Helper()
	if err := e.newService().RequestSignIn(e.ctx, address, "192.0.2.20"); err != nil {
		t.Fatal(err)
	}
	_, sess, err := e.svc.CompleteSignIn(e.ctx, e.onlyMail(t, wsID, address), "192.0.2.20", "test")
	if err != nil {
		t.Fatalf("sign %s in: %v", address, err)
	}
	return sess
}

func sessionsEndAfterIdleAndAbsoluteTimeouts(t *testing.T, db *store.DB) {
	cases := []struct {
		name     string
		activity []time.Duration // when the session is used, after sign-in
		at       time.Duration   // when it is checked, after sign-in
		alive    bool
	}{
		{"used a second before 7 idle days", nil, 7*day - time.Second, true},
		{"idle for 7 days and a second", nil, 7*day + time.Second, false},
		{"activity restarts the idle window", []time.Duration{6 * day}, 13*day - time.Second, true},
		{"idle too long after the last activity", []time.Duration{6 * day}, 13*day + time.Second, false},
		{"kept busy until a second before 30 days", []time.Duration{6 * day, 12 * day, 18 * day, 24 * day}, 30*day - time.Second, true},
		{"kept busy past 30 days", []time.Duration{6 * day, 12 * day, 18 * day, 24 * day, 29 * day}, 30*day + time.Second, false},
	}
	e := setup(t, db)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := t0.Add(time.Duration(i+1) * 100 * day)
			e.clock.Set(start)
			u, sess := e.member(t, fmt.Sprintf("p%d@acme.test", i), tandem.RoleSales, "")
			for _, d := range c.activity {
				e.clock.Set(start.Add(d))
				if _, _, err := e.svc.Authenticate(e.ctx, sess); err != nil {
					t.Fatalf("activity at %v: %v", d, err)
				}
			}
			e.clock.Set(start.Add(c.at))
			got, s, err := e.svc.Authenticate(e.ctx, sess)
			if c.alive {
				if err != nil || got.ID != u.ID || s.UserID != u.ID || !s.ExpiresAt.Equal(start.Add(30*day)) {
					t.Fatalf("session at %v: user %s, session %+v, %v; want alive, ending at %v", c.at, got.ID, s, err, start.Add(30*day))
				}
				return
			}
			wantKind(t, fmt.Sprintf("session at %v", c.at), err, tandem.KindUnauthenticated)
			// An ended session is gone: turning the clock back does not revive it.
			e.clock.Set(start.Add(time.Minute))
			_, _, err = e.svc.Authenticate(e.ctx, sess)
			wantKind(t, "an ended session later", err, tandem.KindUnauthenticated)
		})
	}
}

func authenticateRefusesGarbledSessionTokens(t *testing.T, db *store.DB) {
	e := setup(t, db)
	sess := e.signIn(t, e.ws.ID, "ada@acme.test")
	for _, token := range []string{"", "nonsense", sess + "a", sess[:len(sess)-1], e.ws.ID + ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		_, _, err := e.svc.Authenticate(e.ctx, token)
		wantKind(t, fmt.Sprintf("token %q", token), err, tandem.KindUnauthenticated)
	}
	if _, _, err := e.svc.Authenticate(e.ctx, sess); err != nil {
		t.Fatalf("the real session: %v", err)
	}
}

func signOutEndsThatSessionOnly(t *testing.T, db *store.DB) {
	e := setup(t, db)
	laptop, phone := e.signIn(t, e.ws.ID, "ada@acme.test"), e.signIn(t, e.ws.ID, "ada@acme.test")
	if err := e.svc.SignOut(e.ctx, laptop); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.svc.Authenticate(e.ctx, laptop)
	wantKind(t, "the signed-out session", err, tandem.KindUnauthenticated)
	if _, _, err := e.svc.Authenticate(e.ctx, phone); err != nil {
		t.Fatalf("the other session: %v", err)
	}
	for _, token := range []string{"", "nonsense", laptop} {
		if err := e.svc.SignOut(e.ctx, token); err != nil {
			t.Errorf("signing out %q again: %v, want nil", token, err)
		}
	}
}

func signOutEverywhereEndsOnlyTheActorsSessions(t *testing.T, db *store.DB) {
	e := setup(t, db)
	bea, beaFirst := e.member(t, "bea@acme.test", tandem.RoleSales, "")
	beaSecond := e.signIn(t, e.ws.ID, "bea@acme.test")
	adaSession := e.signIn(t, e.ws.ID, "ada@acme.test")

	if err := e.svc.SignOutEverywhere(e.ctx, bea.Actor(), bea.Name); err != nil {
		t.Fatal(err)
	}
	for _, sess := range []string{beaFirst, beaSecond} {
		_, _, err := e.svc.Authenticate(e.ctx, sess)
		wantKind(t, "Bea's session after signing out everywhere", err, tandem.KindUnauthenticated)
	}
	if _, _, err := e.svc.Authenticate(e.ctx, adaSession); err != nil {
		t.Fatalf("someone else's session: %v", err)
	}
	es := e.auditOf(t, e.ws.ID, "user.sign_out_everywhere")
	if len(es) != 1 || es[0].ActorID != bea.ID || es[0].SubjectID != bea.ID {
		t.Fatalf("audit entries %+v, want one by and about Bea", es)
	}

	err := e.svc.SignOutEverywhere(e.ctx, system(e.ws.ID), "cron")
	wantKind(t, "sign out everywhere as the system", err, tandem.KindForbidden)
}
