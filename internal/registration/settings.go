package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/protection"
	"github.com/tandemprm/tandem/internal/tandem"
)

// Settings are a workspace's deal-registration rules, stored as one JSON document.
type Settings struct {
	// Policy is the conflict hierarchy (package conflict).
	Policy conflict.Policy `json:"policy"`
	// Protection holds windows, extensions, reminders, appeals and SLAs.
	Protection protection.Config `json:"protection"`
	// AutoApprove approves a submission without a reviewer when the uniqueness test
	// found nothing that competes and the partner's tier ranks at least MinTierRank.
	AutoApprove AutoApprove `json:"auto_approve"`
	// TierRanks orders the program's tiers for the tier-priority rule and
	// auto-approval (higher is better); a tier missing here ranks 0. Keys compare
	// without regard to case.
	TierRanks map[string]int `json:"tier_ranks"`
	// Required lists, per motion, fields a submission must fill in beyond the customer
	// name (see RequirableFields).
	Required map[tandem.Motion][]string `json:"required"`
	// RemindBeforeHours is how long before the review deadline the reviewers get a
	// reminder (default 8 business hours; 0 turns it off).
	RemindBeforeHours int `json:"remind_before_hours"`
	// Eligibility limits who may register: partners whose tier ranks below
	// MinTierRank may not (0: any tier), and a partner may have at most MaxOpen
	// registrations waiting or protected at once (0: no limit).
	Eligibility Eligibility `json:"eligibility"`
	// CustomFields are the workspace's own questions on the registration form, beyond
	// the standard fields (at most 30).
	CustomFields []CustomField `json:"custom_fields"`
	// ApprovalChains are the ordered approvals registrations need (chain.go); the
	// first chain that applies to a registration's motion and deal size is its chain,
	// and a registration no chain covers needs one reviewer's approval.
	ApprovalChains []ApprovalChain `json:"approval_chains,omitempty"`
	// TwoStepFrom and SecondApprover are the shape settings had before approval
	// chains; they are read, turned into a chain (migrateTwoStep) and never saved.
	//
	// TwoStepFrom is the deal size (whole units of the registration's currency) from
	// which two different reviewers must approve; 0 means one approval always suffices.
	// Such deals are never approved automatically.
	TwoStepFrom int64 `json:"two_step_from,omitempty"`
	// SecondApprover says who may complete a two-reviewer approval: "" (any reviewer
	// other than the first) or "admin" (one of the two approvals must come from an
	// admin: a partner manager's first approval waits for an admin's).
	SecondApprover string `json:"second_approver,omitempty"`
}

// AdminSignOff is the SecondApprover value that requires an admin among the two.
const AdminSignOff = "admin"

// CustomField is one of the workspace's own registration fields: a line of text.
type CustomField struct {
	Key      string          `json:"key"`   // a-z, 0-9 and _, starting with a letter; at most 40
	Label    string          `json:"label"` // what the form asks
	Required bool            `json:"required"`
	Motions  []tandem.Motion `json:"motions,omitempty"` // where it applies; empty: every motion
}

// appliesTo reports whether the field is asked for registrations of motion m.
func (c CustomField) appliesTo(m tandem.Motion) bool {
	return len(c.Motions) == 0 || slices.Contains(c.Motions, m)
}

// maxCustomFields bounds the workspace's own fields.
const maxCustomFields = 30

// Eligibility limits who may register deals.
type Eligibility struct {
	MinTierRank int `json:"min_tier_rank"`
	MaxOpen     int `json:"max_open"`
	// InTerritory limits partners with territories to customers in a country one of
	// their territories covers (partner.Settings.InTerritory).
	InTerritory bool `json:"in_territory,omitempty"`
	// Certifications require a valid certification to register deals (of some
	// motions); every rule that applies to a registration's motion must be met.
	Certifications []CertificationRule `json:"certifications,omitempty"`
}

// CertificationRule requires the partner — the organisation or one of its people —
// to hold a valid certification to register deals.
type CertificationRule struct {
	// Key is the certification of the workspace's catalogue required; empty means any
	// valid certification will do.
	Key string `json:"key"`
	// Motions are the motions the rule applies to; empty means every motion.
	Motions []tandem.Motion `json:"motions,omitempty"`
}

// maxCertificationRules bounds the certification rules.
const maxCertificationRules = 50

// MissingCertification returns the first certification rule for registrations of
// motion m that a partner holding the valid certifications held does not meet; ok is
// false when every rule that applies is met.
func (el Eligibility) MissingCertification(m tandem.Motion, held []string) (rule CertificationRule, ok bool) {
	for _, c := range el.Certifications {
		if len(c.Motions) > 0 && !slices.Contains(c.Motions, m) {
			continue
		}
		if c.Key == "" && len(held) == 0 || c.Key != "" && !slices.Contains(held, c.Key) {
			return c, true
		}
	}
	return CertificationRule{}, false
}

