package partner

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Exclusivity is a partner's earned right to a territory (SPEC F3): in the conflict
// policy's territory-exclusivity rule, a holder's claim on a customer in the territory
// beats a partner without it. A grant is in force from GrantedAt until ExpiresAt (zero:
// until revoked).
type Exclusivity struct {
	WorkspaceID   string
	PartnerID     string
	Territory     string // spelled as in the workspace's Settings.Territories
	GrantedAt     time.Time
	GrantedBy     string // user id
	GrantedByName string
	ExpiresAt     time.Time
	Rationale     string
}

// InForce reports whether the grant counts at now.
func (x Exclusivity) InForce(now time.Time) bool {
	return x.ExpiresAt.IsZero() || now.Before(x.ExpiresAt)
}

// DefaultExclusivityLimit is how many partners may hold exclusivity in one territory
// when the workspace set no limit for it: exclusive means one.
const DefaultExclusivityLimit = 1

// MaxExclusivityLimit bounds a territory's limit.
const MaxExclusivityLimit = 1000

// ExclusivityLimit returns how many partners may hold exclusivity in territory t at
// once: the workspace's limit for it, or DefaultExclusivityLimit.
func (s Settings) ExclusivityLimit(t string) int {
	if n, ok := s.ExclusivityLimits[t]; ok && n > 0 {
		return n
	}
	return DefaultExclusivityLimit
}

// normalizeExclusivityLimits spells every territory of s.ExclusivityLimits as
// s.Territories does, leaving unknown ones for Validate to report.
func (s *Settings) normalizeExclusivityLimits() {
	if len(s.ExclusivityLimits) == 0 {
		s.ExclusivityLimits = nil
		return
	}
	out := make(map[string]int, len(s.ExclusivityLimits))
	for name, n := range s.ExclusivityLimits {
		key := strings.Join(strings.Fields(name), " ")
		if x, ok := s.territory(key); ok {
			key = x
		}
		out[key] = n
	}
	s.ExclusivityLimits = out
}

// exclusivityProblems reports limits for unknown territories and limits out of range.
func (s Settings) exclusivityProblems() tandem.Problems {
	var pr tandem.Problems
	names := make([]string, 0, len(s.ExclusivityLimits))
	for name := range s.ExclusivityLimits {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := "exclusivity_limits." + name
		if _, ok := s.territory(strings.Join(strings.Fields(name), " ")); !ok {
			pr.Add(path, "%q is not one of the territories; add it to the list first", name)
		} else if n := s.ExclusivityLimits[name]; n < 1 || n > MaxExclusivityLimit {
			pr.Add(path, "must be between 1 and %d partners", MaxExclusivityLimit)
		}
	}
	return pr
}

// ExclusivityStore keeps exclusivity grants.
type ExclusivityStore interface {
	// PartnerExclusivity returns the partner's grants, in force or not, by territory.
	PartnerExclusivity(ctx context.Context, workspaceID, partnerID string) ([]Exclusivity, error)
	// GrantExclusivity saves x (replacing the partner's grant for the territory, if
	// any) with e in one transaction, unless other partners already hold grants in
	// force at x.GrantedAt for the territory numbering limit or more: then it saves
	// nothing and returns a KindConflict error saying how many hold it. Concurrent
	// grants for one workspace are serialised, so the limit holds under races.
	GrantExclusivity(ctx context.Context, x Exclusivity, limit int, e audit.Entry) error
	// RevokeExclusivity deletes the partner's grant for the territory with e in one
	// transaction, or returns a not-found error when there is none.
	RevokeExclusivity(ctx context.Context, workspaceID, partnerID, territory string, e audit.Entry) error
}

// Grant describes an exclusivity grant to make.
type Grant struct {
	Territory string
	ExpiresAt time.Time // zero: until revoked
	Rationale string
}

// Exclusivities returns the partner's exclusivity grants, by territory.
func (s *Service) Exclusivities(ctx context.Context, actor policy.Actor, partnerID string) ([]Exclusivity, error) {
	if err := authorize(actor, policy.Read, partnerID); err != nil {
		return nil, err
	}
	st, err := s.exclusivityStore()
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, partnerID); err != nil {
		return nil, err
	}
	return st.PartnerExclusivity(ctx, actor.WorkspaceID, partnerID)
}

func (s *Service) exclusivityStore() (ExclusivityStore, error) {
	st, ok := s.Store.(ExclusivityStore)
	if !ok {
		return nil, tandem.Errorf(tandem.KindInternal, "this store cannot keep exclusivity grants")
	}
	return st, nil
}

