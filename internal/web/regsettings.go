package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/tandemprm/tandem/internal/conflict"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
)

func (ui *UI) registerRegistrationSettings(mux *http.ServeMux) {
	ui.handle(mux, "GET /w/{slug}/settings/registrations", ui.console(ui.registrationSettings))
	ui.handle(mux, "POST /w/{slug}/settings/registrations", ui.console(ui.saveRegistrationSettings))
}

func (ui *UI) registrationSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.o.Registrations.GetSettings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	ui.renderRegistrationSettings(w, r, p, http.StatusOK, set, nil)
}

// numberFields are the whole-number settings of the form: field name → where it goes.
func numberFields(s *registration.Settings) []struct {
	name, label string
	v           *int
} {
	pc := &s.Protection
	return []struct {
		name, label string
		v           *int
	}{
		{"review_sla_business_hours", "Decide within (business hours)", &pc.ReviewSLABusinessHours},
		{"remind_before_hours", "Remind reviewers before the deadline (business hours; 0: no reminder)", &s.RemindBeforeHours},
		{"window_days", "Protection window (days)", &pc.WindowDays},
		{"reminder_days", "Remind the partner before protection ends (days; 0: no reminder)", &pc.ReminderDays},
		{"max_extensions", "Extensions allowed per registration", &pc.MaxExtensions},
		{"max_extension_days", "Longest extension (days)", &pc.MaxExtensionDays},
		{"auto_extend_activity_days", "Automatic extension: activity within (days)", &pc.AutoExtendActivityDays},
		{"auto_extend_days", "Automatic extension: length (days)", &pc.AutoExtendDays},
		{"no_touch_days", "Flag for reassignment after no activity for (days; 0: never)", &pc.NoTouchDays},
		{"conversion_sla_hours", "Convert into an opportunity within (hours; 0: no check)", &pc.ConversionSLAHours},
		{"appeal_days", "Appeals possible for (days; 0: no appeals)", &pc.AppealDays},
		{"max_appeals", "Appeals per decision", &pc.MaxAppeals},
		{"appeal_sla_business_hours", "Decide an appeal within (business hours)", &pc.AppealSLABusinessHours},
		{"min_tier_rank", "Auto-approve from tier rank", &s.AutoApprove.MinTierRank},
		{"eligible_tier_rank", "Registration open from tier rank (0: every tier)", &s.Eligibility.MinTierRank},
		{"max_open", "Registrations a partner may have waiting or protected at once (0: no limit)", &s.Eligibility.MaxOpen},
	}
}

