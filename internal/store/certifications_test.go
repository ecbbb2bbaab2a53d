package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestCertificationsRecordRevokeCountAndRemind runs the certification records over
// real rows on both engines: the catalogue, a person's and an organisation's
// certifications with their computed expiry, revocation, the valid keys the
// registration rules read, and expiry reminders sent once per expiry.
func TestCertificationsRecordRevokeCountAndRemind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		clock := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
		svc := &certification.Service{Store: store.Certifications{DB: db}, Now: func() time.Time { return clock }}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		manager := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000001", Role: tandem.RolePartnerManager}
		const p0, p1 = "prt_demo000000", "prt_demo000001"
		if _, err := db.SQL().ExecContext(ctx, `UPDATE partners SET owner_user_id = 'usr_demo000001' WHERE workspace_id = $1 AND id = $2`, ws.ID, p0); err != nil {
			t.Fatal(err)
		}

		// Until the workspace defines a certification, tier reviews do not track them.
		if tracked, err := (store.Program{DB: db}).CertificationsTracked(ctx, ws.ID); err != nil || tracked {
			t.Fatalf("empty catalogue tracked: %v, %v", tracked, err)
		}
		if _, err := svc.CreateDefinition(ctx, manager, "Paul", certification.DefinitionInput{Key: "resale_pro", Name: "Resale Pro"}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a partner manager changed the catalogue: %v", err)
		}
		if _, err := svc.CreateDefinition(ctx, admin, "Ada", certification.DefinitionInput{Key: "resale_pro", Name: "Resale Pro", ValidityMonths: 12, Motion: tandem.MotionResale}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateDefinition(ctx, admin, "Ada", certification.DefinitionInput{Key: "cloud_core", Name: "Cloud Core"}); err != nil {
			t.Fatal(err)
		}
		if tracked, err := (store.Program{DB: db}).CertificationsTracked(ctx, ws.ID); err != nil || !tracked {
			t.Fatalf("catalogue of two not tracked: %v, %v", tracked, err)
		}
		if tracked, _ := (store.Program{DB: db}).CertificationsTracked(ctx, "ws_other"); tracked {
			t.Fatal("another workspace's catalogue counted")
		}
		if _, err := svc.CreateDefinition(ctx, admin, "Ada", certification.DefinitionInput{Key: "resale_pro", Name: "Again"}); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("a duplicate key was accepted: %v", err)
		}
		cat, err := svc.Catalogue(ctx, manager)
		if err != nil || len(cat) != 2 || cat[0].Name != "Cloud Core" || cat[1].Motion != tandem.MotionResale {
			t.Fatalf("catalogue: %+v, %v", cat, err)
		}

		// A person of p0 earned Resale Pro eleven months ago: it expires in a month.
		person, err := svc.Record(ctx, manager, "Paul", p0, certification.RecordInput{Key: "resale_pro", ContactID: "con_demo010000",
			EarnedOn: "2024-07-01", Evidence: "exam 4411"})
		if err != nil {
			t.Fatal(err)
		}
		if certification.FormatDate(person.ExpiresOn) != "2025-07-01" || person.HolderName == "" {
			t.Fatalf("recorded: %+v", person)
		}
		// The organisation p1 holds Cloud Core, which never expires.
		if _, err := svc.Record(ctx, manager, "Paul", p1, certification.RecordInput{Key: "cloud_core"}); err != nil {
			t.Fatal(err)
		}
		// Someone else's person, an unknown key: refused, naming the field.
		_, err = svc.Record(ctx, manager, "Paul", p1, certification.RecordInput{Key: "resale_pro", ContactID: "con_demo010000"})
		if fs := tandem.FieldsOf(err); len(fs) != 1 || fs[0].Path != "contact_id" {
			t.Fatalf("another partner's contact: %v", err)
		}
		if _, err := svc.Record(ctx, manager, "Paul", p1, certification.RecordInput{Key: "nope"}); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("unknown key: %v", err)
		}

		keys, err := svc.ValidKeys(ctx, ws.ID, []string{p0, p1, "prt_demo000002"}, clock)
		if err != nil || strings.Join(keys[p0], ",") != "resale_pro" || strings.Join(keys[p1], ",") != "cloud_core" || len(keys["prt_demo000002"]) != 0 {
			t.Fatalf("valid keys: %v, %v", keys, err)
		}
		// Tier reviews count them: the person's for its organisation.
		m, err := (store.Program{DB: db}).MeasurePartners(ctx, ws.ID, ws.Currency, clock)
		if err != nil || m[p0].Certifications != 1 || m[p1].Certifications != 1 || m["prt_demo000002"].Certifications != 0 {
			t.Fatalf("tier measures: %+v, %v", m, err)
		}
		held, err := svc.ForPartner(ctx, manager, p0)
		if err != nil || len(held) != 1 || held[0].Name != "Resale Pro" || held[0].Evidence != "exam 4411" {
			t.Fatalf("p0's certifications: %+v, %v", held, err)
		}

		// A partner user sees its own organisation's, never another's.
		sam := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: ws.ID, UserID: "usr_demo000003", Role: tandem.RolePartnerAdmin, PartnerID: p0}
		if own, err := svc.ForPartner(ctx, sam, p0); err != nil || len(own) != 1 {
			t.Fatalf("own certifications: %v, %v", own, err)
		}
		if _, err := svc.ForPartner(ctx, sam, p1); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("another partner's certifications: %v", err)
		}
		if _, err := svc.Record(ctx, sam, "Sam", p0, certification.RecordInput{Key: "cloud_core"}); tandem.KindOf(err) == "" {
			t.Fatal("a partner recorded its own certification")
		}

		// Reminders: 30 days before the expiry of 1 July, once.
		clock = time.Date(2025, 5, 31, 23, 0, 0, 0, time.UTC)
		if n, err := svc.Remind(ctx, ws.ID); err != nil || n != 0 {
			t.Fatalf("reminders 31 days before expiry: %d, %v", n, err)
		}
		clock = time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC)
		if n, err := svc.Remind(ctx, ws.ID); err != nil || n != 1 {
			t.Fatalf("reminders 30 days before expiry: %d, %v", n, err)
		}
		if n, err := svc.Remind(ctx, ws.ID); err != nil || n != 0 {
			t.Fatalf("second run: %d reminders, %v", n, err)
		}
		notes := store.Notifications{DB: db}
		for _, uid := range []string{"usr_demo000003", "usr_demo000001"} { // the partner admin and the partner manager
			ns, err := notes.ListNotifications(ctx, ws.ID, uid, 10)
			if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Body, "Resale Pro") || !strings.Contains(ns[0].Body, "1 July 2025") {
				t.Fatalf("notifications of %s: %+v, %v", uid, ns, err)
			}
		}
		if ns, _ := notes.ListNotifications(ctx, ws.ID, "usr_demo000004", 10); len(ns) != 0 {
			t.Fatalf("a partner seller was reminded: %+v", ns)
		}

		// Revocation stops it counting at once, and happens once.
		if _, err := svc.Revoke(ctx, manager, "Paul", p0, person.ID, ""); tandem.KindOf(err) != tandem.KindInvalid {
			t.Fatalf("revoked without a reason: %v", err)
		}
		if _, err := svc.Revoke(ctx, manager, "Paul", p1, person.ID, "wrong partner"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("revoked through another partner: %v", err)
		}
		if _, err := svc.Revoke(ctx, manager, "Paul", p0, person.ID, "exam voided"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Revoke(ctx, manager, "Paul", p0, person.ID, "again"); tandem.KindOf(err) != tandem.KindConflict {
			t.Fatalf("revoked twice: %v", err)
		}
		if keys, _ := svc.ValidKeys(ctx, ws.ID, []string{p0}, clock); len(keys[p0]) != 0 {
			t.Fatalf("a revoked certification still counts: %v", keys)
		}
		if m, _ := (store.Program{DB: db}).MeasurePartners(ctx, ws.ID, ws.Currency, clock); m[p0].Certifications != 0 {
			t.Fatalf("a revoked certification still counts for the tier: %+v", m[p0])
		}

		// Every change is in the audit log.
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE workspace_id = $1 AND action LIKE 'certification.%'`, ws.ID).Scan(&n); err != nil || n != 6 {
			t.Fatalf("audit entries: %d, %v", n, err)
		}
	})
}