// GrantExclusivity gives the partner exclusivity in one of the workspace's
// territories, or changes the expiry of the grant it holds there. Whoever may decide
// on partners may grant. A territory that is not the workspace's, an expiry that is
// not in the future or a partner that has left the program is a KindInvalid error;
// a territory whose limit is reached is a KindConflict error naming how many partners
// hold it. The grant and its audit entry are saved together.
func (s *Service) GrantExclusivity(ctx context.Context, actor policy.Actor, actorName, partnerID string, g Grant) (Exclusivity, error) {
	if err := authorize(actor, policy.Decide, partnerID); err != nil {
		return Exclusivity{}, err
	}
	st, err := s.exclusivityStore()
	if err != nil {
		return Exclusivity{}, err
	}
	p, err := s.Store.PartnerByID(ctx, actor.WorkspaceID, partnerID)
	if err != nil {
		return Exclusivity{}, err
	}
	set, err := s.Store.PartnerSettings(ctx, actor.WorkspaceID)
	if err != nil {
		return Exclusivity{}, err
	}
	now := s.Now().UTC()
	var pr tandem.Problems
	name := strings.Join(strings.Fields(g.Territory), " ")
	territory, ok := set.territory(name)
	switch {
	case name == "":
		pr.Add("territory", "is required")
	case !ok && len(set.Territories) == 0:
		pr.Add("territory", "%q is not a territory of this workspace: it has none yet; add territories in the partner program settings first", name)
	case !ok:
		pr.Add("territory", "%q is not a territory of this workspace; use one of: %s", name, strings.Join(set.Territories, ", "))
	}
	if !g.ExpiresAt.IsZero() && !g.ExpiresAt.After(now) {
		pr.Add("expires_at", "must be in the future (or left out for a grant until revoked)")
	}
	g.Rationale = strings.TrimSpace(g.Rationale)
	if len(g.Rationale) > 2000 {
		pr.Add("rationale", "must be at most 2000 characters")
	}
	if p.Lifecycle == Offboarded {
		pr.Add("partner_id", "%s has left the program and cannot hold exclusivity", p.Name)
	}
	if err := pr.Err("The exclusivity grant is not valid."); err != nil {
		return Exclusivity{}, err
	}
	x := Exclusivity{WorkspaceID: actor.WorkspaceID, PartnerID: partnerID, Territory: territory, GrantedAt: now,
		GrantedBy: actor.UserID, GrantedByName: actorName, ExpiresAt: g.ExpiresAt.UTC(), Rationale: g.Rationale}
	after := map[string]any{"territory": territory, "limit": set.ExclusivityLimit(territory)}
	if !x.ExpiresAt.IsZero() {
		after["expires_at"] = x.ExpiresAt
	}
	e := audit.New(ctx, actor, actorName, now, "partner.exclusivity_grant", "partner", partnerID, nil, after, g.Rationale)
	if err := st.GrantExclusivity(ctx, x, set.ExclusivityLimit(territory), e); err != nil {
		return Exclusivity{}, err
	}
	return x, nil
}

// RevokeExclusivity ends the partner's exclusivity in a territory at once, with the
// reason in the audit log. Revoking a grant the partner does not hold is a not-found
// error.
func (s *Service) RevokeExclusivity(ctx context.Context, actor policy.Actor, actorName, partnerID, territory, rationale string) error {
	if err := authorize(actor, policy.Decide, partnerID); err != nil {
		return err
	}
	st, err := s.exclusivityStore()
	if err != nil {
		return err
	}
	rationale = strings.TrimSpace(rationale)
	if len(rationale) > 2000 {
		return tandem.Invalid("The revocation is not valid.", tandem.FieldError{Path: "rationale", Detail: "must be at most 2000 characters"})
	}
	held, err := s.Exclusivities(ctx, actor, partnerID)
	if err != nil {
		return err
	}
	name := strings.Join(strings.Fields(territory), " ")
	for _, x := range held {
		if strings.EqualFold(x.Territory, name) {
			before := map[string]any{"territory": x.Territory, "granted_at": x.GrantedAt}
			if !x.ExpiresAt.IsZero() {
				before["expires_at"] = x.ExpiresAt
			}
			e := audit.New(ctx, actor, actorName, s.Now().UTC(), "partner.exclusivity_revoke", "partner", partnerID, before, nil, rationale)
			return st.RevokeExclusivity(ctx, actor.WorkspaceID, partnerID, x.Territory, e)
		}
	}
	return tandem.Errorf(tandem.KindNotFound, "This partner holds no exclusivity in %q.", name)
}

// LimitReached is the sentence of the conflict error a grant beyond a territory's
// limit gets.
func LimitReached(territory string, holders, limit int) string {
	who := fmt.Sprintf("%d partners already hold", holders)
	if holders == 1 {
		who = "1 partner already holds"
	}
	return fmt.Sprintf("%s exclusivity in %s, the most this territory allows (%d). Revoke one of their grants or raise the territory's limit in the partner program settings.", who, territory, limit)
}

// HeldTerritory is a territory as exclusivity grants spell it, with how many of its
// grants are in force.
type HeldTerritory struct {
	Name    string
	InForce int
}

// ReconcileGrants says how grants follow a new territory list: renames maps each
// spelling the grants use to the list's new spelling of the same territory (compared
// without regard to case), and a territory the list drops while grants on it are in
// force is a KindInvalid error on "territories". Grants that ended are never in the
// way.
func ReconcileGrants(territories []string, held []HeldTerritory) (renames map[string]string, err error) {
	var p tandem.Problems
	renames = map[string]string{}
	for _, h := range held {
		i := slices.IndexFunc(territories, func(t string) bool { return strings.EqualFold(t, h.Name) })
		switch {
		case i < 0 && h.InForce > 0:
			p.Add("territories", "%q is still held exclusively by %d partner(s); revoke those grants before removing it", h.Name, h.InForce)
		case i >= 0 && territories[i] != h.Name:
			renames[h.Name] = territories[i]
		}
	}
	return renames, p.Err("The partner program settings are not valid.")
}