func (ui *UI) saveRegistrationSettings(w http.ResponseWriter, r *http.Request, v Viewer, p Page) {
	set, err := ui.o.Registrations.GetSettings(r.Context(), v.Actor)
	if err != nil {
		ui.Error(w, r, err)
		return
	}
	_ = r.ParseForm()
	var probs tandem.Problems
	for _, f := range numberFields(&set) {
		raw := strings.TrimSpace(r.PostFormValue(f.name))
		n, err := strconv.Atoi(raw)
		if err != nil {
			probs.Add(f.name, "must be a whole number")
			continue
		}
		*f.v = n
	}
	if _, ok := r.PostForm["approval_chains"]; ok {
		chains, bad := parseChainLines(r.PostFormValue("approval_chains"))
		for _, line := range bad {
			probs.Add("approval_chains", "cannot read %q: write a deal size, optional motions, a colon and the approvers, such as 100000 resale: reviewer, admin", line)
		}
		set.ApprovalChains = chains
	}
	set.Eligibility.InTerritory = r.PostFormValue("in_territory") == "on"
	set.Protection.AutoExtend = r.PostFormValue("auto_extend") == "on"
	set.AutoApprove.Enabled = r.PostFormValue("auto_approve") == "on"
	set.Protection.MotionWindowDays = map[tandem.Motion]int{}
	for _, m := range tandem.Motions {
		if raw := strings.TrimSpace(r.PostFormValue("window_" + string(m))); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				probs.Add("window_"+string(m), "must be a whole number of days, or empty for the default")
				continue
			}
			set.Protection.MotionWindowDays[m] = n
		}
	}
	set.Required = map[tandem.Motion][]string{}
	for _, m := range tandem.Motions {
		set.Required[m] = r.PostForm["required_"+string(m)]
	}
	// Rules: on or off, ordered by the numbers given (ties keep the current order).
	type ordered struct {
		s     conflict.RuleSetting
		order int
		index int
	}
	var rules []ordered
	for i, k := range conflict.AllRules() {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("order_" + string(k))))
		if err != nil {
			probs.Add("order_"+string(k), "must be a whole number")
		}
		rules = append(rules, ordered{conflict.RuleSetting{Key: k, Enabled: r.PostFormValue("rule_"+string(k)) == "on"}, n, i})
	}
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].order < rules[j].order })
	set.Policy.Rules = nil
	for _, x := range rules {
		set.Policy.Rules = append(set.Policy.Rules, x.s)
	}
	set.Policy.DirectOwnership = conflict.DirectMode(r.PostFormValue("direct_ownership"))
	set.Policy.PossibleMatches = conflict.PossibleMode(r.PostFormValue("possible_matches"))
	if _, edited := r.PostForm["tier_ranks"]; edited {
		set.TierRanks = map[string]int{}
	}
	for i, line := range strings.Split(r.PostFormValue("tier_ranks"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, rank, ok := strings.Cut(line, "=")
		n, err := strconv.Atoi(strings.TrimSpace(rank))
		if !ok || err != nil || strings.TrimSpace(name) == "" {
			probs.Add("tier_ranks", "line %d must read Tier = rank, such as Gold = 3", i+1)
			continue
		}
		set.TierRanks[strings.ToLower(strings.TrimSpace(name))] = n
	}
	set.CustomFields = nil
	for i, line := range strings.Split(r.PostFormValue("custom_fields"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) < 2 {
			probs.Add("custom_fields", "line %d must read key | Label [| required] [| motions]", i+1)
			continue
		}
		c := registration.CustomField{Key: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1])}
		for _, extra := range parts[2:] {
			extra = strings.TrimSpace(extra)
			if extra == "required" {
				c.Required = true
				continue
			}
			for _, m := range strings.FieldsFunc(extra, func(r rune) bool { return r == ',' || r == ' ' }) {
				c.Motions = append(c.Motions, tandem.Motion(m))
			}
		}
		set.CustomFields = append(set.CustomFields, c)
	}
	certRules, _, ruleProbs := parseCertificationRules(r.PostFormValue("certification_rules"))
	set.Eligibility.Certifications = certRules
	probs = append(probs, ruleProbs...)
	set.Policy.Certifications = parsePolicyCertifications(r.PostFormValue("policy_certifications"))
	if err := probs.Err("The settings are not valid."); err != nil {
		ui.renderRegistrationSettings(w, r, p, http.StatusUnprocessableEntity, set, err)
		return
	}
	if _, err := ui.o.Registrations.UpdateSettings(r.Context(), v.Actor, v.Name, set); err != nil {
		if tandem.KindOf(err) == tandem.KindInvalid {
			ui.renderRegistrationSettings(w, r, p, http.StatusUnprocessableEntity, set, err)
			return
		}
		ui.Error(w, r, err)
		return
	}
	SetFlash(w, Flash{Kind: "success", Text: "Registration settings saved. Protection already granted keeps its length."})
	http.Redirect(w, r, "/w/"+v.WorkspaceSlug+"/settings/registrations", http.StatusSeeOther)
}

type ruleRow struct {
	Key, Label string
	Enabled    bool
	Order      int
}

type motionRow struct {
	Motion   tandem.Motion
	Window   string
	Required map[string]bool
}

