package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/platform/reqid"
	"github.com/tandemprm/tandem/internal/pricing"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/tandem"
)

// accountJSON is an account as the API shows it (internal callers only: partners
// never see accounts).
type accountJSON struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Domain             string    `json:"domain"`
	Country            string    `json:"country"`
	Industry           string    `json:"industry"`
	OwnerUserID        string    `json:"owner_user_id"`
	IncumbentPartnerID string    `json:"incumbent_partner_id"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"`
}

func toAccountJSON(a pipeline.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Domain: a.Domain, Country: a.Country, Industry: a.Industry, OwnerUserID: a.OwnerUserID,
		IncumbentPartnerID: a.IncumbentPartnerID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}
}

// contactJSON is a contact at an account (internal callers only).
type contactJSON struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

func toContactJSON(c pipeline.Contact) contactJSON {
	return contactJSON{ID: c.ID, AccountID: c.AccountID, Name: c.Name, Email: c.Email, Title: c.Title, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
}

// opportunityJSON is an opportunity as internal callers see it: the partner view and
// everything else.
type opportunityJSON struct {
	pipeline.PartnerView
	AccountID      string              `json:"account_id"`
	Amount         string              `json:"amount"`
	Currency       string              `json:"currency"`
	CloseOn        string              `json:"close_on"`
	Status         string              `json:"status"`
	OwnerUserID    string              `json:"owner_user_id"`
	PartnerID      string              `json:"partner_id"`
	Fields         map[string]string   `json:"fields"`
	Attribution    []attribution.Entry `json:"attribution"`
	LastActivityAt *time.Time          `json:"last_activity_at"`
	CreatedAt      time.Time           `json:"created_at"`
	Version        int                 `json:"version"`
	// Flags is what needs attention (staleness, an owed follow-up), when computed.
	Flags *pipeline.Flags `json:"flags,omitempty"`
	// Pricing is the discount, its approval and price protection (never for partners).
	Pricing pipeline.Pricing `json:"pricing"`
	// RenewalOn is a renewal's date; Renewal where confirming its owner stands.
	RenewalOn string      `json:"renewal_on"`
	Renewal   renewalJSON `json:"renewal"`
}

// renewalJSON is where the confirmation of a renewal's owner stands.
type renewalJSON struct {
	NextCheckAt *time.Time `json:"next_check_at"`
	AskedAt     *time.Time `json:"asked_at"`
	EscalatedAt *time.Time `json:"escalated_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	ConfirmedBy string     `json:"confirmed_by"`
}

// formatMinor writes hundredths as a plain decimal ("12500.50").
func formatMinor(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }

// opportunityOut picks the view the principal may see: partners get PartnerView only;
// the vendor's people get everything and the flags, when given.
func opportunityOut(p Principal, o pipeline.Opportunity, flags ...pipeline.Flags) any {
	v := pipeline.ToPartnerView(o)
	if p.Actor.IsPartner() {
		return v
	}
	fields := o.Details
	if fields == nil {
		fields = map[string]string{}
	}
	attr := o.Attribution
	if attr == nil {
		attr = []attribution.Entry{}
	}
	return opportunityJSON{PartnerView: v, AccountID: o.AccountID, Amount: formatMinor(o.AmountMinor), Currency: o.Currency, CloseOn: o.CloseOn,
		Status: string(o.Status), OwnerUserID: o.OwnerUserID, PartnerID: o.PartnerID, Fields: fields, Attribution: attr,
		LastActivityAt: timePtr(o.LastActivityAt), CreatedAt: o.CreatedAt, Version: o.Version, Flags: firstFlags(flags), Pricing: o.Pricing,
		RenewalOn: o.RenewalOn, Renewal: renewalJSON{NextCheckAt: timePtr(o.Renewal.WakeAt), AskedAt: timePtr(o.Renewal.AskedAt),
			EscalatedAt: timePtr(o.Renewal.EscalatedAt), ConfirmedAt: timePtr(o.Renewal.ConfirmedAt), ConfirmedBy: o.Renewal.ConfirmedBy}}
}

func firstFlags(fs []pipeline.Flags) *pipeline.Flags {
	if len(fs) == 0 {
		return nil
	}
	return &fs[0]
}

// noteJSON is a note as the vendor's people see it.
type noteJSON struct {
	pipeline.PartnerNoteView
	OpportunityID string     `json:"opportunity_id"`
	Visibility    string     `json:"visibility"`
	Kind          string     `json:"kind"`
	AuthorID      string     `json:"author_id"`
	PartnerID     string     `json:"partner_id"`
	FollowUpDueAt *time.Time `json:"follow_up_due_at"`
}

// milestoneJSON is a plan milestone as the vendor's people see it.
type milestoneJSON struct {
	pipeline.PartnerMilestoneView
	OpportunityID  string     `json:"opportunity_id"`
	Key            string     `json:"key"`
	OwnerUserID    string     `json:"owner_user_id"`
	OwnerContactID string     `json:"owner_contact_id"`
	OwnerPartnerID string     `json:"owner_partner_id"`
	Overdue        bool       `json:"overdue"`
	NudgedAt       *time.Time `json:"nudged_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// planOut returns milestones as the principal may see them: partners get the safe
// view of their own organisation's milestones only (the service filtered them).
func planOut(p Principal, ms []pipeline.Milestone, now time.Time) any {
	views := pipeline.ToPartnerMilestones(ms)
	if p.Actor.IsPartner() {
		return views
	}
	out := make([]milestoneJSON, len(ms))
	for i, m := range ms {
		out[i] = milestoneJSON{PartnerMilestoneView: views[i], OpportunityID: m.OpportunityID, Key: m.Key, OwnerUserID: m.OwnerUserID,
			OwnerContactID: m.OwnerContactID, OwnerPartnerID: m.OwnerPartnerID, Overdue: m.Overdue(now), NudgedAt: timePtr(m.NudgedAt),
			UpdatedAt: m.UpdatedAt}
	}
	return out
}

// notesOut returns notes as the principal may see them: partners get the shared
// notes' safe view only.
func notesOut(p Principal, ns []pipeline.Note) any {
	if p.Actor.IsPartner() {
		return pipeline.ToPartnerNotes(ns)
	}
	out := make([]noteJSON, len(ns))
	for i, n := range ns {
		out[i] = noteJSON{PartnerNoteView: pipeline.PartnerNoteView{ID: n.ID, Body: n.Body, AuthorName: n.AuthorName, AuthorSide: n.AuthorSide, CreatedAt: n.CreatedAt},
			OpportunityID: n.OpportunityID, Visibility: string(n.Visibility), Kind: string(n.Kind), AuthorID: n.AuthorID, PartnerID: n.PartnerID,
			FollowUpDueAt: timePtr(n.FollowUpDueAt)}
	}
	return out
}

// staleOr writes a version conflict from the pipeline as 409 problem+json carrying the
// record's current state (in the view the caller may see) under "current", and
// returns nil; any other error is returned to be written as usual.
func staleOr(w http.ResponseWriter, r *http.Request, p Principal, err error) error {
	cur, ok := pipeline.CurrentOf(err)
	if !ok {
		return err
	}
	var view any
	switch c := cur.(type) {
	case pipeline.Account:
		view = toAccountJSON(c)
	case pipeline.Contact:
		view = toContactJSON(c)
	case pipeline.Opportunity:
		view = opportunityOut(p, c)
	case pipeline.StageModel:
		view = toStageModelJSON(c)
	default:
		return err
	}
	WriteJSONType(w, http.StatusConflict, "application/problem+json", struct {
		Problem
		Current any `json:"current"`
	}{Problem{Type: "urn:tandem:problem:conflict", Title: http.StatusText(http.StatusConflict), Status: http.StatusConflict,
		Detail: tandem.MessageOf(err), Instance: r.URL.Path, RequestID: reqid.From(r.Context())}, view})
	return nil
}

// amountMinor parses an optional amount written as a JSON number or numeric string.
func amountMinor(n *Number) (*int64, error) {
	if n == nil {
		return nil, nil
	}
	v, err := registration.ParseAmount(string(*n))
	if err != nil {
		return nil, tandem.Invalid("The opportunity is not valid.", tandem.FieldError{Path: "amount", Detail: err.Error()})
	}
	return &v, nil
}

// attributionOut is an opportunity's attribution as the principal may see it: a
// partner gets its own credit only.
func attributionOut(p Principal, o pipeline.Opportunity, entries []attribution.Entry) any {
	if p.Actor.IsPartner() {
		return map[string]any{"data": pipeline.ToPartnerCredits(o, entries)}
	}
	if entries == nil {
		entries = []attribution.Entry{}
	}
	s, i := attribution.Totals(entries)
	return map[string]any{"opportunity_id": o.ID, "version": o.Version, "data": entries,
		"sourced_percent": s, "influenced_percent": i, "updated_at": o.UpdatedAt}
}

// RegisterPipelineSettings adds the workspace's pipeline settings (freshness and
// follow-up rules) to the API.
func RegisterPipelineSettings(rt *Router, svc *pipeline.Service) {
	rt.Handle("GET", "/api/v1/pipeline/settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		set, err := svc.ReadSettings(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
		return nil
	})
	rt.Handle("PUT", "/api/v1/pipeline/settings", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		in, err := svc.ReadSettings(r.Context(), p.Actor)
		if err != nil {
			return err
		}
		if err := Decode(r, &in); err != nil { // keys left out keep their value
			return err
		}
		set, err := svc.SaveSettings(r.Context(), p.Actor, p.Name, in)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, set)
		return nil
	})
}

