// Package notify holds in-app notifications: short messages to one person, shown in
// the console or portal until read. Services create them in the same transaction as
// the change they report (through their store), so a notification exists exactly
// when its cause does.
package notify

import (
	"context"
	"time"

	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Notification is one message to one person.
type Notification struct {
	WorkspaceID string    `json:"-"`
	ID          string    `json:"id"`
	UserID      string    `json:"-"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	Link        string    `json:"link"` // a path inside the workspace such as "/registrations/reg_…", or ""
	CreatedAt   time.Time `json:"created_at"`
	ReadAt      time.Time `json:"read_at"`
}

// New returns a notification for the user, made at now.
func New(workspaceID, userID, title, body, link string, now time.Time) Notification {
	return Notification{WorkspaceID: workspaceID, ID: tandem.NewID("ntf", now), UserID: userID, Title: title, Body: body, Link: link, CreatedAt: now.UTC()}
}

// Store is what the service needs from persistence.
type Store interface {
	// ListNotifications returns the user's newest notifications, at most limit.
	ListNotifications(ctx context.Context, workspaceID, userID string, limit int) ([]Notification, error)
	// CountUnread returns how many of the user's notifications are unread.
	CountUnread(ctx context.Context, workspaceID, userID string) (int, error)
	// MarkRead marks all the user's notifications read at now.
	MarkRead(ctx context.Context, workspaceID, userID string, now time.Time) error
}

// Service shows people their own notifications.
type Service struct {
	Store Store
	Now   func() time.Time
}

// mine checks that actor is a person; notifications belong to people, not tokens
// acting for them.
func mine(actor policy.Actor) error {
	if actor.UserID == "" || (actor.Kind != policy.ActorUser && actor.Kind != policy.ActorPartnerUser) {
		return tandem.Errorf(tandem.KindForbidden, "Notifications belong to signed-in people.")
	}
	return nil
}

// List returns the actor's newest 100 notifications and how many are unread.
func (s *Service) List(ctx context.Context, actor policy.Actor) ([]Notification, int, error) {
	if err := mine(actor); err != nil {
		return nil, 0, err
	}
	ns, err := s.Store.ListNotifications(ctx, actor.WorkspaceID, actor.UserID, 100)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.Store.CountUnread(ctx, actor.WorkspaceID, actor.UserID)
	return ns, n, err
}

// Unread returns how many of the actor's notifications are unread (0 for non-people).
func (s *Service) Unread(ctx context.Context, actor policy.Actor) int {
	if mine(actor) != nil {
		return 0
	}
	n, _ := s.Store.CountUnread(ctx, actor.WorkspaceID, actor.UserID)
	return n
}

// MarkAllRead marks every notification of the actor read.
func (s *Service) MarkAllRead(ctx context.Context, actor policy.Actor) error {
	if err := mine(actor); err != nil {
		return err
	}
	return s.Store.MarkRead(ctx, actor.WorkspaceID, actor.UserID, s.Now())
}
