package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/tandem"
)

// SessionCookie is the name of the cookie that holds the session secret.
const SessionCookie = "tandem_session"

// viewer returns the signed-in person of r. With a slug, the session must belong to
// that workspace; a session of another workspace counts as not signed in there.
func (ui *UI) viewer(r *http.Request, slug string) (Viewer, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || ui.o.Identity == nil {
		return Viewer{}, false
	}
	u, _, err := ui.o.Identity.Authenticate(r.Context(), c.Value)
	if err != nil {
		return Viewer{}, false
	}
	ws, err := ui.o.Identity.Store.WorkspaceByID(r.Context(), u.WorkspaceID)
	if err != nil || (slug != "" && ws.Slug != slug) {
		return Viewer{}, false
	}
	return Viewer{WorkspaceID: ws.ID, WorkspaceSlug: ws.Slug, WorkspaceName: ws.Name, Name: u.DisplayName(),
		PartnerID: u.PartnerID, Actor: u.Actor()}, true
}

func (ui *UI) askToSignIn(w http.ResponseWriter, r *http.Request) {
	SetFlash(w, Flash{Kind: "info", Text: "Please sign in to continue."})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (ui *UI) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: ui.o.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
}

func (ui *UI) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: ui.o.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (ui *UI) registerAuth(mux *http.ServeMux) {
	ui.handle(mux, "POST /signin", ui.requestSignIn)
	ui.handle(mux, "GET /signin/{token}", ui.confirmSignIn)
	ui.handle(mux, "POST /signin/{token}", ui.completeSignIn)
	ui.handle(mux, "POST /signout", ui.signOut)
	ui.handle(mux, "POST /signout/everywhere", ui.signOutEverywhere)
}

// requestSignIn sends sign-in links. The page it shows is the same whether or not
// the address is known.
func (ui *UI) requestSignIn(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	err := ui.o.Identity.RequestSignIn(r.Context(), email, reqid.IPFrom(r.Context()))
	switch tandem.KindOf(err) {
	case "":
		ui.render(w, r, http.StatusOK, "signin_sent", Page{Title: "Check your email",
			Data: map[string]any{"Email": strings.TrimSpace(email), "SMTP": ui.o.SMTPConfigured}})
	case tandem.KindInvalid, tandem.KindRateLimited:
		status := http.StatusUnprocessableEntity
		if tandem.KindOf(err) == tandem.KindRateLimited {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", itoaSeconds(tandem.RetryAfterOf(err).Seconds()))
		}
		msg := tandem.MessageOf(err)
		if f := tandem.FieldsOf(err); len(f) > 0 {
			msg = "The email address " + f[0].Detail + "."
		}
		ui.render(w, r, status, "home", Page{Title: "Welcome", Flashes: []Flash{{Kind: "error", Text: msg}},
			Data: map[string]any{"Email": email, "SMTP": ui.o.SMTPConfigured}})
	default:
		ui.Error(w, r, err)
	}
}

func itoaSeconds(s float64) string { return strconv.Itoa(max(1, int(s+0.999))) }

// confirmSignIn shows a button rather than signing in on GET: mail scanners open
// links before people do, and must not use up the single use.
func (ui *UI) confirmSignIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	ui.render(w, r, http.StatusOK, "signin_confirm", Page{Title: "Sign in"})
}

func (ui *UI) completeSignIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if c, err := r.Cookie(SessionCookie); err == nil {
		_ = ui.o.Identity.SignOut(r.Context(), c.Value) // a new sign-in replaces any old session
	}
	u, token, err := ui.o.Identity.CompleteSignIn(r.Context(), r.PathValue("token"), reqid.IPFrom(r.Context()), r.UserAgent())
	if err != nil {
		if tandem.KindOf(err) != tandem.KindUnauthenticated {
			ui.Error(w, r, err)
			return
		}
		ui.clearSession(w)
		ui.render(w, r, http.StatusGone, "signin_failed", Page{Title: "This link cannot be used", Data: map[string]any{"Message": tandem.MessageOf(err)}})
		return
	}
	ui.setSession(w, token)
	ws, err := ui.o.Identity.Store.WorkspaceByID(r.Context(), u.WorkspaceID)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "Welcome, " + u.DisplayName() + ". You are signed in."})
	http.Redirect(w, r, homeOf(Viewer{WorkspaceSlug: ws.Slug, PartnerID: u.PartnerID}), http.StatusSeeOther)
}

func (ui *UI) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := ui.o.Identity.SignOut(r.Context(), c.Value); err != nil {
			ui.Error(w, r, err)
			return
		}
	}
	ui.clearSession(w)
	SetFlash(w, Flash{Kind: "success", Text: "You are signed out."})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (ui *UI) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	v, ok := ui.viewer(r, "")
	if !ok {
		ui.askToSignIn(w, r)
		return
	}
	if err := ui.o.Identity.SignOutEverywhere(r.Context(), v.Actor, v.Name); err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.clearSession(w)
	SetFlash(w, Flash{Kind: "success", Text: "You are signed out on every device."})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
