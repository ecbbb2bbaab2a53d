package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/tandemprm/tandem/internal/csvimport"
	"github.com/tandemprm/tandem/internal/registration"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/tandem"
)

// registrationJSON is a registration as internal callers (reviewers, integrations)
// see it: everything, including the uniqueness test's candidates and the conflict
// policy's recommendation.
type registrationJSON struct {
	registration.PartnerView
	PartnerID           string                   `json:"partner_id"`
	Channel             string                   `json:"channel"`
	SubmitterEmail      string                   `json:"submitter_email"`
	OpportunityName     string                   `json:"opportunity_name"`
	Products            []string                 `json:"products"`
	Proof               string                   `json:"proof"`
	RecommendedRuling   string                   `json:"recommended_ruling"`
	ConflictType        string                   `json:"conflict_type"`
	ConflictRule        string                   `json:"conflict_rule,omitempty"`
	InternalExplanation string                   `json:"internal_explanation"`
	Candidates          []registration.Candidate `json:"candidates"`
	ReviewDueAt         *time.Time               `json:"review_due_at"`
	DecidedBy           string                   `json:"decided_by,omitempty"`
	DecisionRationale   string                   `json:"decision_rationale,omitempty"`
	ReviewSLAMet        *bool                    `json:"review_sla_met"`
	AccountID           string                   `json:"account_id,omitempty"`
	FirstApprovalBy     string                   `json:"first_approval_by,omitempty"`
	ApprovalSteps       []approvalStepJSON       `json:"approval_steps"`
	WaitingOn           string                   `json:"waiting_on,omitempty"`
	Appeals             int                      `json:"appeals"`
	AppealDueAt         *time.Time               `json:"appeal_due_at"`
	Version             int                      `json:"version"`
}

// approvalStepJSON is one step of a registration's approval chain.
type approvalStepJSON struct {
	Step         int        `json:"step"` // 1-based
	Approver     string     `json:"approver"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApprovedByID string     `json:"approved_by_id,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at"`
}

func approvalSteps(r registration.Registration, set registration.Settings) []approvalStepJSON {
	steps := set.Steps(r)
	out := make([]approvalStepJSON, len(steps))
	for i, st := range steps {
		out[i] = approvalStepJSON{Step: st.Step + 1, Approver: string(st.Approver)}
		if st.Given != nil {
			out[i].ApprovedBy, out[i].ApprovedByID, out[i].ApprovedAt = st.Given.Name, st.Given.UserID, timePtr(st.Given.At)
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func firstApproval(r registration.Registration) string {
	if len(r.Approvals) == 0 {
		return ""
	}
	return r.Approvals[0].Name
}

// registrationOut picks the view the principal may see: partners get PartnerView
// only.
func registrationOut(p Principal, r registration.Registration, set registration.Settings) any {
	v := registration.ToPartnerView(r, set)
	if p.Actor.IsPartner() {
		return v
	}
	products := r.Products
	if products == nil {
		products = []string{}
	}
	cands := r.Candidates
	if cands == nil {
		cands = []registration.Candidate{}
	}
	return registrationJSON{PartnerView: v, PartnerID: r.PartnerID, Channel: string(r.Channel), SubmitterEmail: r.SubmitterEmail,
		OpportunityName: r.OpportunityName, Products: products, Proof: r.Proof, RecommendedRuling: string(r.Ruling),
		ConflictType: string(r.ConflictType), ConflictRule: string(r.ConflictRule), InternalExplanation: r.InternalExplanation,
		Candidates: cands, ReviewDueAt: timePtr(r.ReviewDueAt), DecidedBy: r.DecidedBy, DecisionRationale: r.DecisionRationale,
		ReviewSLAMet: r.ReviewSLAMet, AccountID: r.AccountID, FirstApprovalBy: firstApproval(r), ApprovalSteps: approvalSteps(r, set), WaitingOn: set.WaitingOn(r), Appeals: r.Appeals, AppealDueAt: timePtr(r.AppealDueAt), Version: r.Version}
}

// registrationInput is the body of POST /api/v1/registrations.
type registrationInput struct {
	PartnerID       string   `json:"partner_id"`
	CustomerName    string   `json:"customer_name"`
	CustomerDomain  string   `json:"customer_domain"`
	CustomerCountry string   `json:"customer_country"`
	ContactName     string   `json:"contact_name"`
	ContactEmail    string   `json:"contact_email"`
	OpportunityName string   `json:"opportunity_name"`
	DealSize        *Number  `json:"deal_size"`
	Currency        string   `json:"currency"`
	ExpectedCloseOn string   `json:"expected_close_on"`
	Motion          string   `json:"motion"`
	Products        []string `json:"products"`
	Description     string   `json:"description"`
	Proof           string   `json:"proof"`
	SubmitterName   string   `json:"submitter_name"`
	SubmitterEmail  string   `json:"submitter_email"`
	// Custom answers the workspace's own fields (see the registration settings).
	Custom map[string]string `json:"custom"`
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Number is a JSON number or numeric string kept as written, so that amounts are
// parsed exactly (no floating point).
type Number string

// UnmarshalJSON accepts 12500, 12500.5 or "12,500.50".
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = ""
		return nil
	}
	*n = Number(strings.Trim(string(b), `"`))
	return nil
}

