package pipeline

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// View is a saved pipeline list or board: a name and the filters it shows, kept by
// the person who saved it and, when Shared, offered to everyone on the vendor's side
// of the workspace.
type View struct {
	ID        string
	UserID    string
	OwnerName string // who saved it (filled when read)
	Name      string
	Query     string // the filters as a URL query (see ViewQuery)
	Shared    bool
	CreatedAt time.Time
}

// Board reports whether the view opens the board rather than the list.
func (v View) Board() bool {
	q, _ := url.ParseQuery(v.Query)
	return q.Get("view") == "board"
}

// ViewStore keeps saved pipeline views. Every method is scoped to one workspace.
type ViewStore interface {
	// PipelineViews returns the person's own saved views by name, then the views
	// others shared, by name, each with its owner's name.
	PipelineViews(ctx context.Context, workspaceID, userID string) ([]View, error)
	// SavePipelineView inserts v with its audit entry in one transaction.
	SavePipelineView(ctx context.Context, workspaceID string, v View, e audit.Entry) error
	// DeletePipelineView removes the view with the audit entry in one transaction;
	// a view that no longer exists is not found.
	DeletePipelineView(ctx context.Context, workspaceID, id string, e audit.Entry) error
}

// Views keeps each person's saved pipeline lists and boards.
type Views struct {
	Store ViewStore
	Now   func() time.Time
}

// viewKeys are the query parameters a saved view keeps, in the order written.
var viewKeys = []string{"view", "motion", "stage", "status", "partner", "owner", "q", "attention"}

// maxViewName bounds a view's name.
const maxViewName = 100

// ViewQuery keeps of q only what a saved view records: the list filters and, for the
// board, view=board; paging and anything else are dropped. It reports filter values
// that can never match as field errors under "query.".
func ViewQuery(q url.Values) (url.Values, tandem.Problems) {
	out := url.Values{}
	var p tandem.Problems
	for _, k := range viewKeys {
		v := strings.TrimSpace(q.Get(k))
		if v == "" {
			continue
		}
		switch k {
		case "view":
			if v != "board" {
				continue
			}
		case "motion":
			if _, err := tandem.ParseMotion(v); err != nil {
				p.Add("query.motion", "%s", tandem.MessageOf(err))
			}
		case "status":
			if s := Status(v); s != Open && s != Won && s != Lost {
				p.Add("query.status", "must be open, won or lost")
			}
		case "attention":
			if v != AttentionStale && v != AttentionFollowUp {
				p.Add("query.attention", "must be %s or %s", AttentionStale, AttentionFollowUp)
			}
		}
		out.Set(k, v)
	}
	return out, p
}

// viewOwner checks that actor may keep pipeline views: a signed-in vendor person who
// may list opportunities.
func viewOwner(actor policy.Actor) (string, error) {
	if err := policy.Authorize(actor, policy.List, resource(policy.Opportunities, actor, "")); err != nil {
		return "", err
	}
	if actor.IsPartner() {
		return "", tandem.Errorf(tandem.KindForbidden, "Saved pipeline views are for the vendor's people.")
	}
	if actor.UserID == "" {
		return "", tandem.Errorf(tandem.KindForbidden, "Saved views belong to a signed-in person.")
	}
	return actor.UserID, nil
}

// List returns the actor's saved views by name, then the views others shared.
func (s *Views) List(ctx context.Context, actor policy.Actor) ([]View, error) {
	uid, err := viewOwner(actor)
	if err != nil {
		return nil, err
	}
	return s.Store.PipelineViews(ctx, actor.WorkspaceID, uid)
}

// Save keeps the list or board described by query (its filters; see ViewQuery) under
// name for the actor, audited; shared offers it to everyone on the vendor's side of
// the workspace. The name is required, at most 100 characters and unique among the
// actor's views.
func (s *Views) Save(ctx context.Context, actor policy.Actor, actorName, name string, query url.Values, shared bool) (View, error) {
	uid, err := viewOwner(actor)
	if err != nil {
		return View{}, err
	}
	name = strings.TrimSpace(name)
	q, p := ViewQuery(query)
	switch {
	case name == "":
		p.Add("name", "is required")
	case utf8.RuneCountInString(name) > maxViewName:
		p.Add("name", "must be at most %d characters", maxViewName)
	default:
		have, err := s.Store.PipelineViews(ctx, actor.WorkspaceID, uid)
		if err != nil {
			return View{}, err
		}
		for _, h := range have {
			if h.UserID == uid && strings.EqualFold(h.Name, name) {
				p.Add("name", "you already have a view named %q; delete it first or pick another name", h.Name)
				break
			}
		}
	}
	if err := p.Err("The view was not saved."); err != nil {
		return View{}, err
	}
	now := s.Now().UTC()
	v := View{ID: tandem.NewID("plv", now), UserID: uid, OwnerName: actorName, Name: name, Query: q.Encode(), Shared: shared, CreatedAt: now}
	e := audit.New(ctx, actor, actorName, now, "pipeline_view.create", "pipeline_view", v.ID, nil,
		map[string]any{"name": v.Name, "query": v.Query, "shared": v.Shared}, "")
	if err := s.Store.SavePipelineView(ctx, actor.WorkspaceID, v, e); err != nil {
		return View{}, err
	}
	return v, nil
}

// Delete removes a saved view, audited: the actor's own, or, for an admin, a view
// someone shared (one that is no longer useful to the team). Another person's
// private view is not found.
func (s *Views) Delete(ctx context.Context, actor policy.Actor, actorName, id string) error {
	uid, err := viewOwner(actor)
	if err != nil {
		return err
	}
	have, err := s.Store.PipelineViews(ctx, actor.WorkspaceID, uid)
	if err != nil {
		return err
	}
	for _, v := range have {
		if v.ID != id {
			continue
		}
		if !MayDeleteView(actor, v) {
			return tandem.Errorf(tandem.KindForbidden, "%s shared this view; only they or an admin can delete it.", v.OwnerName)
		}
		e := audit.New(ctx, actor, actorName, s.Now().UTC(), "pipeline_view.delete", "pipeline_view", id,
			map[string]any{"name": v.Name, "query": v.Query, "shared": v.Shared, "owner_id": v.UserID}, nil, "")
		return s.Store.DeletePipelineView(ctx, actor.WorkspaceID, id, e)
	}
	return tandem.Errorf(tandem.KindNotFound, "That view was not found.")
}

// MayDeleteView reports whether actor may delete v: its owner always, an admin (who
// may change the workspace's settings) when it is shared.
func MayDeleteView(actor policy.Actor, v View) bool {
	if v.UserID == actor.UserID {
		return true
	}
	return v.Shared && policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}) == nil
}
