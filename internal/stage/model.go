package stage

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

// Lost is the reserved key of the closed-lost state that every model has without
// listing it. An open opportunity may move to it when the model's LostCriteria hold.
const Lost = "closed_lost"

// CriterionKind is what an exit criterion checks.
type CriterionKind string

// The kinds of exit criteria.
const (
	// KindField: the opportunity field named by Key has a value.
	KindField CriterionKind = "field"
	// KindAttribution: partner attribution is recorded. Key "" accepts any entry,
	// "sourced" needs a sourcing partner, "influenced" an influencing one.
	KindAttribution CriterionKind = "attribution"
	// KindMilestone: the mutual-action-plan milestone with key Key is done.
	KindMilestone CriterionKind = "milestone"
	// KindAttachment: an attachment of kind Key is present.
	KindAttachment CriterionKind = "attachment"
	// KindRegistration: the deal registration behind the opportunity is approved.
	KindRegistration CriterionKind = "registration_approved"
)

// Criterion is one condition an opportunity must meet before it leaves a stage forward.
type Criterion struct {
	Kind CriterionKind `json:"kind"`
	// Key is the field key, milestone key or attachment kind; "", "sourced" or
	// "influenced" for attribution; empty for registration.
	Key string `json:"key,omitempty"`
	// Label overrides the sentence shown to people when the criterion is missing.
	Label string `json:"label,omitempty"`
}

// Stage is one step of a model, with what must be true to leave it forward.
type Stage struct {
	Key   string      `json:"key"`
	Label string      `json:"label"`
	Exit  []Criterion `json:"exit,omitempty"`
}

// Model is the ordered stages of one motion's pipeline in one workspace.
type Model struct {
	Motion tandem.Motion `json:"motion"`
	Stages []Stage       `json:"stages"`
	// WonAt is the key of the stage from which on the opportunity counts as closed-won;
	// later stages are post-sale work on a won deal. Empty means the last stage.
	WonAt string `json:"won_at,omitempty"`
	// LostCriteria must hold before an open opportunity may be marked closed-lost.
	LostCriteria []Criterion `json:"lost_criteria,omitempty"`
}

