package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/platform/sso"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

const ssoCookie = "tandem_sso"

// ssoProviders caches one identity provider client per workspace; an entry is
// rebuilt when the settings or the callback address change.
type ssoProviders struct {
	mu sync.Mutex
	m  map[string]*sso.Provider
}

func (c *ssoProviders) get(ctx context.Context, wsID string, cfg sso.Config, callback string) (*sso.Provider, error) {
	c.mu.Lock()
	p := c.m[wsID]
	c.mu.Unlock()
	if p != nil && p.Matches(cfg, callback) {
		return p, nil
	}
	p, err := sso.New(ctx, cfg, callback, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*sso.Provider{}
	}
	c.m[wsID] = p
	c.mu.Unlock()
	return p, nil
}

// forget drops the workspace's cached provider, so the next use builds it afresh.
func (c *ssoProviders) forget(wsID string) {
	c.mu.Lock()
	delete(c.m, wsID)
	c.mu.Unlock()
}

func (ui *UI) registerSSO(mux *http.ServeMux) {
	ui.handle(mux, "GET /sso", ui.ssoChooser)
	ui.handle(mux, "GET /w/{slug}/sso/start", ui.ssoStart)
	ui.handle(mux, "GET /w/{slug}/sso/callback", ui.ssoCallback)
	ui.handle(mux, "GET /w/{slug}/settings/sso", ui.console(ui.ssoSettings))
	ui.handle(mux, "POST /w/{slug}/settings/sso", ui.console(ui.saveSSOSettings))
}

// ssoChooser sends a person who typed their workspace's short name to its sign-in.
func (ui *UI) ssoChooser(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("workspace")))
	if slug == "" || strings.ContainsAny(slug, "/?#") {
		ui.render(w, r, http.StatusUnprocessableEntity, "home", Page{Title: "Welcome", Flashes: []Flash{{Kind: "error", Text: "Enter your workspace's short name to use single sign-on."}},
			Data: map[string]any{"SMTP": ui.o.SMTPConfigured}})
		return
	}
	http.Redirect(w, r, "/w/"+slug+"/sso/start", http.StatusSeeOther)
}

func (ui *UI) callbackURL(slug string) string { return ui.o.BaseURL + "/w/" + slug + "/sso/callback" }

// ssoUnavailable shows the person a plain page and keeps the email-link form at hand.
func (ui *UI) ssoUnavailable(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ui.render(w, r, status, "signin_failed", Page{Title: "Single sign-on did not work", Data: map[string]any{"Message": msg}})
}

func (ui *UI) ssoStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, err := ui.o.DB.WorkspaceBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		ui.NotFound(w, r)
		return
	}
	cfg, _, err := ui.o.DB.WorkspaceSSO(ctx, ws.ID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	if !cfg.Enabled {
		ui.ssoUnavailable(w, r, http.StatusNotFound, "This workspace does not use single sign-on. Sign in with an emailed link instead.")
		return
	}
	p, err := ui.sso.get(ctx, ws.ID, cfg, ui.callbackURL(ws.Slug))
	if err != nil {
		ui.recordSSOProblem(ctx, ws.ID, err)
		ui.ssoUnavailable(w, r, http.StatusServiceUnavailable, tandem.MessageOf(err))
		return
	}
	authURL, st, err := p.Begin(time.Now())
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: ui.signState(st.Encode()), Path: "/w/" + ws.Slug + "/sso/", HttpOnly: true,
		Secure: ui.o.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(sso.StateLifetime.Seconds())})
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

func (ui *UI) ssoCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, err := ui.o.DB.WorkspaceBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		ui.NotFound(w, r)
		return
	}
	c, cerr := r.Cookie(ssoCookie)
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Path: "/w/" + ws.Slug + "/sso/", MaxAge: -1, HttpOnly: true, Secure: ui.o.Secure, SameSite: http.SameSiteLaxMode})
	restart := "This sign-in attempt is no longer valid. Please start again."
	if cerr != nil {
		ui.ssoUnavailable(w, r, http.StatusBadRequest, restart)
		return
	}
	encoded, ok := ui.verifyState(c.Value)
	if !ok {
		ui.ssoUnavailable(w, r, http.StatusBadRequest, restart)
		return
	}
	st, err := sso.DecodeState(encoded)
	if err != nil {
		ui.ssoUnavailable(w, r, http.StatusBadRequest, restart)
		return
	}
	cfg, _, err := ui.o.DB.WorkspaceSSO(ctx, ws.ID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	p, err := ui.sso.get(ctx, ws.ID, cfg, ui.callbackURL(ws.Slug))
	if err != nil {
		ui.recordSSOProblem(ctx, ws.ID, err)
		ui.ssoUnavailable(w, r, http.StatusServiceUnavailable, tandem.MessageOf(err))
		return
	}
	id, err := p.Finish(ctx, st, r.URL.Query(), time.Now())
	if err != nil {
		ui.recordSSOProblem(ctx, ws.ID, err)
		ui.ssoUnavailable(w, r, http.StatusUnauthorized, tandem.MessageOf(err))
		return
	}
	_ = ui.o.DB.SetSSOProblem(ctx, ws.ID, "")
	if old, err := r.Cookie(SessionCookie); err == nil {
		_ = ui.o.Identity.SignOut(ctx, old.Value)
	}
	u, token, err := ui.o.Identity.SignInWithSSO(ctx, ws.ID, cfg, id, reqid.IPFrom(ctx), r.UserAgent())
	if err != nil {
		if tandem.KindOf(err) == tandem.KindUnauthenticated {
			ui.ssoUnavailable(w, r, http.StatusForbidden, tandem.MessageOf(err))
			return
		}
		ui.Error(w, r, err)
		return
	}
	ui.setSession(w, token)
	SetFlash(w, Flash{Kind: "success", Text: "Welcome, " + u.DisplayName() + ". You are signed in."})
	http.Redirect(w, r, homeOf(Viewer{WorkspaceSlug: ws.Slug, PartnerID: u.PartnerID}), http.StatusSeeOther)
}

