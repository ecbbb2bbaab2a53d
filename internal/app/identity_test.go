package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/app"
	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/outbox"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func call(t *testing.T, c *http.Client, method, u string, body io.Reader, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func form(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	return call(t, c, "POST", u, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

var linkPattern = regexp.MustCompile(`http://[^\s]+/signin/[A-Za-z0-9_.]+`)

// heldLink waits for the newest held message to address and returns the sign-in link
// in it.
func heldLink(t *testing.T, a *app.App, address string) string {
	t.Helper()
	ws, err := a.DB.WorkspaceBySlug(context.Background(), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return heldLinkIn(t, a, ws.ID, address)
}

// heldLinkIn waits for the newest sign-in link held for address in the workspace.
func heldLinkIn(t *testing.T, a *app.App, wsID, address string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ms, err := a.DB.ListOutbox(context.Background(), wsID, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.To == address && m.Status == outbox.Held {
				if l := linkPattern.FindString(m.Text); l != "" {
					return l
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no sign-in email for %s was held in the outbox", address)
	return ""
}

func signIn(t *testing.T, a *app.App, base, address string) *http.Client {
	t.Helper()
	c := browser(t)
	resp, body := form(t, c, base+"/signin", url.Values{"email": {address}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
		t.Fatalf("request sign-in: %d", resp.StatusCode)
	}
	link := heldLink(t, a, address)
	resp, body = call(t, c, "GET", link, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "finish signing in") {
		t.Fatalf("opening the link: %d", resp.StatusCode)
	}
	resp, _ = call(t, c, "POST", link, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("using the link: %d", resp.StatusCode)
	}
	return c
}

func TestSignInWithEmailedLinkThenTokensInvitationsAndAudit(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			anon := browser(t)
			_, known := form(t, anon, base+"/signin", url.Values{"email": {demo.AdminEmail}})
			_, unknown := form(t, anon, base+"/signin", url.Values{"email": {"nobody@nowhere.example"}})
			if strings.ReplaceAll(known, demo.AdminEmail, "X") != strings.ReplaceAll(unknown, "nobody@nowhere.example", "X") {
				t.Error("the sign-in page answers differently for a known and an unknown address")
			}
			link := heldLink(t, a, demo.AdminEmail)

			c := browser(t)
			resp, _ := call(t, c, "POST", link, nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/" {
				t.Fatalf("sign-in: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "tandem_session" {
					session = ck
				}
			}
			if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie %+v", session)
			}
			resp, body := call(t, c, "GET", base+"/w/demo/", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Ada Admin") {
				t.Fatalf("console home: %d", resp.StatusCode)
			}
			resp, body = call(t, browser(t), "POST", link, nil)
			if resp.StatusCode != http.StatusGone || !strings.Contains(body, "already been used") {
				t.Fatalf("reused link: %d", resp.StatusCode)
			}
			resp, body = call(t, browser(t), "POST", base+"/signin/ws_demo.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", nil)
			if resp.StatusCode != http.StatusGone || !strings.Contains(body, "not valid") {
				t.Fatalf("made-up link: %d", resp.StatusCode)
			}

			// A cross-site form post is refused before it does anything.
			resp, _ = call(t, c, "POST", base+"/w/demo/settings/tokens", strings.NewReader("name=evil"),
				"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site post: %d", resp.StatusCode)
			}

			// The signed-in admin makes an API token; it works until revoked.
			resp, body = call(t, c, "POST", base+"/api/v1/tokens", strings.NewReader(`{"name":"script","scopes":"partners:read,users:write"}`), "Content-Type", "application/json")
			if resp.StatusCode != 201 {
				t.Fatalf("create token: %d %s", resp.StatusCode, body)
			}
			var tok struct{ ID, Token string }
			_ = json.Unmarshal([]byte(body), &tok)
			if !strings.HasPrefix(tok.Token, "tdm_") {
				t.Fatalf("token %q", tok.Token)
			}
			api := &http.Client{}
			resp, body = call(t, api, "GET", base+"/api/v1/partners?limit=5", nil, "Authorization", "Bearer "+tok.Token)
			if resp.StatusCode != 200 || strings.Count(body, `"id":"prt_`) != 5 {
				t.Fatalf("list partners with token: %d %s", resp.StatusCode, body)
			}
			resp, _ = call(t, api, "POST", base+"/api/v1/partners", strings.NewReader(`{"name":"X"}`), "Authorization", "Bearer "+tok.Token, "Content-Type", "application/json")
			if resp.StatusCode != 403 {
				t.Fatalf("a read-only partners scope created a partner: %d", resp.StatusCode)
			}
			resp, body = call(t, api, "POST", base+"/api/v1/users", strings.NewReader(`{"email":"Kim@Northstar.example","name":"Kim","role":"sales"}`),
				"Authorization", "Bearer "+tok.Token, "Content-Type", "application/json")
			if resp.StatusCode != 201 || !strings.Contains(body, `"email":"kim@northstar.example"`) {
				t.Fatalf("invite: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, api, "POST", base+"/api/v1/users", strings.NewReader(`{"email":"not an address","role":"boss"}`),
				"Authorization", "Bearer "+tok.Token, "Content-Type", "application/json")
			if resp.StatusCode != 422 || !strings.Contains(body, `"path":"email"`) || !strings.Contains(body, `"path":"role"`) {
				t.Fatalf("bad invitation: %d %s", resp.StatusCode, body)
			}
			heldLink(t, a, "kim@northstar.example")
			// Partner users belong to the partners area: the signed-in admin may invite one.
			resp, body = call(t, c, "POST", base+"/api/v1/users", strings.NewReader(`{"email":"lou@partner.example","role":"partner_seller","partner_id":"prt_demo000001"}`), "Content-Type", "application/json")
			if resp.StatusCode != 201 {
				t.Fatalf("invite a partner user: %d %s", resp.StatusCode, body)
			}

			resp, body = call(t, c, "GET", base+"/api/v1/audit?action=user.invite", nil)
			if resp.StatusCode != 200 || strings.Count(body, `"action":"user.invite"`) != 2 || !strings.Contains(body, tok.ID) {
				t.Fatalf("audit of the invitation: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, c, "GET", base+"/api/v1/audit/export?action=api_token.create", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "id,at,actor_type") || strings.Count(body, "api_token.create") != 1 {
				t.Fatalf("audit export: %d %s", resp.StatusCode, body)
			}
			resp, body = call(t, c, "GET", base+"/w/demo/audit?action=user.sign_in", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "user.sign_in") {
				t.Fatalf("audit page: %d", resp.StatusCode)
			}

			resp, _ = call(t, c, "POST", base+"/api/v1/tokens/"+tok.ID+"/revoke", nil)
			if resp.StatusCode != 204 {
				t.Fatalf("revoke: %d", resp.StatusCode)
			}
			resp, body = call(t, api, "GET", base+"/api/v1/partners", nil, "Authorization", "Bearer "+tok.Token)
			if resp.StatusCode != 401 || !strings.Contains(body, "revoked") {
				t.Fatalf("revoked token: %d %s", resp.StatusCode, body)
			}

			// The only admin cannot be deactivated.
			resp, body = call(t, c, "POST", base+"/api/v1/users/usr_demo000000/deactivate", nil)
			if resp.StatusCode != 409 || !strings.Contains(body, "last admin") {
				t.Fatalf("deactivating the last admin: %d %s", resp.StatusCode, body)
			}

			// Sign out everywhere ends the session.
			resp, _ = call(t, c, "POST", base+"/signout/everywhere", nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign out everywhere: %d", resp.StatusCode)
			}
			req, _ := http.NewRequest("GET", base+"/w/demo/", nil)
			req.AddCookie(session)
			r2, err := browser(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r2.Body.Close()
			if r2.StatusCode != http.StatusSeeOther {
				t.Fatalf("old session still works after signing out everywhere: %d", r2.StatusCode)
			}
		})
	}
}

func TestSignInRequestsAreThrottled(t *testing.T) {
	_, base := apptest.Start(t, storetest.Engines()[0])
	c := browser(t)
	var last *http.Response
	for i := 0; i < 6; i++ {
		last, _ = form(t, c, base+"/signin", url.Values{"email": {"same@example.com"}})
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth request for one address: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestPartnerUserLandsInThePortalAndCannotOpenTheConsole(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	c := signIn(t, a, base, demo.PartnerEmail)
	resp, body := call(t, c, "GET", base+"/w/demo/portal/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Partner portal") {
		t.Fatalf("portal: %d", resp.StatusCode)
	}
	resp, _ = call(t, c, "GET", base+"/w/demo/partners", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/portal/" {
		t.Fatalf("console as a partner: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = call(t, c, "GET", base+"/api/v1/partners", nil)
	if resp.StatusCode != 403 && resp.StatusCode != 404 {
		t.Fatalf("partner list as a partner user: %d", resp.StatusCode)
	}
	// A partner admin manages their own organisation's people in the portal.
	resp, body = call(t, c, "GET", base+"/w/demo/settings/users", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Lee Seller") || strings.Contains(body, demo.AdminEmail) || strings.Contains(body, "Partner portal") == false {
		t.Fatalf("portal people page: %d", resp.StatusCode)
	}
	resp, _ = form(t, c, base+"/w/demo/settings/users", url.Values{"email": {"kai@northwind-advisory.example"}, "role": {"partner_seller"}, "partner_id": {"prt_demo000001"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("partner admin invites a colleague: %d", resp.StatusCode)
	}
	us, err := a.Identity.Store.UsersByEmail(t.Context(), "kai@northwind-advisory.example")
	if err != nil || len(us) != 1 || us[0].PartnerID != "prt_demo000000" {
		t.Fatalf("the colleague must join the inviter's own partner: %+v %v", us, err)
	}
	resp, body = call(t, c, "POST", base+"/api/v1/users", strings.NewReader(`{"email":"mo@northwind-advisory.example","role":"partner_marketer"}`), "Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("partner admin invites through the API without naming the partner: %d %s", resp.StatusCode, body)
	}
	if us, _ := a.Identity.Store.UsersByEmail(t.Context(), "mo@northwind-advisory.example"); len(us) != 1 || us[0].PartnerID != "prt_demo000000" {
		t.Fatalf("the colleague must join the inviter's partner: %+v", us)
	}
	resp, body = call(t, c, "GET", base+"/api/v1/users", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Lee Seller") || strings.Contains(body, "partner_id") || strings.Contains(body, "invited_by") {
		t.Fatalf("partner view of people must hold safe fields only: %d %s", resp.StatusCode, body)
	}
	resp, body = form(t, c, base+"/w/demo/settings/tokens", url.Values{"name": {"our CRM"}})
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, "tdm_") || !strings.Contains(body, "Partner portal") {
		t.Fatalf("partner admin creates a token in the portal: %d", resp.StatusCode)
	}
	resp, _ = form(t, c, base+"/w/demo/settings/users", url.Values{"email": {"boss2@northwind-advisory.example"}, "role": {"admin"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a partner admin invited a vendor admin")
	}
}

func TestInviterIsNotifiedWhenTheInvitationIsAccepted(t *testing.T) {
	a, base := apptest.Start(t, storetest.Engines()[0])
	admin := signIn(t, a, base, demo.AdminEmail)
	resp, body := call(t, admin, "POST", base+"/api/v1/users", strings.NewReader(`{"email":"new@northstar.example","name":"Nia New","role":"viewer"}`), "Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	if _, body := call(t, admin, "GET", base+"/api/v1/notifications", nil); !strings.Contains(body, `"unread":0`) {
		t.Fatalf("before acceptance: %s", body)
	}
	signIn(t, a, base, "new@northstar.example")
	_, body = call(t, admin, "GET", base+"/api/v1/notifications", nil)
	if !strings.Contains(body, "Nia New accepted your invitation") || !strings.Contains(body, `"unread":1`) {
		t.Fatalf("after acceptance: %s", body)
	}
	if _, page := call(t, admin, "GET", base+"/w/demo/", nil); !strings.Contains(page, "Notifications (1)") {
		t.Fatal("the console does not show the unread count")
	}
	if resp, _ := call(t, admin, "POST", base+"/w/demo/notifications/read", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark read: %d", resp.StatusCode)
	}
	if _, body := call(t, admin, "GET", base+"/api/v1/notifications", nil); !strings.Contains(body, `"unread":0`) {
		t.Fatalf("after marking read: %s", body)
	}
}