// Index returns the position of the stage with the given key, or -1 when there is none
// (Lost included: it is not one of the ordered stages).
func (m Model) Index(key string) int {
	for i, s := range m.Stages {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// wonIndex returns the index from which stages count as won.
func (m Model) wonIndex() int {
	if m.WonAt == "" {
		return len(m.Stages) - 1
	}
	return m.Index(m.WonAt)
}

// Won reports whether key is a stage at which the opportunity counts as closed-won.
func (m Model) Won(key string) bool {
	i := m.Index(key)
	return i >= 0 && i >= m.wonIndex() && m.wonIndex() >= 0
}

// Open reports whether key is a stage of the model where the deal is still being won.
func (m Model) Open(key string) bool {
	return m.Index(key) >= 0 && !m.Won(key)
}

// Label returns the display name of the stage with the given key ("Closed – lost" for
// Lost), or the key itself when the model has no such stage.
func (m Model) Label(key string) string {
	if key == Lost {
		return "Closed – lost"
	}
	if i := m.Index(key); i >= 0 {
		return m.Stages[i].Label
	}
	return key
}

// Field is an opportunity field that exit criteria may require.
type Field struct {
	Key   string
	Label string
}

// BuiltinFields returns the opportunity fields every workspace has, in display order.
// Workspaces may add custom fields; pass their keys to Validate.
func BuiltinFields() []Field {
	return []Field{
		{"amount", "Amount"},
		{"currency", "Currency"},
		{"close_date", "Expected close date"},
		{"next_step", "Next step"},
		{"owner", "Opportunity owner"},
		{"champion", "Champion contact"},
		{"economic_buyer", "Economic buyer contact"},
		{"partner_contact", "Partner contact"},
		{"products", "Products"},
		{"use_case", "Use case"},
		{"success_criteria", "Joint success criteria"},
		{"integration", "Integration used"},
		{"discount", "Discount"},
		{"marketplace_offer", "Marketplace offer"},
		{"order_reference", "Order reference"},
		{"renewal_owner", "Renewal owner"},
		{"loss_reason", "Loss reason"},
	}
}

func builtinLabel(key string) (string, bool) {
	for _, f := range BuiltinFields() {
		if f.Key == key {
			return f.Label, true
		}
	}
	return "", false
}

// humanize turns a key such as "statement_of_work" into "Statement of work".
func humanize(key string) string {
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Text returns the criterion as a requirement people read, e.g. "Next step is filled
// in" or "Milestone “Go-live” is done". A Label set on the criterion wins.
func (c Criterion) Text() string {
	if c.Label != "" {
		return c.Label
	}
	switch c.Kind {
	case KindField:
		l, ok := builtinLabel(c.Key)
		if !ok {
			l = humanize(c.Key)
		}
		return l + " is filled in"
	case KindAttribution:
		switch c.Key {
		case "sourced":
			return "A sourcing partner is recorded"
		case "influenced":
			return "An influencing partner is recorded"
		}
		return "Partner attribution is recorded"
	case KindMilestone:
		return "Milestone “" + humanize(c.Key) + "” is done"
	case KindAttachment:
		return humanize(c.Key) + " is attached"
	case KindRegistration:
		return "The deal registration is approved"
	}
	return humanize(string(c.Kind))
}

// path returns where a missing criterion points in the opportunity's JSON form.
func (c Criterion) path() string {
	switch c.Kind {
	case KindField:
		return c.Key
	case KindAttribution:
		return "attribution"
	case KindMilestone:
		return "milestones." + c.Key
	case KindAttachment:
		return "attachments." + c.Key
	case KindRegistration:
		return "registration"
	}
	return string(c.Kind)
}

// Limits that keep a model small enough to show on one screen.
const (
	MaxStages    = 20
	MaxCriteria  = 30
	maxKeyLen    = 40
	maxLabelLen  = 120
	maxModelJSON = 64 << 10
)

// ValidKey reports whether k can name a stage, a milestone or an attachment kind: 1 to
// 40 lowercase letters, digits or underscores, starting with a letter.
func ValidKey(k string) bool {
	if k == "" || len(k) > maxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

func validLabel(probs *tandem.Problems, path, l string, required bool) {
	switch {
	case strings.TrimSpace(l) == "":
		if required || l != "" {
			probs.Add(path, "must not be empty")
		}
	case utf8.RuneCountInString(l) > maxLabelLen:
		probs.Add(path, "must be at most %d characters", maxLabelLen)
	case strings.ContainsAny(l, "\r\n\t"):
		probs.Add(path, "must be a single line")
	}
}

// Validate reports every problem with the model at once, as a KindInvalid error with
// field paths in the JSON form ("stages[2].exit[0].key"). customFields are the keys of
// the workspace's custom opportunity fields, which criteria may require besides the
// built-in ones. A model is valid when its motion is known; it has 2 to MaxStages stages
// with unique, well-formed keys (lowercase letters, digits, underscores; not "closed_lost")
// and labels; WonAt, if set, names one of them; and every criterion is well-formed and
// refers to a known field.
func (m Model) Validate(customFields ...string) error {
	var probs tandem.Problems
	if _, err := tandem.ParseMotion(string(m.Motion)); err != nil {
		probs.Add("motion", "unknown motion %q: use referral, resale, marketplace, services or tech", m.Motion)
	}
	switch {
	case len(m.Stages) < 2:
		probs.Add("stages", "needs at least 2 stages, has %d", len(m.Stages))
	case len(m.Stages) > MaxStages:
		probs.Add("stages", "has %d stages; at most %d are allowed", len(m.Stages), MaxStages)
	}
	known := map[string]bool{}
	for _, f := range BuiltinFields() {
		known[f.Key] = true
	}
	for _, f := range customFields {
		known[f] = true
	}
	seen := map[string]int{}
	for i, s := range m.Stages {
		at := fmt.Sprintf("stages[%d]", i)
		switch {
		case s.Key == Lost:
			probs.Add(at+".key", "%q is reserved for the closed-lost state", Lost)
		case !ValidKey(s.Key):
			probs.Add(at+".key", "must be 1 to %d lowercase letters, digits or underscores, starting with a letter", maxKeyLen)
		default:
			if j, dup := seen[s.Key]; dup {
				probs.Add(at+".key", "stage %q is already used by stages[%d]", s.Key, j)
			} else {
				seen[s.Key] = i
			}
		}
		validLabel(&probs, at+".label", s.Label, true)
		validCriteria(&probs, at+".exit", s.Exit, known)
	}
	if m.WonAt != "" && m.Index(m.WonAt) < 0 {
		probs.Add("won_at", "names no stage of this model: %q", m.WonAt)
	}
	validCriteria(&probs, "lost_criteria", m.LostCriteria, known)
	return probs.Err("The stage model is not valid.")
}

func validCriteria(probs *tandem.Problems, at string, cs []Criterion, knownFields map[string]bool) {
	if len(cs) > MaxCriteria {
		probs.Add(at, "has %d criteria; at most %d are allowed", len(cs), MaxCriteria)
		return
	}
	seen := map[Criterion]int{}
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d]", at, i)
		switch c.Kind {
		case KindField:
			if !knownFields[c.Key] {
				probs.Add(p+".key", "unknown field %q", c.Key)
			}
		case KindMilestone, KindAttachment:
			if !ValidKey(c.Key) {
				probs.Add(p+".key", "must be 1 to %d lowercase letters, digits or underscores, starting with a letter", maxKeyLen)
			}
		case KindAttribution:
			if c.Key != "" && c.Key != "sourced" && c.Key != "influenced" {
				probs.Add(p+".key", "must be empty, sourced or influenced")
			}
		case KindRegistration:
			if c.Key != "" {
				probs.Add(p+".key", "must be empty for %s", c.Kind)
			}
		default:
			probs.Add(p+".kind", "unknown kind %q: use field, attribution, milestone, attachment or registration_approved", c.Kind)
			continue
		}
		validLabel(probs, p+".label", c.Label, false)
		id := Criterion{Kind: c.Kind, Key: c.Key}
		if j, dup := seen[id]; dup {
			probs.Add(p, "repeats %s[%d]", at, j)
		} else {
			seen[id] = i
		}
	}
}

// ParseModel decodes a model from JSON and validates it with Validate(customFields...).
// Unknown fields, trailing data and documents over 64 KiB are refused; every error is
// KindInvalid.
func ParseModel(data []byte, customFields ...string) (Model, error) {
	var m Model
	if err := tandem.DecodeSettings(data, maxModelJSON, "The stage model", &m); err != nil {
		return Model{}, err
	}
	if err := m.Validate(customFields...); err != nil {
		return Model{}, err
	}
	return m, nil
}
