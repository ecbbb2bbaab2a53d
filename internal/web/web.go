// Package web is Tandem's server-rendered UI: the vendor console, the partner portal
// and the public pages, from html/template with assets embedded in the binary. There is
// no JavaScript build chain. Handlers translate between HTTP forms and domain services.
package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/actionlink"
	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/application"
	"github.com/tandemprm/tandem/internal/certification"
	"github.com/tandemprm/tandem/internal/conflictcase"
	"github.com/tandemprm/tandem/internal/identity"
	"github.com/tandemprm/tandem/internal/notify"
	"github.com/tandemprm/tandem/internal/offboard"
	"github.com/tandemprm/tandem/internal/partner"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/program"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
	"github.com/tandemprm/tandem/internal/workspace"
)

//go:embed templates static
var files embed.FS

// Viewer is the signed-in person looking at a page.
type Viewer struct {
	WorkspaceID   string
	WorkspaceSlug string
	WorkspaceName string
	Name          string
	PartnerID     string // set for partner users; they see the portal only
	Actor         policy.Actor
}

// Options configure the UI.
type Options struct {
	DB       *store.DB
	Partners *partner.Service
	// Contacts is the people of partner organisations.
	Contacts *partner.Contacts
	// Segments are saved rules over partners; Views each person's saved lists.
	Segments   *partner.Segments
	Views      *partner.Views
	Identity   *identity.Service
	Notify     *notify.Service
	Workspaces *workspace.Service
	// Registrations is deal registration; Links checks the signed links partners
	// register through without signing in.
	Registrations *registration.Service
	Links         *actionlink.Service
	// Pipeline is accounts, contacts and opportunities.
	Pipeline *pipeline.Service
	// Conflicts keeps channel-conflict cases.
	Conflicts *conflictcase.Service
	// Program is the partner program: tiers and tier reviews.
	Program *program.Service
	// Certifications is the certification catalogue and the certifications
	// partners and their people hold.
	Certifications *certification.Service
	// Offboard ends partnerships.
	Offboard *offboard.Service
	// Applications takes partner applications from the public form.
	Applications *application.Service
	// PublicRegistration sends registration links from the public form.
	PublicRegistration *registration.Public
	Version            string
	Logger             *slog.Logger
	// Secure marks cookies Secure (the deployment is served over HTTPS).
	Secure bool
	// BaseURL is the public address, for the single sign-on callback.
	BaseURL string
	// CookieKey signs state kept in the browser (at least 32 random bytes).
	CookieKey []byte
	// SMTPConfigured says whether email really leaves; without it, the sign-in page
	// points people at the log and admins at the outbox.
	SMTPConfigured bool
}

// UI renders pages.
type UI struct {
	o      Options
	pages  map[string]*template.Template
	routes []string
	sso    ssoProviders
}

// handle registers h for pattern and remembers the pattern (see Routes).
func (ui *UI) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	ui.routes = append(ui.routes, pattern)
	mux.HandleFunc(pattern, h)
}

// Routes lists every page pattern registered, for the isolation tests.
func (ui *UI) Routes() []string { return append([]string(nil), ui.routes...) }

// NavItem is one link in the main navigation.
type NavItem struct {
	Label, Href string
	Current     bool
}

// Flash is a one-time message shown on the next page.
type Flash struct {
	Kind string // info, success or error
	Text string
}

// Page is what every template receives.
type Page struct {
	Title         string
	Layout        string // public, console or portal
	Home          string
	Nav           []NavItem
	Who           string
	WorkspaceName string
	Flashes       []Flash
	Version       string
	Data          any
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// mul100 turns a fraction into a percentage number.
	"mul100": func(f float64) float64 { return f * 100 },
	// barWidth is the width in percent of a bar for n out of the largest max.
	"barWidth": func(n, max int) int {
		if max <= 0 {
			return 0
		}
		return n * 100 / max
	},
	"lower": strings.ToLower,
	// query re-encodes a query string for use after "?" in a link: re-encoding
	// leaves only percent-escaped text, so it is safe as it is.
	"query": func(s string) template.URL {
		v, _ := url.ParseQuery(s)
		return template.URL(v.Encode())
	},
	"first": func(cs []conflictcase.Count) int {
		if len(cs) == 0 {
			return 0
		}
		return cs[0].N
	},
}

