package identity_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

// baseURL is where the service under test says it lives; links in email start with
// baseURL + "/signin/".
const baseURL = "http://tandem.test"

// t0 is when every test starts: a whole second, so that millisecond storage of times
// loses nothing.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is the injected time: it stands still until a test moves it. It is safe for
// concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// renderer is an outbox.Renderer that writes the template name and the link plainly
// into the text body, so tests can read links back from the outbox. Setting fail makes
// every render fail.
type renderer struct{ fail atomic.Bool }

func (r *renderer) Render(name string, data any) (subject, text, html string, err error) {
	if r.fail.Load() {
		return "", "", "", errors.New("the template cannot be rendered")
	}
	m, _ := data.(map[string]any)
	link, _ := m["Link"].(string)
	return "[" + name + "]", "template: " + name + "\nlink: " + link + "\n", `<a href="` + link + `">` + name + `</a>`, nil
}

var linkPattern = regexp.MustCompile(`(?m)^link: ` + regexp.QuoteMeta(baseURL) + `/signin/(\S+)$`)

// behaviour is one promise of the service, checked on a database that it shares with
// the other behaviours of its group.
type behaviour struct {
	name  string
	check func(t *testing.T, db *store.DB)
}

// checkAll checks each behaviour on every engine. Opening and migrating a database
// costs far more than any one check, so a group shares one database per engine:
// each check sets up workspaces of its own, and the checks run one after another,
// because RequestSignIn looks an address up in every workspace and the same
// addresses recur from check to check.
func checkAll(t *testing.T, bs []behaviour) {
	t.Helper()
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, b := range bs {
			t.Run(b.name, func(t *testing.T) { b.check(t, db) })
		}
	})
}

// workspaces numbers workspace slugs, which are unique in a database.
var workspaces atomic.Int64

// env is one workspace with an active admin, on a real database, and a service whose
// clock the test drives.
type env struct {
	ctx   context.Context
	db    *store.DB
	clock *clock
	mail  *renderer
	svc   *identity.Service
	ws    workspace.Workspace
	admin identity.User // signed in once, so active

	mu   sync.Mutex
	seen map[string]bool // outbox message ids already handed out by mails
}

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{ctx: context.Background(), db: db, clock: &clock{now: t0}, mail: &renderer{}, seen: map[string]bool{}}
	e.svc = e.newService()
	e.ws, e.admin, _ = e.newWorkspace(t, "acme", "ada@acme.test", "Ada")
	return e
}

// newService returns another service on the same store and clock, with rate limits
// of its own.
func (e *env) newService() *identity.Service {
	return identity.NewService(store.Identity{DB: e.db}, e.mail, e.clock.Now, baseURL)
}

// newWorkspace sets up a workspace (its slug numbered to be unique) and signs its
// first admin in through the invitation, returning the admin (now active) and the
// session token.
func (e *env) newWorkspace(t *testing.T, slug, adminEmail, adminName string) (workspace.Workspace, identity.User, string) {
	t.Helper()
	name := strings.ToUpper(slug[:1]) + slug[1:]
	slug = fmt.Sprintf("%s-%d", slug, workspaces.Add(1))
	ws, admin, url, err := e.svc.SetUpWorkspace(e.ctx, workspace.Workspace{Slug: slug, Name: name}, adminEmail, adminName)
	if err != nil {
		t.Fatalf("set up workspace %s: %v", slug, err)
	}
	if admin.Status != identity.Invited {
		t.Fatalf("the first admin starts %s, want invited", admin.Status)
	}
	emailed := e.mails(t, ws.ID, adminEmail)
	if len(emailed) != 1 || baseURL+"/signin/"+emailed[0] != url {
		t.Fatalf("the invitation emailed to the first admin is %q, want the returned link %q", emailed, url)
	}
	u, sess, err := e.svc.CompleteSignIn(e.ctx, emailed[0], "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("first admin accepts the invitation: %v", err)
	}
	return ws, u, sess
}

// partner creates a partner organisation in the workspace and returns its id.
func (e *env) partner(t *testing.T, wsID, name string) string {
	t.Helper()
	now := e.clock.Now()
	p := partner.Partner{WorkspaceID: wsID, ID: tandem.NewID("prt", now), Name: name, Lifecycle: partner.Active, CreatedAt: now, UpdatedAt: now}
	if err := e.db.Tx(e.ctx, func(tx *sql.Tx) error { return e.db.CreatePartner(e.ctx, tx, p) }); err != nil {
		t.Fatalf("create partner %s: %v", name, err)
	}
	return p.ID
}