// RegisterRegistrations adds the deal-registration API.
func RegisterRegistrations(rt *Router, svc *registration.Service) {
	rt.Handle("GET", "/api/v1/registrations", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		pg, err := PageParams(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := registration.Filter{PartnerID: q.Get("partner_id"), Query: q.Get("q"), ByDeadline: q.Get("order") == "deadline"}
		if q.Get("order") != "" && q.Get("order") != "deadline" && q.Get("order") != "newest" {
			return tandem.Invalid("The filter is not valid.", tandem.FieldError{Path: "order", Detail: "must be newest (the default) or deadline"})
		}
		for _, st := range strings.Split(q.Get("status"), ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Statuses = append(f.Statuses, registration.Status(st))
			}
		}
		rs, more, err := svc.List(r.Context(), p.Actor, f, pg.After, pg.Limit)
		if err != nil {
			return err
		}
		set, _, err := svc.Settings(r.Context(), p.Actor.WorkspaceID)
		if err != nil {
			return err
		}
		out := make([]any, len(rs))
		for i, x := range rs {
			out[i] = registrationOut(p, x, set)
		}
		cursor := func(any) string { return rs[len(rs)-1].ID }
		if f.ByDeadline {
			cursor = func(any) string { return store.QueueCursor(rs[len(rs)-1]) }
		}
		WriteJSON(w, http.StatusOK, NewList(out, more, cursor))
		return nil
	})
	rt.Handle("POST", "/api/v1/registrations", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		var in registrationInput
		if err := Decode(r, &in); err != nil {
			return err
		}
		ri := registration.Input{PartnerID: in.PartnerID, CustomerName: in.CustomerName, CustomerDomain: in.CustomerDomain,
			CustomerCountry: in.CustomerCountry, ContactName: in.ContactName, ContactEmail: in.ContactEmail, OpportunityName: in.OpportunityName,
			Currency: in.Currency, ExpectedCloseOn: in.ExpectedCloseOn, Motion: in.Motion, Products: in.Products,
			Description: in.Description, Proof: in.Proof, SubmitterName: in.SubmitterName, SubmitterEmail: in.SubmitterEmail, Custom: in.Custom}
		if in.DealSize != nil {
			ri.Amount = string(*in.DealSize)
		}
		rc, err := svc.Submit(r.Context(), p.Actor, p.Name, registration.ChannelAPI, ri)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/registrations/"+rc.Registration.ID)
		WriteJSON(w, http.StatusCreated, map[string]any{
			"registration": registrationOut(p, rc.Registration, rc.Settings),
			"message":      rc.Message,
			// Partners learn only that something may collide; internal callers get the
			// candidates inside the registration.
			"may_collide": rc.MayCollide,
		})
		return nil
	})
	rt.Handle("POST", "/api/v1/registrations/import", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			return &requestError{status: http.StatusUnsupportedMediaType, msg: "The request body must be a CSV file, sent with Content-Type: text/csv."}
		}
		q := r.URL.Query()
		mode := csvimport.AllOrNothing
		switch q.Get("mode") {
		case "", "all_or_nothing":
		case "valid_rows_only":
			mode = csvimport.ValidRowsOnly
		default:
			return tandem.Invalid("The upload options are not valid.", tandem.FieldError{Path: "mode", Detail: "must be all_or_nothing (the default) or valid_rows_only"})
		}
		dry := q.Get("dry_run") == "true"
		res, err := svc.Import(r.Context(), p.Actor, p.Name, r.Body, mode, dry, csvimport.Options{})
		if err != nil && tandem.KindOf(err) != tandem.KindInvalid {
			return err
		}
		ids := make([]string, len(res.Registered))
		for i, x := range res.Registered {
			ids[i] = x.ID
		}
		rejected := res.Report.Rejected
		if rejected == nil {
			rejected = []csvimport.RowError{}
		}
		status := http.StatusOK
		if err != nil {
			status = http.StatusUnprocessableEntity
			if len(rejected) == 0 {
				return err
			}
		}
		WriteJSON(w, status, map[string]any{"dry_run": dry, "rows": res.Report.Rows, "valid": res.Report.Valid,
			"rejected": rejected, "warnings": nonNilStrings(res.Report.Warnings), "registered": ids, "colliding": res.Colliding})
		return nil
	})
	rt.Handle("GET", "/api/v1/registrations/{id}", func(w http.ResponseWriter, r *http.Request, p Principal) error {
		x, err := svc.Get(r.Context(), p.Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		set, _, err := svc.Settings(r.Context(), p.Actor.WorkspaceID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, registrationOut(p, x, set))
		return nil
	})
	action := func(path string, run func(r *http.Request, p Principal) (registration.Registration, error)) {
		rt.Handle("POST", "/api/v1/registrations/{id}/"+path, func(w http.ResponseWriter, r *http.Request, p Principal) error {
			x, err := run(r, p)
			if err != nil {
				return err
			}
			set, _, err := svc.Settings(r.Context(), p.Actor.WorkspaceID)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, registrationOut(p, x, set))
			return nil
		})
	}
	action("decision", func(r *http.Request, p Principal) (registration.Registration, error) {
		var in struct {
			Action         string `json:"action"`
			Rationale      string `json:"rationale"`
			PartnerMessage string `json:"partner_message"`
			Version        int    `json:"version"`
		}
		if err := Decode(r, &in); err != nil {
			return registration.Registration{}, err
		}
		return svc.Decide(r.Context(), p.Actor, p.Name, r.PathValue("id"), registration.Decision{
			Action: registration.Action(in.Action), Rationale: in.Rationale, PartnerMessage: in.PartnerMessage, Version: in.Version})
	})
	action("reply", func(r *http.Request, p Principal) (registration.Registration, error) {
		var in struct {
			Text string `json:"text"`
		}
		if err := Decode(r, &in); err != nil {
			return registration.Registration{}, err
		}
		return svc.Reply(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Text)
	})
	action("appeal", func(r *http.Request, p Principal) (registration.Registration, error) {
		var in struct {
			Evidence string `json:"evidence"`
		}
		if err := Decode(r, &in); err != nil {
			return registration.Registration{}, err
		}
		return svc.Appeal(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Evidence)
	})
	action("withdraw", func(r *http.Request, p Principal) (registration.Registration, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := Decode(r, &in); err != nil {
			return registration.Registration{}, err
		}
		return svc.Withdraw(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Reason)
	})
	action("extension", func(r *http.Request, p Principal) (registration.Registration, error) {
		var in struct {
			Days   int    `json:"days"`
			Reason string `json:"reason"`
		}
		if err := Decode(r, &in); err != nil {
			return registration.Registration{}, err
		}
		return svc.Extend(r.Context(), p.Actor, p.Name, r.PathValue("id"), in.Days, in.Reason)
	})
}
