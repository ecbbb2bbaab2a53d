package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

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
	if n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("two_step_from")), 10, 64); err != nil {
		probs.Add("two_step_from", "must be a whole number (0: one approval always suffices)")
	} else {
		set.TwoStepFrom = n
	}
	set.SecondApprover = strings.TrimSpace(r.PostFormValue("second_approver"))
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
	for _, fe := range tandem.FieldsOf(err) {
		key := fe.Path
		// Nested paths from validation ("protection.window_days") land on the form field.
		if strings.HasPrefix(key, "custom_fields") {
			errs["custom_fields"] = strings.TrimPrefix(key, "custom_fields") + " " + fe.Detail
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
	p.Data = map[string]any{"S": set, "Numbers": nums, "Rules": rules, "Motions": motions, "Fields": registration.RequirableFields,
		"Tiers": strings.Join(tiers, ", "), "Custom": strings.Join(custom, "\n"), "Errors": errs}
	ui.render(w, r, status, "registration_settings", p)
}