// invite has the workspace's admin invite someone and returns them with the
// invitation link's token.
func (e *env) invite(t *testing.T, email string, role tandem.Role, partnerID string) (identity.User, string) {
	t.Helper()
	u, err := e.svc.Invite(e.ctx, e.admin.Actor(), e.admin.Name, identity.Invitation{Email: email, Name: "Person " + email, Role: role, PartnerID: partnerID})
	if err != nil {
		t.Fatalf("invite %s as %s: %v", email, role, err)
	}
	return u, e.onlyMail(t, u.WorkspaceID, email)
}

// member invites someone and signs them in with the invitation, returning the
// active user and their session token.
func (e *env) member(t *testing.T, email string, role tandem.Role, partnerID string) (identity.User, string) {
	t.Helper()
	_, link := e.invite(t, email, role, partnerID)
	u, sess, err := e.svc.CompleteSignIn(e.ctx, link, "192.0.2.2", "test")
	if err != nil {
		t.Fatalf("%s accepts the invitation: %v", email, err)
	}
	return u, sess
}

// mails returns the link tokens of the messages to address in the workspace that no
// earlier call returned (in id order, which is oldest first across milliseconds).
func (e *env) mails(t *testing.T, wsID, to string) []string {
	t.Helper()
	ms, err := e.db.ListOutbox(e.ctx, wsID, 10_000)
	if err != nil {
		t.Fatalf("list outbox: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var links []string
	for _, m := range slices.Backward(ms) {
		if m.To != to || e.seen[m.ID] {
			continue
		}
		e.seen[m.ID] = true
		sub := linkPattern.FindStringSubmatch(m.Text)
		if sub == nil {
			t.Fatalf("message %s to %s has no sign-in link:\n%s", m.ID, to, m.Text)
		}
		if m.Status != "queued" || m.WorkspaceID != wsID {
			t.Fatalf("message %s: status %s in workspace %s, want queued in %s", m.ID, m.Status, m.WorkspaceID, wsID)
		}
		links = append(links, sub[1])
	}
	return links
}

// onlyMail returns the link of the one new message to address, failing unless there
// is exactly one.
func (e *env) onlyMail(t *testing.T, wsID, to string) string {
	t.Helper()
	links := e.mails(t, wsID, to)
	if len(links) != 1 {
		t.Fatalf("%d new messages to %s, want 1", len(links), to)
	}
	return links[0]
}

// outboxSize counts the workspace's stored messages.
func (e *env) outboxSize(t *testing.T, wsID string) int {
	t.Helper()
	ms, err := e.db.ListOutbox(e.ctx, wsID, 10_000)
	if err != nil {
		t.Fatalf("list outbox: %v", err)
	}
	return len(ms)
}

// auditOf returns the workspace's audit entries with the action, newest first.
func (e *env) auditOf(t *testing.T, wsID, action string) []audit.Entry {
	t.Helper()
	es, _, err := e.db.ListAudit(e.ctx, wsID, audit.Filter{Action: action}, store.Page{Limit: 1000})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return es
}

// user reads a user back from the store.
func (e *env) user(t *testing.T, wsID, id string) identity.User {
	t.Helper()
	u, err := store.Identity{DB: e.db}.UserByID(e.ctx, wsID, id)
	if err != nil {
		t.Fatalf("read user %s: %v", id, err)
	}
	return u
}

// users counts the workspace's people.
func (e *env) users(t *testing.T, wsID string) int {
	t.Helper()
	us, err := store.Identity{DB: e.db}.ListUsers(e.ctx, wsID, "")
	if err != nil {
		t.Fatalf("list users: %v", err)
	}
	return len(us)
}

// wantKind fails unless err has the kind (an empty kind means no error).
func wantKind(t *testing.T, what string, err error, kind tandem.Kind) {
	t.Helper()
	if got := tandem.KindOf(err); got != kind {
		t.Fatalf("%s: error kind %q (%v), want %q", what, got, err, kind)
	}
}

// fieldPaths lists the paths of err's field errors in order.
func fieldPaths(err error) []string {
	var ps []string
	for _, f := range tandem.FieldsOf(err) {
		ps = append(ps, f.Path)
	}
	return ps
}

// system is the actor the command line acts as.
func system(wsID string) policy.Actor { return policy.System(wsID) }
