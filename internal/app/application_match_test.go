package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Accepting an application that matched an existing partner never makes a stranger
// that partner's admin: someone at a free-mail address is not invited at all, and
// someone at the partner's own domain is invited as a seller.
func TestAcceptingAMatchedApplicationInvitesOnlyThePartnersOwnPeople(t *testing.T) {
	a, base := start(t, storetest.Engines()[0])
	ctx := context.Background()
	anon := browser(t)
	apps := store.Applications{DB: a.DB}
	existing, err := (store.Partners{DB: a.DB}).PartnerByID(ctx, "ws_demo", "prt_demo000002")
	if err != nil || existing.Domain == "" {
		t.Fatalf("demo partner: %+v %v", existing, err)
	}
	users := func(email string) []tandem.Role {
		us, err := (store.Identity{DB: a.DB}).UsersByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		var roles []tandem.Role
		for _, u := range us {
			if u.WorkspaceID == "ws_demo" {
				roles = append(roles, u.Role)
			}
		}
		return roles
	}
	pm := signIn(t, a, base, demo.ManagerEmail)
	accept := func(email string) {
		t.Helper()
		if resp, body := form(t, anon, base+"/w/demo/apply", applyForm("Totally "+existing.Name, "https://"+existing.Domain, email)); resp.StatusCode != 200 {
			t.Fatalf("application from %s: %d %s", email, resp.StatusCode, body)
		}
		list, err := apps.Applications(ctx, "ws_demo", "new", 10)
		if err != nil || len(list) == 0 || list[0].MatchedPartnerID != existing.ID {
			t.Fatalf("the application from %s did not match %s: %+v %v", email, existing.ID, list, err)
		}
		if resp, _ := form(t, pm, base+"/w/demo/applications/"+list[0].ID+"/accept", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept %s: %d", email, resp.StatusCode)
		}
	}
	accept("mallory@gmail.com")
	if roles := users("mallory@gmail.com"); len(roles) != 0 {
		t.Fatalf("a free-mail applicant naming %s's website became a user: %v", existing.Name, roles)
	}
	own := "jo@" + existing.Domain
	accept(own)
	if roles := users(own); len(roles) != 1 || roles[0] != tandem.RolePartnerSeller {
		t.Fatalf("someone at the partner's own domain: roles %v, want one partner_seller", roles)
	}
}