// RegisterPipeline adds the accounts, contacts and opportunities API.
func RegisterPipeline(rt *Router, svc *pipeline.Service) {
	// ---- Accounts ----
	rt.Handle("GET", "/api/v1/accounts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := pipeline.AccountFilter{Query: q.Get("q"), OwnerUserID: q.Get("owner_user_id"), Country: q.Get("country"), Industry: q.Get("industry")}
		as, more, err := svc.ListAccounts(r.Context(), p.Actor, f, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		out := make([]accountJSON, len(as))
		for i, a := range as {
			out[i] = toAccountJSON(a)
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(a accountJSON) string { return a.ID }))
		return nil
	})
	type accountBody struct {
		Name        *string `json:"name"`
		Domain      *string `json:"domain"`
		Country     *string `json:"country"`
		Industry    *string `json:"industry"`
		OwnerUserID *string `json:"owner_user_id"`
		Incumbent   *string `json:"incumbent_partner_id"`
		Version     int     `json:"version"`
	}
	accountInput := func(b accountBody) pipeline.AccountInput {
		return pipeline.AccountInput{Name: b.Name, Domain: b.Domain, Country: b.Country, Industry: b.Industry, OwnerUserID: b.OwnerUserID, IncumbentPartnerID: b.Incumbent}
	}
	rt.Handle("POST", "/api/v1/accounts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in accountBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		a, err := svc.CreateAccount(r.Context(), p.Actor, p.Name, accountInput(in))
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
		WriteJSON(w, http.StatusCreated, toAccountJSON(a))
		return nil
	})
	rt.Handle("GET", "/api/v1/accounts/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		a, err := svc.Account(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toAccountJSON(a))
		return nil
	})
	rt.Handle("PATCH", "/api/v1/accounts/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in accountBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		a, err := svc.UpdateAccount(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Version, accountInput(in))
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, toAccountJSON(a))
		return nil
	})

	// ---- Contacts ----
	rt.Handle("GET", "/api/v1/contacts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		cs, more, err := svc.ListContacts(r.Context(), p.Actor, pipeline.ContactFilter{AccountID: q.Get("account_id"), Query: q.Get("q")}, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		out := make([]contactJSON, len(cs))
		for i, c := range cs {
			out[i] = toContactJSON(c)
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(c contactJSON) string { return c.ID }))
		return nil
	})
	type contactBody struct {
		AccountID *string `json:"account_id"`
		Name      *string `json:"name"`
		Email     *string `json:"email"`
		Title     *string `json:"title"`
		Version   int     `json:"version"`
	}
	contactInput := func(b contactBody) pipeline.ContactInput {
		return pipeline.ContactInput{AccountID: b.AccountID, Name: b.Name, Email: b.Email, Title: b.Title}
	}
	rt.Handle("POST", "/api/v1/contacts", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in contactBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.CreateContact(r.Context(), p.Actor, p.Name, contactInput(in))
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/contacts/"+c.ID)
		WriteJSON(w, http.StatusCreated, toContactJSON(c))
		return nil
	})
	rt.Handle("GET", "/api/v1/contacts/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		c, err := svc.Contact(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, toContactJSON(c))
		return nil
	})
	rt.Handle("PATCH", "/api/v1/contacts/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in contactBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		c, err := svc.UpdateContact(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Version, contactInput(in))
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, toContactJSON(c))
		return nil
	})

	// ---- Opportunities ----
	rt.Handle("GET", "/api/v1/opportunities", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := pipeline.Filter{Motion: tandem.Motion(q.Get("motion")), Stage: q.Get("stage"), Status: pipeline.Status(q.Get("status")),
			PartnerID: q.Get("partner_id"), OwnerUserID: q.Get("owner_user_id"), AccountID: q.Get("account_id"), Query: q.Get("q"),
			CloseFrom: q.Get("close_from"), CloseTo: q.Get("close_to")}
		f.Attention = q.Get("attention")
		opps, more, err := svc.ListOpportunities(r.Context(), p.Actor, f, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		set, err := svc.Settings(r.Context(), p.Actor.WorkspaceID)
		if err != nil {
			return err
		}
		now := svc.Now()
		out := make([]any, len(opps))
		for i, o := range opps {
			out[i] = opportunityOut(p, o, pipeline.FlagsAt(o, set, now))
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, func(any) string { return opps[len(opps)-1].ID }))
		return nil
	})
	type opportunityBody struct {
		AccountID   *string           `json:"account_id"`
		Name        *string           `json:"name"`
		Amount      *Number           `json:"amount"`
		Currency    *string           `json:"currency"`
		CloseOn     *string           `json:"close_on"`
		OwnerUserID *string           `json:"owner_user_id"`
		NextStep    *string           `json:"next_step"`
		Fields      map[string]string `json:"fields"`
		Kind        *string           `json:"kind"`
		RenewalOn   *string           `json:"renewal_on"`
	}
	opportunityInput := func(b opportunityBody) (pipeline.OpportunityInput, error) {
		amt, err := amountMinor(b.Amount)
		return pipeline.OpportunityInput{AccountID: b.AccountID, Name: b.Name, AmountMinor: amt, Currency: b.Currency, CloseOn: b.CloseOn,
			OwnerUserID: b.OwnerUserID, NextStep: b.NextStep, Fields: b.Fields, Kind: b.Kind, RenewalOn: b.RenewalOn}, err
	}
	rt.Handle("POST", "/api/v1/opportunities", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			opportunityBody
			Motion    string `json:"motion"`
			Stage     string `json:"stage"`
			PartnerID string `json:"partner_id"`
			// Account is a new account to create with the opportunity, instead of
			// account_id; Attribution the partners credited from the start.
			Account     *accountBody  `json:"account"`
			Attribution *[]creditBody `json:"attribution"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		oi, err := opportunityInput(in.opportunityBody)
		if err != nil {
			return err
		}
		oi.Motion, oi.Stage, oi.PartnerID = tandem.Motion(in.Motion), in.Stage, in.PartnerID
		if in.Account != nil {
			na := accountInput(*in.Account)
			oi.NewAccount = &na
		}
		if in.Attribution != nil {
			if oi.Attribution, err = attributionEntries(*in.Attribution); err != nil {
				return err
			}
		}
		o, err := svc.CreateOpportunity(r.Context(), p.Actor, p.Name, oi)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/opportunities/"+o.ID)
		WriteJSON(w, http.StatusCreated, opportunityOut(p, o))
		return nil
	})
	rt.Handle("GET", "/api/v1/opportunities/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		o, err := svc.Opportunity(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		set, err := svc.Settings(r.Context(), p.Actor.WorkspaceID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o, pipeline.FlagsAt(o, set, svc.Now())))
		return nil
	})
	type milestoneBody struct {
		Key            *string `json:"key"`
		Title          *string `json:"title"`
		OwnerSide      *string `json:"owner_side"`
		OwnerUserID    *string `json:"owner_user_id"`
		OwnerContactID *string `json:"owner_contact_id"`
		OwnerPartnerID *string `json:"owner_partner_id"`
		DueOn          *string `json:"due_on"`
		Status         *string `json:"status"`
		Version        int     `json:"version"`
	}
	milestoneInput := func(b milestoneBody) pipeline.MilestoneInput {
		return pipeline.MilestoneInput{Key: b.Key, Title: b.Title, OwnerSide: b.OwnerSide, OwnerUserID: b.OwnerUserID,
			OwnerContactID: b.OwnerContactID, OwnerPartnerID: b.OwnerPartnerID, DueOn: b.DueOn, Status: b.Status}
	}
	oneMilestone := func(p Principal, m pipeline.Milestone) any {
		switch v := planOut(p, []pipeline.Milestone{m}, svc.Now()).(type) {
		case []pipeline.PartnerMilestoneView:
			return v[0]
		case []milestoneJSON:
			return v[0]
		}
		return nil
	}
	rt.Handle("GET", "/api/v1/opportunities/{id}/plan", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ms, err := svc.Plan(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": planOut(p, ms, svc.Now())})
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/plan", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in milestoneBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		m, err := svc.AddMilestone(r.Context(), p.Actor, p.Name, r.PathValue("id"), milestoneInput(in))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, oneMilestone(p, m))
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/plan/template", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ms, err := svc.ApplyTemplate(r.Context(), p.Actor, p.Name, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"added": planOut(p, ms, svc.Now())})
		return nil
	})
	rt.Handle("PATCH", "/api/v1/opportunities/{id}/plan/{item}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in milestoneBody
		if err := Decode(r, &in); err != nil {
			return err
		}
		m, err := svc.UpdateMilestone(r.Context(), p.Actor, p.Name, r.PathValue("id"), r.PathValue("item"), in.Version, milestoneInput(in))
		if err != nil {
			if cur, ok := pipeline.CurrentOf(err); ok {
				if cm, ok := cur.(pipeline.Milestone); ok {
					WriteJSONType(w, http.StatusConflict, "application/problem+json", struct {
						Problem
						Current any `json:"current"`
					}{Problem{Type: "urn:tandem:problem:conflict", Title: http.StatusText(http.StatusConflict), Status: http.StatusConflict,
						Detail: tandem.MessageOf(err), Instance: r.URL.Path, RequestID: reqid.From(r.Context())}, oneMilestone(p, cm)})
					return nil
				}
			}
			return err
		}
		WriteJSON(w, http.StatusOK, oneMilestone(p, m))
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/renewal/confirm", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			OwnerUserID string `json:"owner_user_id"`
			PartnerID   string `json:"partner_id"`
			Version     int    `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		o, err := svc.ConfirmRenewal(r.Context(), p.Actor, p.Name, r.PathValue("id"), pipeline.RenewalConfirmation{OwnerUserID: in.OwnerUserID, PartnerID: in.PartnerID, Version: in.Version})
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/discount", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Discount json.Number `json:"discount"`
			Reason   string      `json:"reason"`
			Version  int         `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		pct, err := attribution.ParsePercent(string(in.Discount))
		if err != nil {
			return tandem.Invalid("The discount cannot be asked for.", tandem.FieldError{Path: "discount", Detail: err.Error()})
		}
		o, err := svc.RequestDiscount(r.Context(), p.Actor, p.Name, r.PathValue("id"), pipeline.DiscountRequest{Discount: pct, Reason: in.Reason, Version: in.Version})
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/discount/decision", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Approve *bool  `json:"approve"`
			Reason  string `json:"reason"`
			Version int    `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		if in.Approve == nil {
			return tandem.Invalid("The decision is not valid.", tandem.FieldError{Path: "approve", Detail: "is required: true to approve, false to decline"})
		}
		o, err := svc.DecideDiscount(r.Context(), p.Actor, p.Name, r.PathValue("id"), pipeline.DiscountDecision{Approve: *in.Approve, Reason: in.Reason, Version: in.Version})
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("PUT", "/api/v1/opportunities/{id}/price-protection", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Enabled  bool        `json:"enabled"`
			From     time.Time   `json:"from"`
			Until    time.Time   `json:"until"`
			Discount json.Number `json:"discount"`
			Version  int         `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		var pct attribution.Percent
		if in.Discount != "" {
			var err error
			if pct, err = attribution.ParsePercent(string(in.Discount)); err != nil {
				return tandem.Invalid("The price protection is not valid.", tandem.FieldError{Path: "price_protection.discount", Detail: err.Error()})
			}
		}
		o, err := svc.SetPriceProtection(r.Context(), p.Actor, p.Name, r.PathValue("id"),
			pricing.Protection{Enabled: in.Enabled, From: in.From.UTC(), Until: in.Until.UTC(), Discount: pct}, in.Version)
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("GET", "/api/v1/opportunities/{id}/notes", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		ns, err := svc.Notes(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"data": notesOut(p, ns)})
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/notes", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Body       string `json:"body"`
			Visibility string `json:"visibility"`
			Kind       string `json:"kind"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		n, err := svc.AddNote(r.Context(), p.Actor, p.Name, r.PathValue("id"),
			pipeline.NoteInput{Body: in.Body, Visibility: pipeline.Visibility(in.Visibility), Kind: pipeline.NoteKind(in.Kind)})
		if err != nil {
			return err
		}
		out := notesOut(p, []pipeline.Note{n})
		switch v := out.(type) {
		case []pipeline.PartnerNoteView:
			WriteJSON(w, http.StatusCreated, v[0])
		case []noteJSON:
			WriteJSON(w, http.StatusCreated, v[0])
		}
		return nil
	})
	rt.Handle("PATCH", "/api/v1/opportunities/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			opportunityBody
			Version int `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		oi, err := opportunityInput(in.opportunityBody)
		if err != nil {
			return err
		}
		o, err := svc.UpdateOpportunity(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Version, oi)
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("POST", "/api/v1/opportunities/{id}/stage", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			To      string `json:"to"`
			Version int    `json:"version"`
			Note    string `json:"note"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		o, err := svc.MoveStage(r.Context(), p.Actor, p.Name, r.PathValue("id"), pipeline.StageMove{To: in.To, Version: in.Version, Note: in.Note})
		if err != nil {
			return staleOr(w, r, p, err)
		}
		WriteJSON(w, http.StatusOK, opportunityOut(p, o))
		return nil
	})
	rt.Handle("GET", "/api/v1/opportunities/{id}/attribution", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		o, entries, err := svc.Attribution(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, attributionOut(p, o, entries))
		return nil
	})
	rt.Handle("PUT", "/api/v1/opportunities/{id}/attribution", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in struct {
			Attribution []creditBody `json:"attribution"`
			Reason      string       `json:"reason"`
			Version     int          `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return err
		}
		entries, err := attributionEntries(in.Attribution)
		if err != nil {
			return err
		}
		if _, err := svc.SetAttribution(r.Context(), p.Actor, p.Name, r.PathValue("id"), pipeline.AttributionChange{Entries: entries, Reason: in.Reason, Version: in.Version}); err != nil {
			return staleOr(w, r, p, err)
		}
		o, entries, err := svc.Attribution(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, attributionOut(p, o, entries))
		return nil
	})
}

// creditBody is one partner's credit as the API takes it.
type creditBody struct {
	PartnerID string      `json:"partner_id"`
	Kind      string      `json:"kind"`
	Percent   json.Number `json:"percent"`
}

// attributionEntries reads credits, naming each unreadable percentage by its row
// ("attribution[1].percent"); the rules on the entries are the service's.
func attributionEntries(in []creditBody) ([]attribution.Entry, error) {
	var probs tandem.Problems
	entries := make([]attribution.Entry, len(in))
	for i, e := range in {
		pct, err := attribution.ParsePercent(string(e.Percent))
		if err != nil {
			probs.Add(fmt.Sprintf("%s[%d].percent", attribution.Path, i), "%s", err.Error())
		}
		entries[i] = attribution.Entry{PartnerID: e.PartnerID, Kind: attribution.Kind(e.Kind), Percent: pct}
	}
	if err := probs.Err("The attribution is not valid."); err != nil {
		return nil, err
	}
	return entries, nil
}
