package actionlink_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/actionlink"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/platform/signedlink"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

type fixture struct {
	svc     *actionlink.Service
	db      *store.DB
	clock   *time.Time
	manager policy.Actor
	ws      string
}

func setup(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ws := workspace.Workspace{ID: "ws_1", Slug: "one", Name: "One", TimeZone: "UTC", Currency: "EUR", CreatedAt: clock, UpdatedAt: clock}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := db.CreateWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		for _, id := range []string{"prt_p", "prt_q"} {
			if err := db.CreatePartner(ctx, tx, partner.Partner{WorkspaceID: ws.ID, ID: id, Name: id, Lifecycle: partner.Active, CreatedAt: clock, UpdatedAt: clock}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := signedlink.NewKeyring(signedlink.Key{ID: "k1", Secret: []byte(strings.Repeat("s", 32))})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{db: db, clock: &clock, ws: ws.ID,
		manager: policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_pm", Role: tandem.RolePartnerManager}}
	f.svc = &actionlink.Service{Store: store.ActionLinks{DB: db}, Keys: keys, Now: func() time.Time { return *f.clock }, BaseURL: "https://t.example"}
	return f
}

func (f fixture) issue(t *testing.T, maxUses int) (string, signedlink.Claims) {
	t.Helper()
	u, c, err := f.svc.Issue(context.Background(), f.manager, "Paul", "/l/", signedlink.Grant{Action: "registration.create", Subject: "prt_p",
		ExpiresAt: f.clock.Add(7 * 24 * time.Hour), MaxUses: maxUses})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://t.example/l/") {
		t.Fatalf("url %q", u)
	}
	return strings.TrimPrefix(u, "https://t.example/l/"), c
}

func reason(err error) signedlink.Reason {
	var e *signedlink.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestALinkActsForItsPartnerOnlyUntilItExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		token, claims := f.issue(t, 0)
		_, actor, err := f.svc.Check(ctx, token, "registration.create")
		if err != nil {
			t.Fatal(err)
		}
		if actor.Kind != policy.ActorLink || actor.PartnerID != "prt_p" || actor.Link.LinkID != claims.LinkID {
			t.Fatalf("actor %+v", actor)
		}
		if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Registrations, WorkspaceID: f.ws, Partners: []string{"prt_p"}}); err != nil {
			t.Fatalf("the link may not do what it grants: %v", err)
		}
		if err := policy.Authorize(actor, policy.Create, policy.Resource{Kind: policy.Registrations, WorkspaceID: f.ws, Partners: []string{"prt_q"}}); err == nil {
			t.Fatal("the link acted for another partner")
		}
		if _, _, err := f.svc.Check(ctx, token, "announcement.ack"); err == nil {
			t.Fatal("the link was accepted for another action")
		}
		tampered := token[:len(token)-3] + "AAA"
		if _, _, err := f.svc.Check(ctx, tampered, "registration.create"); err == nil {
			t.Fatal("a tampered link was accepted")
		}
		*f.clock = f.clock.Add(7*24*time.Hour - time.Second)
		if _, _, err := f.svc.Check(ctx, token, "registration.create"); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		*f.clock = f.clock.Add(time.Second)
		if _, _, err := f.svc.Check(ctx, token, "registration.create"); reason(err) != signedlink.Expired {
			t.Fatalf("at expiry: %v", err)
		}
	})
}

func TestUsesAreCountedAndRevocationIsImmediate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		token, claims := f.issue(t, 1)
		use := func() error {
			return db.Tx(ctx, func(tx *sql.Tx) error { return db.UseActionLink(ctx, tx, f.ws, claims.LinkID, *f.clock) })
		}
		if err := use(); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if err := use(); reason(err) != signedlink.UsedUp {
			t.Fatalf("second use of a single-use link: %v", err)
		}
		if _, _, err := f.svc.Check(ctx, token, "registration.create"); reason(err) != signedlink.UsedUp {
			t.Fatalf("checking a used-up link: %v", err)
		}
		// A use inside a transaction that fails is not counted.
		token2, claims2 := f.issue(t, 1)
		_ = db.Tx(ctx, func(tx *sql.Tx) error {
			if err := db.UseActionLink(ctx, tx, f.ws, claims2.LinkID, *f.clock); err != nil {
				return err
			}
			return errors.New("the registration failed")
		})
		if _, _, err := f.svc.Check(ctx, token2, "registration.create"); err != nil {
			t.Fatalf("a use in a rolled-back transaction was counted: %v", err)
		}
		if err := f.svc.Revoke(ctx, f.manager, "Paul", claims2.LinkID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Check(ctx, token2, "registration.create"); reason(err) != signedlink.Revoked {
			t.Fatalf("revoked link: %v", err)
		}
		es, _, err := db.ListAudit(ctx, f.ws, auditFilter("action_link.revoke"), store.Page{Limit: 10})
		if err != nil || len(es) != 1 || es[0].SubjectID != claims2.LinkID {
			t.Fatalf("revocation audit: %+v %v", es, err)
		}
	})
}

func TestOnlyThoseWhoMayActMayIssue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		g := signedlink.Grant{Action: "registration.create", Subject: "prt_p", ExpiresAt: f.clock.Add(time.Hour)}
		viewer := policy.Actor{Kind: policy.ActorUser, WorkspaceID: f.ws, UserID: "usr_v", Role: tandem.RoleViewer}
		if _, _, err := f.svc.Issue(ctx, viewer, "V", "/l/", g); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("viewer issued a registration link: %v", err)
		}
		otherPartner := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: f.ws, UserID: "usr_q", PartnerID: "prt_q", Role: tandem.RolePartnerAdmin}
		if _, _, err := f.svc.Issue(ctx, otherPartner, "Q", "/l/", g); err == nil {
			t.Fatal("a partner issued a link acting for another partner")
		}
		bad := signedlink.Grant{Action: "partner.delete", Subject: "", ExpiresAt: f.clock.Add(-time.Hour), MaxUses: -1}
		_, _, err := f.svc.Issue(ctx, f.manager, "Paul", "/l/", bad)
		var paths []string
		for _, fe := range tandem.FieldsOf(err) {
			paths = append(paths, fe.Path)
		}
		if strings.Join(paths, ",") != "action,subject,expires_at,max_uses" {
			t.Fatalf("every problem must be named at once: %v (%v)", paths, err)
		}
	})
}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action} }
