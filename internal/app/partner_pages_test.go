package app_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// A sorted partner list pages on with the cursor of its own sort, and its export link
// keeps the sort and filters, in the console.
func TestSortedPartnerListPagesOn(t *testing.T) {
	e := storetest.Engines()[0]
	a, base := apptest.Start(t, e)
	pm := signIn(t, a, base, demo.ManagerEmail)
	for i := range 60 {
		body := fmt.Sprintf(`{"name":"Zz Paging Partner %02d","motions":["referral"],"lifecycle":"onboarding"}`, i)
		if resp, out := call(t, pm, "POST", base+"/api/v1/partners", strings.NewReader(body), "Content-Type", "application/json"); resp.StatusCode != 201 {
			t.Fatalf("create partner %d: %d %s", i, resp.StatusCode, out)
		}
	}
	resp, page := call(t, pm, "GET", base+"/w/demo/partners?sort=name", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("first page: %d", resp.StatusCode)
	}
	if !strings.Contains(page, `href="partners.csv?sort=name"`) {
		t.Fatal("the export link does not carry the list's sort")
	}
	m := regexp.MustCompile(`href="\?([^"]*after=[^"]*)">Next page`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the first page sorted by name has no next page link")
	}
	resp, page = call(t, pm, "GET", base+"/w/demo/partners?"+html.UnescapeString(m[1]), nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Zz Paging Partner 59") {
		t.Fatalf("second page sorted by name: %d, last partner shown: %v", resp.StatusCode, strings.Contains(page, "Zz Paging Partner 59"))
	}
}