// AutoApprove configures automatic approval.
type AutoApprove struct {
	Enabled     bool `json:"enabled"`
	MinTierRank int  `json:"min_tier_rank"`
}

// DefaultSettings are the settings of a workspace that has not changed them: the
// default conflict policy and protection, auto-approval off, tiers Registered <
// Silver < Gold < Platinum, and a customer domain required for every motion.
func DefaultSettings() Settings {
	req := map[tandem.Motion][]string{}
	for _, m := range tandem.Motions {
		req[m] = []string{"customer_domain"}
	}
	return Settings{
		Policy:            conflict.DefaultPolicy(),
		Protection:        protection.Default(),
		AutoApprove:       AutoApprove{Enabled: false, MinTierRank: 2},
		TierRanks:         map[string]int{"registered": 1, "bronze": 1, "silver": 2, "gold": 3, "platinum": 4},
		Required:          req,
		RemindBeforeHours: 8,
	}
}

// ParseSettings reads stored settings; empty data gives the defaults. Unknown or
// malformed fields are a KindInvalid error naming them.
func ParseSettings(data []byte) (Settings, error) {
	s := DefaultSettings()
	if len(strings.TrimSpace(string(data))) == 0 {
		return s, nil
	}
	if err := tandem.DecodeSettings(data, 1<<20, "registration settings", &s); err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	s.migrateTwoStep()
	return s, nil
}

