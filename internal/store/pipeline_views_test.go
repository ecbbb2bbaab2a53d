package store_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// TestPipelineViews: saved pipeline views are kept per person and workspace, a name
// is unique per person, only the filters are kept, and saving and deleting are
// audited; another person's private view cannot be deleted, nor seen; a shared one is
// seen by all and deleted by its owner or an admin.
func TestPipelineViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ws, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		views := &pipeline.Views{Store: store.Pipeline{DB: db}, Now: func() time.Time { return t0 }}
		paul := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000002", Role: tandem.RolePartnerManager}
		ada := paul
		ada.UserID = "usr_demo000001"

		board, err := views.Save(ctx, paul, "Paul", "Resale board", url.Values{"view": {"board"}, "motion": {"resale"}, "after": {"opp_x"}, "junk": {"1"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if board.Query != "motion=resale&view=board" || !board.Board() {
			t.Errorf("saved query %q", board.Query)
		}
		if _, err := views.Save(ctx, paul, "Paul", "Attention", url.Values{"attention": {"stale"}, "owner": {"usr_demo000002"}}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := views.Save(ctx, paul, "Paul", "resale BOARD", url.Values{"status": {"open"}}, false); tandem.KindOf(err) != tandem.KindInvalid ||
			tandem.FieldsOf(err)[0].Path != "name" {
			t.Errorf("a second view with the same name: %v", err)
		}
		_, err = views.Save(ctx, paul, "Paul", "", url.Values{"status": {"maybe"}, "motion": {"telepathy"}}, false)
		if got := tandem.FieldsOf(err); len(got) != 3 {
			t.Errorf("a bad view: %v", got)
		}
		if _, err := views.Save(ctx, ada, "Ada", "Resale board", url.Values{"motion": {"resale"}}, false); err != nil {
			t.Errorf("another person may use the same name: %v", err)
		}

		mine, err := views.List(ctx, paul)
		if err != nil || len(mine) != 2 || mine[0].Name != "Attention" || mine[1].ID != board.ID {
			t.Fatalf("Paul's views: %+v, %v", mine, err)
		}
		other := paul
		other.WorkspaceID = "ws_other"
		if vs, err := views.List(ctx, other); err != nil || len(vs) != 0 {
			t.Errorf("views of another workspace: %v, %v", vs, err)
		}
		if err := views.Delete(ctx, ada, "Ada", board.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Errorf("Ada deleting Paul's view: %v", err)
		}
		if err := views.Delete(ctx, paul, "Paul", board.ID); err != nil {
			t.Fatal(err)
		}
		if vs, _ := views.List(ctx, paul); len(vs) != 1 {
			t.Errorf("after the delete: %+v", vs)
		}
		if err := views.Delete(ctx, paul, "Paul", board.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Errorf("deleting it twice: %v", err)
		}

		es, _, err := db.ListAudit(ctx, ws.ID, audit.Filter{SubjectID: board.ID}, store.Page{Limit: 10})
		if err != nil || len(es) != 2 {
			t.Fatalf("audit of the view: %+v, %v", es, err)
		}
		actions := map[string]bool{es[0].Action: true, es[1].Action: true}
		if !actions["pipeline_view.create"] || !actions["pipeline_view.delete"] || es[0].ActorID != "usr_demo000002" {
			t.Errorf("audit entries: %+v", es)
		}

		// A shared view: everyone on the vendor's side sees it with its owner's name,
		// after their own; only its owner or an admin deletes it.
		team, err := views.Save(ctx, ada, "Ada", "Team renewals", url.Values{"status": {"open"}}, true)
		if err != nil {
			t.Fatal(err)
		}
		seen, err := views.List(ctx, paul)
		if err != nil || len(seen) != 2 || seen[0].UserID != paul.UserID || seen[1].ID != team.ID || !seen[1].Shared || seen[1].OwnerName == "" {
			t.Fatalf("Paul's views with Ada's shared one: %+v, %v", seen, err)
		}
		if _, err := views.Save(ctx, paul, "Paul", "Team renewals", url.Values{"status": {"won"}}, false); err != nil {
			t.Errorf("a name another person shared is still free for Paul: %v", err)
		}
		if err := views.Delete(ctx, paul, "Paul", team.ID); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("Paul deleting Ada's shared view: %v", err)
		}
		admin := policy.Actor{Kind: policy.ActorUser, WorkspaceID: ws.ID, UserID: "usr_demo000000", Role: tandem.RoleAdmin}
		if err := views.Delete(ctx, admin, "Alex", team.ID); err != nil {
			t.Errorf("an admin deleting a shared view: %v", err)
		}
		if vs, _ := views.List(ctx, ada); len(vs) != 1 || vs[0].Name != "Resale board" {
			t.Errorf("Ada's views after an admin deleted her shared one: %+v", vs)
		}

		sam := policy.Actor{Kind: policy.ActorPartnerUser, WorkspaceID: ws.ID, UserID: "usr_demo000010", PartnerID: "prt_demo000000", Role: tandem.RolePartnerAdmin}
		if _, err := views.Save(ctx, sam, "Sam", "Mine", url.Values{}, false); tandem.KindOf(err) != tandem.KindForbidden {
			t.Errorf("a partner saving a pipeline view: %v", err)
		}
	})
}