func (ui *UI) renderRegistrationSettings(w http.ResponseWriter, r *http.Request, p Page, status int, set registration.Settings, err error) {
	errs := map[string]string{}
	addErr := func(k, d string) {
		if errs[k] != "" {
			d = errs[k] + "; " + d
		}
		errs[k] = d
	}
	// A refused form shows the certification rules as typed, so that the line numbers
	// of its errors are those of the text in front of the person.
	certText := formatCertificationRules(set.Eligibility.Certifications)
	var certLines []int
	if typed, ok := r.PostForm["certification_rules"]; ok && err != nil && len(typed) > 0 {
		certText = typed[0]
		_, certLines, _ = parseCertificationRules(certText)
	}
	for _, fe := range tandem.FieldsOf(err) {
		key := fe.Path
		// Nested paths from validation ("protection.window_days") land on the form field.
		if strings.HasPrefix(key, "approval_chains") {
			errs["approval_chains"] = strings.TrimSpace(strings.TrimPrefix(key, "approval_chains") + " " + fe.Detail)
			continue
		} else if strings.HasPrefix(key, "custom_fields") {
			errs["custom_fields"] = strings.TrimPrefix(key, "custom_fields") + " " + fe.Detail
			continue
		} else if rest, ok := strings.CutPrefix(key, "eligibility.certifications"); ok {
			addErr("certification_rules", certificationLine(rest, certLines)+fe.Detail)
			continue
		} else if key == "certification_rules" {
			addErr(key, fe.Detail)
			continue
		} else if rest, ok := strings.CutPrefix(key, "policy.certifications"); ok {
			errs["policy_certifications"] = strings.TrimSpace(rest + " " + fe.Detail)
			continue
		} else if i := strings.LastIndexByte(key, '.'); i >= 0 {
			key = key[i+1:]
		}
		errs[key] = fe.Detail
	}
	if err != nil {
		p.Flashes = append(p.Flashes, Flash{Kind: "error", Text: "The settings were not saved; please correct the fields marked below."})
		if len(errs) == 0 {
			errs["form"] = tandem.MessageOf(err)
		}
	}
	var nums []map[string]any
	for _, f := range numberFields(&set) {
		nums = append(nums, map[string]any{"Name": f.name, "Label": f.label, "Value": *f.v, "Error": errs[f.name]})
	}
	var rules []ruleRow
	for i, rs := range set.Policy.Rules {
		rules = append(rules, ruleRow{Key: string(rs.Key), Label: rs.Key.Label(), Enabled: rs.Enabled, Order: i + 1})
	}
	var motions []motionRow
	for _, m := range tandem.Motions {
		row := motionRow{Motion: m, Required: map[string]bool{}}
		if n, ok := set.Protection.MotionWindowDays[m]; ok {
			row.Window = strconv.Itoa(n)
		}
		for _, f := range set.Required[m] {
			row.Required[f] = true
		}
		motions = append(motions, row)
	}
	var tiers []string
	for name, rank := range set.TierRanks {
		tiers = append(tiers, fmt.Sprintf("%s = %d", name, rank))
	}
	slices.Sort(tiers)

	var custom []string
	for _, c := range set.CustomFields {
		line := c.Key + " | " + c.Label
		if c.Required {
			line += " | required"
		}
		if len(c.Motions) > 0 {
			ms := make([]string, len(c.Motions))
			for i, m := range c.Motions {
				ms[i] = string(m)
			}
			line += " | " + strings.Join(ms, ", ")
		}
		custom = append(custom, line)
	}
	p.Title = "Registration settings"
	p.Data = map[string]any{"S": set, "CertRules": certText, "PolicyCerts": strings.Join(set.Policy.Certifications, ", "), "Numbers": nums, "Rules": rules, "Motions": motions, "Fields": registration.RequirableFields,
		"Tiers": strings.Join(tiers, ", "), "Custom": strings.Join(custom, "\n"), "Chains": chainLines(set), "Errors": errs}
	ui.render(w, r, status, "registration_settings", p)
}

// certificationLine turns the index part of a certification rule's field path
// ("[2].key") into the line of the typed text that rule came from ("line 5: "),
// lines[i] being the line of rule i; without lines, rule i is taken to be on line
// i+1, as the rules are written back one per line.
func certificationLine(rest string, lines []int) string {
	if !strings.HasPrefix(rest, "[") {
		return ""
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return ""
	}
	n, err := strconv.Atoi(rest[1:end])
	if err != nil || n < 0 {
		return ""
	}
	line := n + 1
	if lines != nil {
		if n >= len(lines) {
			return ""
		}
		line = lines[n]
	}
	return fmt.Sprintf("line %d: ", line)
}