// recordSSOProblem keeps a provider-side problem for the workspace's admins; problems
// of the person signing in are not recorded.
func (ui *UI) recordSSOProblem(ctx context.Context, wsID string, err error) {
	if msg, ok := sso.AdminProblem(err); ok {
		ui.o.Logger.WarnContext(ctx, "single sign-on problem", "workspace", wsID, "error", err.Error())
		_ = ui.o.DB.SetSSOProblem(ctx, wsID, time.Now().UTC().Format("2006-01-02 15:04 UTC")+": "+msg)
	}
}

// signState and verifyState protect the sign-in state kept in the browser with an
// HMAC under the deployment's key, so a forged or altered cookie is refused.
func (ui *UI) signState(v string) string {
	m := hmac.New(sha256.New, ui.o.CookieKey)
	m.Write([]byte("sso-state:" + v))
	return v + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (ui *UI) verifyState(s string) (string, bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", false
	}
	v := s[:i]
	return v, hmac.Equal([]byte(ui.signState(v)), []byte(s))
}

func (ui *UI) ssoPage(w http.ResponseWriter, r *http.Request, v Viewer, p Page, status int, cfg sso.Config, problem string, err error) {
	errs := map[string]string{}
	for _, f := range tandem.FieldsOf(err) {
		errs[strings.SplitN(f.Path, "[", 2)[0]] = f.Detail
	}
	p.Title, p.Data = "Single sign-on", map[string]any{"C": cfg, "Domains": strings.Join(cfg.AllowedDomains, ", "), "Problem": problem,
		"Errors": errs, "Callback": ui.callbackURL(v.WorkspaceSlug), "HasSecret": cfg.ClientSecret != "",
		"Roles": []string{"viewer", "sales", "partner_manager"}}
	ui.render(w, r, status, "sso_settings", p)
}

func (ui *UI) ssoSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	if err := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	cfg, problem, err := ui.o.DB.WorkspaceSSO(r.Context(), v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.ssoPage(w, r, v, p, http.StatusOK, cfg, problem, nil)
}

// saveSSOSettings validates and stores the settings, then tries the provider so the
// admin learns at once whether it answers. A blank secret keeps the stored one.
func (ui *UI) saveSSOSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	ctx := r.Context()
	if err := policy.Authorize(v.Actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: v.WorkspaceID}); err != nil {
		ui.Error(w, r, err)
		return
	}
	old, _, err := ui.o.DB.WorkspaceSSO(ctx, v.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	domains := strings.FieldsFunc(r.PostFormValue("allowed_domains"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' })
	cfg := sso.Config{Issuer: strings.TrimSpace(r.PostFormValue("issuer")), ClientID: strings.TrimSpace(r.PostFormValue("client_id")),
		ClientSecret: r.PostFormValue("client_secret"), AllowedDomains: domains, DefaultRole: r.PostFormValue("default_role"),
		Enabled: r.PostFormValue("enabled") == "on"}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = old.ClientSecret
	}
	if err := cfg.Validate(); err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "Nothing was saved; please correct the fields marked below."})
		ui.ssoPage(w, r, v, p, http.StatusUnprocessableEntity, cfg, "", err)
		return
	}
	cfg = cfg.Normalized()
	redacted := func(c sso.Config) sso.Config {
		if c.ClientSecret != "" {
			c.ClientSecret = "(set)"
		}
		return c
	}
	e := audit.New(ctx, v.Actor, v.Name, time.Now(), "workspace.update_sso", "workspace", v.WorkspaceID, redacted(old), redacted(cfg), "")
	if err := ui.o.DB.SaveWorkspaceSSO(ctx, v.WorkspaceID, cfg, e); err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.sso.forget(v.WorkspaceID) // saving always tests the provider anew
	if _, err := ui.sso.get(ctx, v.WorkspaceID, cfg, ui.callbackURL(v.WorkspaceSlug)); err != nil {
		ui.recordSSOProblem(ctx, v.WorkspaceID, err)
		msg, ok := sso.AdminProblem(err)
		if !ok {
			msg = tandem.MessageOf(err)
		}
		SetFlash(w, Flash{Kind: "error", Text: "Saved, but the identity provider does not work yet: " + msg})
	} else {
		SetFlash(w, Flash{Kind: "success", Text: "Saved. The identity provider answered correctly."})
	}
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
}
