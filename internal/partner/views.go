package partner

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// View is a saved partner list: a name and the list's filters and sort, kept per
// person.
type View struct {
	ID        string
	UserID    string
	Name      string
	Query     string // the list's query string, as Filter.Values encodes it
	CreatedAt time.Time
}

// ViewStore keeps saved views.
type ViewStore interface {
	// Views returns the person's saved views by name.
	Views(ctx context.Context, workspaceID, userID string) ([]View, error)
	// SaveView inserts v.
	SaveView(ctx context.Context, workspaceID string, v View) error
	// DeleteView removes the person's view (nothing when it is not theirs).
	DeleteView(ctx context.Context, workspaceID, userID, id string) error
}

// Views keeps each person's saved partner lists.
type Views struct {
	Store ViewStore
	Now   func() time.Time
}

func viewOwner(actor policy.Actor) (string, error) {
	if err := authorize(actor, policy.List, ""); err != nil {
		return "", err
	}
	if actor.UserID == "" {
		return "", tandem.Errorf(tandem.KindForbidden, "Saved views belong to a signed-in person.")
	}
	return actor.UserID, nil
}

// List returns the actor's saved views.
func (s *Views) List(ctx context.Context, actor policy.Actor) ([]View, error) {
	uid, err := viewOwner(actor)
	if err != nil {
		return nil, err
	}
	return s.Store.Views(ctx, actor.WorkspaceID, uid)
}

// Save keeps the list described by query (its filters and sort; anything else is
// dropped) under name for the actor.
func (s *Views) Save(ctx context.Context, actor policy.Actor, name string, query url.Values) (View, error) {
	uid, err := viewOwner(actor)
	if err != nil {
		return View{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return View{}, tandem.Invalid("The view is not valid.", tandem.FieldError{Path: "name", Detail: "is required, at most 100 characters"})
	}
	now := s.Now().UTC()
	v := View{ID: tandem.NewID("pvw", now), UserID: uid, Name: name, Query: FilterFromQuery(query).Values().Encode(), CreatedAt: now}
	return v, s.Store.SaveView(ctx, actor.WorkspaceID, v)
}

// Delete removes one of the actor's saved views.
func (s *Views) Delete(ctx context.Context, actor policy.Actor, id string) error {
	uid, err := viewOwner(actor)
	if err != nil {
		return err
	}
	return s.Store.DeleteView(ctx, actor.WorkspaceID, uid, id)
}
