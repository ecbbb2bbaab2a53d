package web

import (
	"net/http"
	"strconv"
	"strings"
)

// notificationsNav is the navigation link to the notifications page, with the number
// of unread ones.
func (ui *UI) notificationsNav(r *http.Request, v Viewer, base string) NavItem {
	label := "Notifications"
	if ui.o.Notify != nil {
		if n := ui.o.Notify.Unread(r.Context(), v.Actor); n > 0 {
			label += " (" + strconv.Itoa(n) + ")"
		}
	}
	return NavItem{Label: label, Href: base + "/notifications"}
}

// anyone wraps a handler for any signed-in person of the workspace, in the console
// layout for internal users and the portal layout for partner users.
func (ui *UI) anyone(h viewHandler) http.HandlerFunc {
	console, portal := ui.console(h), ui.portal(h)
	return func(w http.ResponseWriter, r *http.Request) {
		if v, ok := ui.viewer(r, r.PathValue("slug")); ok && v.PartnerID != "" {
			portal(w, r)
			return
		}
		console(w, r)
	}
}

func (ui *UI) notifications(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == r.URL.Path
	}
	ns, unread, err := ui.o.Notify.List(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	// Links are paths inside the workspace; pages live under /w/{slug}.
	for i := range ns {
		if strings.HasPrefix(ns[i].Link, "/") && !strings.HasPrefix(ns[i].Link, "//") && !strings.HasPrefix(ns[i].Link, "/w/") {
			ns[i].Link = "/w/" + v.WorkspaceSlug + ns[i].Link
		}
	}
	p.Title, p.Data = "Notifications", map[string]any{"Items": ns, "Unread": unread}
	ui.render(w, r, http.StatusOK, "notifications", p)
}

func (ui *UI) readNotifications(w http.ResponseWriter, r *http.Request, v Viewer, _ Page) {
	if err := ui.o.Notify.MarkAllRead(r.Context(), v.Actor); err != nil {
		ui.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/notifications", http.StatusSeeOther)
}