// parseCertificationRules reads the certification rules textarea: one rule a line,
// "key | motions" with the motions separated by commas or spaces (none: every
// motion) and * as the key for any certification; blank lines are skipped. It
// returns the rules, the line (counted from 1, blank lines included) each came from,
// and a problem on certification_rules naming the line of each line it cannot read.
// Keys and motions are not checked here; the settings' validation names them.
func parseCertificationRules(text string) ([]registration.CertificationRule, []int, tandem.Problems) {
	var (
		rules []registration.CertificationRule
		lines []int
		probs tandem.Problems
	)
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, motions, _ := strings.Cut(line, "|")
		rule := registration.CertificationRule{Key: strings.TrimSpace(key)}
		switch {
		case rule.Key == "":
			probs.Add("certification_rules", "line %d must read key | motions (or * | motions for any certification)", i+1)
			continue
		case strings.Contains(motions, "|"):
			probs.Add("certification_rules", "line %d has more than one |: write key | motions, the motions separated by commas", i+1)
			continue
		case rule.Key == "*":
			rule.Key = ""
		}
		for _, m := range strings.FieldsFunc(motions, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			rule.Motions = append(rule.Motions, tandem.Motion(m))
		}
		rules = append(rules, rule)
		lines = append(lines, i+1)
	}
	return rules, lines, probs
}

// formatCertificationRules writes rules one a line the way parseCertificationRules
// reads them back.
func formatCertificationRules(rules []registration.CertificationRule) string {
	out := make([]string, len(rules))
	for i, c := range rules {
		line := c.Key
		if line == "" {
			line = "*"
		}
		if len(c.Motions) > 0 {
			ms := make([]string, len(c.Motions))
			for j, m := range c.Motions {
				ms[j] = string(m)
			}
			line += " | " + strings.Join(ms, ", ")
		}
		out[i] = line
	}
	return strings.Join(out, "\n")
}

// parsePolicyCertifications reads the tie-break certifications field: keys separated
// by commas or white space, in the order given.
func parsePolicyCertifications(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// chainLines writes the approval chains one per line: the deal size they start at,
// the motions they are limited to (if any), a colon and the approvers in order:
// "100000 resale, referral: reviewer, partner_manager, admin".
func chainLines(set registration.Settings) string {
	lines := make([]string, len(set.ApprovalChains))
	for i, c := range set.ApprovalChains {
		head := strconv.FormatInt(c.From, 10)
		if len(c.Motions) > 0 {
			ms := make([]string, len(c.Motions))
			for j, m := range c.Motions {
				ms[j] = string(m)
			}
			head += " " + strings.Join(ms, ", ")
		}
		steps := make([]string, len(c.Steps))
		for j, a := range c.Steps {
			steps[j] = string(a)
		}
		lines[i] = head + ": " + strings.Join(steps, ", ")
	}
	return strings.Join(lines, "\n")
}

// parseChainLines reads what chainLines writes, returning the lines it cannot read
// (no colon, or no whole-number deal size first). Unknown motions and approvers are
// kept for the settings' validation to name.
func parseChainLines(text string) ([]registration.ApprovalChain, []string) {
	var out []registration.ApprovalChain
	var bad []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		head, tail, ok := strings.Cut(line, ":")
		words := strings.FieldsFunc(head, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		if !ok || len(words) == 0 {
			bad = append(bad, line)
			continue
		}
		from, err := strconv.ParseInt(words[0], 10, 64)
		if err != nil {
			bad = append(bad, line)
			continue
		}
		c := registration.ApprovalChain{From: from}
		for _, m := range words[1:] {
			c.Motions = append(c.Motions, tandem.Motion(strings.ToLower(m)))
		}
		for _, a := range strings.FieldsFunc(tail, func(r rune) bool { return r == ',' || r == '>' || r == '→' }) {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				c.Steps = append(c.Steps, registration.Approver(a))
			}
		}
		out = append(out, c)
	}
	return out, bad
}