// New parses the templates; a template error is a programming error found at start.
func New(o Options) (*UI, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ui := &UI{o: o, pages: map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts/*.html", n)
		if err != nil {
			return nil, err
		}
		ui.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return ui, nil
}

// Register adds the UI routes to mux, including the catch-all 404 page.
func (ui *UI) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	ui.handle(mux, "GET /{$}", ui.home)
	ui.registerAuth(mux)
	ui.handle(mux, "GET /w/{slug}/{$}", ui.console(ui.consoleHome))
	ui.handle(mux, "GET /w/{slug}/partners", ui.console(ui.partners))
	ui.handle(mux, "GET /w/{slug}/portal/{$}", ui.portal(ui.portalHome))
	ui.registerSettings(mux)
	ui.registerWorkspace(mux)
	ui.registerSSO(mux)
	ui.registerPartner(mux)
	ui.registerExclusivity(mux)
	ui.registerPartnerPeople(mux)
	ui.registerSegments(mux)
	ui.registerRegistrations(mux)
	ui.registerConflicts(mux)
	ui.registerRegistrationSettings(mux)
	ui.registerPipeline(mux)
	ui.registerPipelineViews(mux)
	ui.registerStageModels(mux)
	ui.registerOpportunityNew(mux)
	ui.registerPipelineSettings(mux)
	ui.registerProgram(mux)
	ui.registerCertifications(mux)
	ui.registerOffboard(mux)
	ui.registerApplications(mux)
	ui.handle(mux, "GET /w/{slug}/notifications", ui.anyone(ui.notifications))
	ui.handle(mux, "POST /w/{slug}/notifications/read", ui.anyone(ui.readNotifications))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { ui.NotFound(w, r) })
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// render writes a full page with the given status. A failure to render is logged and
// shown as a plain 500 so that nothing half-rendered reaches the browser.
func (ui *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	t, ok := ui.pages[name]
	if !ok {
		ui.o.Logger.ErrorContext(r.Context(), "unknown template", "name", name)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	p.Version = ui.o.Version
	if p.Layout == "" {
		p.Layout = "public"
	}
	p.Flashes = append(p.Flashes, takeFlashes(w, r)...)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		ui.o.Logger.ErrorContext(r.Context(), "render failed", "template", name, "error", err.Error())
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// NotFound renders the 404 page.
func (ui *UI) NotFound(w http.ResponseWriter, r *http.Request) {
	ui.render(w, r, http.StatusNotFound, "error", Page{Title: "Page not found",
		Data: map[string]string{"Message": "There is nothing at this address. It may have moved, or the link may be mistyped."}})
}

// Error renders err as a page: its safe message for domain errors, a plain sentence
// and a reference for internal ones (which are logged).
func (ui *UI) Error(w http.ResponseWriter, r *http.Request, err error) {
	// The status comes from the API's one table of error kinds; the page adds a title.
	status, title := api.StatusOf(err), "Something went wrong"
	switch tandem.KindOf(err) {
	case tandem.KindNotFound:
		ui.NotFound(w, r)
		return
	case tandem.KindForbidden:
		title = "Not allowed"
	case tandem.KindInvalid:
		title = "Please check your input"
	case tandem.KindConflict:
		title = "This has changed"
	case tandem.KindUnauthenticated:
		title = "Please sign in"
	case tandem.KindRateLimited:
		title = "Too many requests"
	case tandem.KindUnavailable:
		title = "Not available right now"
	default:
		ui.o.Logger.ErrorContext(r.Context(), "page failed", "error", err.Error(), "path", r.URL.Path)
	}
	ui.render(w, r, status, "error", Page{Title: title,
		Data: map[string]string{"Message": tandem.MessageOf(err), "RequestID": reqid.From(r.Context())}})
}

func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	if v, ok := ui.viewer(r, ""); ok {
		http.Redirect(w, r, homeOf(v), http.StatusSeeOther)
		return
	}
	if ui.setupAvailable(r) {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	ui.render(w, r, http.StatusOK, "home", Page{Title: "Welcome", Data: map[string]any{"SMTP": ui.o.SMTPConfigured}})
}

func homeOf(v Viewer) string {
	if v.PartnerID != "" {
		return "/w/" + v.WorkspaceSlug + "/portal/"
	}
	return "/w/" + v.WorkspaceSlug + "/"
}

type viewHandler func(w http.ResponseWriter, r *http.Request, v Viewer, p Page)

// console wraps a vendor-console handler: only signed-in internal users of the
// workspace get through; others are sent to the start page.
func (ui *UI) console(h viewHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := ui.viewer(r, r.PathValue("slug"))
		if !ok {
			ui.askToSignIn(w, r)
			return
		}
		if v.PartnerID != "" {
			http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/portal/", http.StatusSeeOther)
			return
		}
		base := "/w/" + v.WorkspaceSlug
		p := Page{Layout: "console", Home: base + "/", Who: v.Name, WorkspaceName: v.WorkspaceName}
		for _, n := range []NavItem{{Label: "Home", Href: base + "/"}, {Label: "Partners", Href: base + "/partners"}, {Label: "Segments", Href: base + "/segments"},
			{Label: "Registrations", Href: base + "/registrations"}, {Label: "Pipeline", Href: base + "/pipeline"}, {Label: "Conflicts", Href: base + "/conflicts"}, {Label: "Applications", Href: base + "/applications"}, {Label: "Tier reviews", Href: base + "/tier-reviews"}, {Label: "People", Href: base + "/settings/users"}, {Label: "Settings", Href: base + "/settings/workspace"},
			{Label: "Partner program", Href: base + "/settings/partners"}, {Label: "Pipeline stages", Href: base + "/settings/stages"},
			{Label: "Certifications", Href: base + "/settings/certifications"},
			{Label: "Single sign-on", Href: base + "/settings/sso"}, ui.notificationsNav(r, v, "/w/"+v.WorkspaceSlug), {Label: "API tokens", Href: base + "/settings/tokens"},
			{Label: "Audit log", Href: base + "/audit"}, {Label: "Outbox", Href: base + "/outbox"}} {
			n.Current = n.Href == r.URL.Path
			p.Nav = append(p.Nav, n)
		}
		h(w, r, v, p)
	}
}

// portal wraps a partner-portal handler: only signed-in partner users get through.
func (ui *UI) portal(h viewHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := ui.viewer(r, r.PathValue("slug"))
		if !ok {
			ui.askToSignIn(w, r)
			return
		}
		if v.PartnerID == "" {
			http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/", http.StatusSeeOther)
			return
		}
		base := "/w/" + v.WorkspaceSlug + "/portal"
		p := Page{Layout: "portal", Home: base + "/", Who: v.Name, WorkspaceName: v.WorkspaceName}
		items := []NavItem{{Label: "Home", Href: base + "/"}, {Label: "Registrations", Href: base + "/registrations"},
			{Label: "Register a deal", Href: base + "/registrations/new"}, ui.notificationsNav(r, v, "/w/"+v.WorkspaceSlug)}
		if policy.RoleAllows(v.Actor.Role, policy.Opportunities, policy.List) {
			items = append(items, NavItem{Label: "Pipeline", Href: base + "/pipeline"})
		}
		if policy.RoleAllows(v.Actor.Role, policy.PartnerUsers, policy.List) {
			items = append(items, NavItem{Label: "People", Href: "/w/" + v.WorkspaceSlug + "/settings/users"})
		}
		if policy.RoleAllows(v.Actor.Role, policy.PartnerProfile, policy.Read) {
			items = append(items, NavItem{Label: "Our profile", Href: base + "/profile"})
		}
		if policy.RoleAllows(v.Actor.Role, policy.APITokens, policy.List) {
			items = append(items, NavItem{Label: "API tokens", Href: "/w/" + v.WorkspaceSlug + "/settings/tokens"})
		}
		for _, n := range items {
			n.Current = n.Href == r.URL.Path
			p.Nav = append(p.Nav, n)
		}
		h(w, r, v, p)
	}
}

func (ui *UI) consoleHome(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	c, err := ui.o.DB.CountRecords(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p.Title, p.Data = v.WorkspaceName, map[string]any{"Counts": c}
	ui.render(w, r, http.StatusOK, "console_home", p)
}

func (ui *UI) portalHome(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	p.Title = "Partner portal"
	data := map[string]any{}
	if policy.RoleAllows(v.Actor.Role, policy.Registrations, policy.List) {
		rs, _, err := ui.o.Registrations.List(r.Context(), v.Actor, registration.Filter{}, "", 5)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		set, loc, err := ui.o.Registrations.Settings(r.Context(), v.WorkspaceID)
		if err != nil {
			ui.Error(w, r, err)
			return
		}
		views := make([]registration.PartnerView, len(rs))
		for i, x := range rs {
			views[i] = registration.ToPartnerView(x, set)
		}
		data["Registrations"], data["Loc"] = views, loc
	}
	p.Data = data
	ui.render(w, r, http.StatusOK, "portal_home", p)
}

const flashCookie = "tandem_flash"

// SetFlash arranges for f to be shown on the next page this browser renders.
func SetFlash(w http.ResponseWriter, f Flash) {
	v := base64.RawURLEncoding.EncodeToString([]byte(f.Kind + "\n" + f.Text))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlashes reads and clears the flash cookie. Only the known kinds are accepted, and
// the text is escaped by the template like any other value.
func takeFlashes(w http.ResponseWriter, r *http.Request) []Flash {
	c, err := r.Cookie(flashCookie)
	if errors.Is(err, http.ErrNoCookie) || err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, text, ok := strings.Cut(string(b), "\n")
	if !ok || (kind != "info" && kind != "success" && kind != "error") || len(text) > 300 {
		return nil
	}
	return []Flash{{Kind: kind, Text: text}}
}
