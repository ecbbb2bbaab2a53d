package identity

import (
	"context"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// CheckManager reports whether managerID may become the manager of userID, given
// managers (every internal user's current manager, by user id; absent or empty: none).
// It refuses a person managing themselves and any choice that would close a loop in
// the reporting line, naming the loop with names from names (ids where absent).
// Clearing the manager (empty managerID) is always allowed.
func CheckManager(managers map[string]string, names map[string]string, userID, managerID string) error {
	if managerID == "" {
		return nil
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	if managerID == userID {
		return tandem.Invalid("The manager is not valid.", tandem.FieldError{Path: "manager_id", Detail: "a person cannot be their own manager"})
	}
	chain := []string{name(userID), name(managerID)}
	seen := map[string]bool{managerID: true}
	for at := managers[managerID]; at != ""; at = managers[at] {
		chain = append(chain, name(at))
		if at == userID {
			return tandem.Invalid("The manager is not valid.", tandem.FieldError{Path: "manager_id",
				Detail: "would make the reporting line a loop: " + strings.Join(chain, " → ")})
		}
		if seen[at] {
			break // a loop above that does not pass through userID (not made here)
		}
		seen[at] = true
	}
	return nil
}

// SetManager makes managerID (an active internal user; empty to clear) the manager of
// the internal user userID. Only admins may. A partner's person, an unknown or
// deactivated manager and a loop in the reporting line are KindInvalid errors on
// manager_id. The change and its audit entry are saved together.
func (s *Service) SetManager(ctx context.Context, actor policy.Actor, actorName, userID, managerID string) (User, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Users, WorkspaceID: actor.WorkspaceID, ID: userID}); err != nil {
		return User{}, err
	}
	u, err := s.Store.UserByID(ctx, actor.WorkspaceID, userID)
	if err != nil {
		return User{}, err
	}
	if u.PartnerID != "" {
		return User{}, tandem.Invalid("The manager is not valid.", tandem.FieldError{Path: "manager_id", Detail: "only the vendor's own people have managers here"})
	}
	managerID = strings.TrimSpace(managerID)
	if managerID != "" {
		m, err := s.Store.UserByID(ctx, actor.WorkspaceID, managerID)
		switch {
		case tandem.KindOf(err) == tandem.KindNotFound || (err == nil && (m.PartnerID != "" || m.Status == Deactivated)):
			return User{}, tandem.Invalid("The manager is not valid.", tandem.FieldError{Path: "manager_id", Detail: "must be an active internal user of this workspace"})
		case err != nil:
			return User{}, err
		}
	}
	all, err := s.Store.ListUsers(ctx, actor.WorkspaceID, "")
	if err != nil {
		return User{}, err
	}
	names := map[string]string{}
	for _, x := range all {
		names[x.ID] = x.DisplayName()
	}
	if u.ManagerID == managerID {
		return u, nil
	}
	now := s.Now().UTC()
	after := u
	after.ManagerID, after.UpdatedAt = managerID, now
	e := audit.New(ctx, actor, actorName, now, "user.manager", "user", u.ID, map[string]any{"manager_id": u.ManagerID}, map[string]any{"manager_id": managerID}, "")
	check := func(managers map[string]string) error { return CheckManager(managers, names, userID, managerID) }
	if err := s.Store.SetManager(ctx, actor.WorkspaceID, userID, managerID, now, check, e); err != nil {
		return User{}, err
	}
	return after, nil
}