// Validate reports every invalid setting.
func (s Settings) Validate() error {
	var p tandem.Problems
	if err := s.Policy.Validate(); err != nil {
		for _, f := range tandem.FieldsOf(err) {
			p.Add("policy."+f.Path, "%s", f.Detail)
		}
		if len(tandem.FieldsOf(err)) == 0 {
			p.Add("policy", "%s", tandem.MessageOf(err))
		}
	}
	if err := s.Protection.Validate(); err != nil {
		for _, f := range tandem.FieldsOf(err) {
			p.Add("protection."+f.Path, "%s", f.Detail)
		}
		if len(tandem.FieldsOf(err)) == 0 {
			p.Add("protection", "%s", tandem.MessageOf(err))
		}
	}
	for m, fields := range s.Required {
		if _, err := tandem.ParseMotion(string(m)); err != nil {
			p.Add("required."+string(m), "is not a motion")
			continue
		}
		for _, f := range fields {
			if !slices.Contains(RequirableFields, f) {
				p.Add("required."+string(m), "%q is not a field that can be required (choose from %s)", f, strings.Join(RequirableFields, ", "))
			}
		}
	}
	if s.Eligibility.MinTierRank < 0 {
		p.Add("eligibility.min_tier_rank", "must be 0 (any tier) or more")
	}
	if s.Eligibility.MaxOpen < 0 || s.Eligibility.MaxOpen > 100000 {
		p.Add("eligibility.max_open", "must be between 0 (no limit) and 100000")
	}
	if len(s.Eligibility.Certifications) > maxCertificationRules {
		p.Add("eligibility.certifications", "may hold at most %d rules", maxCertificationRules)
	}
	for i, c := range s.Eligibility.Certifications {
		path := fmt.Sprintf("eligibility.certifications[%d]", i)
		if c.Key != "" && !validKey(c.Key) {
			p.Add(path+".key", "must be a certification key (a-z, 0-9 and _, starting with a letter) or empty for any certification")
		}
		for _, m := range c.Motions {
			if _, err := tandem.ParseMotion(string(m)); err != nil {
				p.Add(path+".motions", "%s", tandem.MessageOf(err))
			}
		}
	}
	if len(s.CustomFields) > maxCustomFields {
		p.Add("custom_fields", "may hold at most %d fields", maxCustomFields)
	}
	seen := map[string]bool{}
	for i, c := range s.CustomFields {
		path := fmt.Sprintf("custom_fields[%d]", i)
		if !validKey(c.Key) {
			p.Add(path+".key", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter (e.g. partner_deal_id)")
		} else if seen[c.Key] {
			p.Add(path+".key", "%q is used twice", c.Key)
		}
		seen[c.Key] = true
		if strings.TrimSpace(c.Label) == "" || len(c.Label) > 200 {
			p.Add(path+".label", "is required (at most 200 characters)")
		}
		for _, m := range c.Motions {
			if _, err := tandem.ParseMotion(string(m)); err != nil {
				p.Add(path+".motions", "%s", tandem.MessageOf(err))
			}
		}
	}
	if s.TwoStepFrom < 0 || s.TwoStepFrom > 1e13 {
		p.Add("two_step_from", "must be 0 (never) or a deal size")
	}
	if s.SecondApprover != "" && s.SecondApprover != AdminSignOff {
		p.Add("second_approver", "must be empty (any other reviewer) or %q", AdminSignOff)
	}
	p = append(p, s.chainProblems()...)
	if s.RemindBeforeHours < 0 || s.RemindBeforeHours > 1000 {
		p.Add("remind_before_hours", "must be between 0 and 1000")
	}
	return p.Err("The registration settings are not valid.")
}

func validKey(k string) bool {
	if k == "" || len(k) > 40 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// needsSeveral reports whether r needs more than one approval, so that it is never
// approved automatically.
func (s Settings) needsSeveral(r Registration) bool {
	return len(s.Chain(r)) > 1
}

// TierRank returns the rank of a tier name (0 for tiers not ranked).
func (s Settings) TierRank(tier string) int {
	return s.TierRanks[strings.ToLower(strings.TrimSpace(tier))]
}

// describeSLA is the one sentence partners read about how soon they hear back.
func (s Settings) describeSLA() string {
	return fmt.Sprintf("A reviewer decides within %d business hours.", s.Protection.ReviewSLABusinessHours)
}

// SettingsStore saves a workspace's registration settings with their audit entry.
type SettingsStore interface {
	SaveRegistrationSettings(ctx context.Context, workspaceID string, raw []byte, e audit.Entry) error
}

// GetSettings returns the workspace's registration settings for people who may read
// the workspace settings.
func (s *Service) GetSettings(ctx context.Context, actor policy.Actor) (Settings, error) {
	if err := policy.Authorize(actor, policy.Read, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Settings{}, err
	}
	set, _, err := s.Settings(ctx, actor.WorkspaceID)
	return set, err
}

// UpdateSettings validates and saves the workspace's registration settings, with an
// audit entry holding the difference. Invalid settings are a KindInvalid error naming
// every bad field; nothing is saved. Windows already granted keep their length.
func (s *Service) UpdateSettings(ctx context.Context, actor policy.Actor, actorName string, next Settings) (Settings, error) {
	if err := policy.Authorize(actor, policy.Update, policy.Resource{Kind: policy.Settings, WorkspaceID: actor.WorkspaceID}); err != nil {
		return Settings{}, err
	}
	st, ok := s.Store.(SettingsStore)
	if !ok {
		return Settings{}, tandem.Errorf(tandem.KindInternal, "this store cannot save registration settings")
	}
	if err := next.Validate(); err != nil {
		return Settings{}, err
	}
	next.migrateTwoStep()
	if err := s.checkCertificationKeys(ctx, actor.WorkspaceID, next.Eligibility.Certifications); err != nil {
		return Settings{}, err
	}
	before, _, err := s.Settings(ctx, actor.WorkspaceID)
	if err != nil {
		return Settings{}, err
	}
	if s.TierRanks != nil {
		// The ranks come from the program's tiers: a document that leaves them out
		// keeps them; one that changes them is refused rather than silently ignored.
		if next.TierRanks != nil && !maps.Equal(next.TierRanks, before.TierRanks) {
			return Settings{}, tandem.Invalid("The registration settings are not valid.", tandem.FieldError{Path: "tier_ranks",
				Detail: "come from the program's tiers; change tiers and their ranks in the program settings (/api/v1/tiers)"})
		}
		next.TierRanks = before.TierRanks
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return Settings{}, fmt.Errorf("encode registration settings: %w", err)
	}
	e := audit.New(ctx, actor, actorName, s.Now().UTC(), "workspace.registration_settings", "workspace", actor.WorkspaceID, before, next, "")
	if err := st.SaveRegistrationSettings(ctx, actor.WorkspaceID, raw, e); err != nil {
		return Settings{}, err
	}
	return next, nil
}

// checkCertificationKeys refuses certification rules naming a key the workspace's
// catalogue lacks, when the service knows the catalogue.
func (s *Service) checkCertificationKeys(ctx context.Context, workspaceID string, rules []CertificationRule) error {
	if s.Certifications == nil || len(rules) == 0 {
		return nil
	}
	names, err := s.Certifications.Names(ctx, workspaceID)
	if err != nil {
		return err
	}
	var p tandem.Problems
	for i, c := range rules {
		if _, ok := names[c.Key]; c.Key != "" && !ok {
			p.Add(fmt.Sprintf("eligibility.certifications[%d].key", i), "%q is not in the workspace's certification catalogue", c.Key)
		}
	}
	return p.Err("The registration settings are not valid.")
}
