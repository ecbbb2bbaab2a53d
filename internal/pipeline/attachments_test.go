package pipeline_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/attribution"
	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// pdf is the start of a real PDF file: enough for content sniffing.
var pdf = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func names(as []pipeline.Attachment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// TestReferralIsWonOnceTheSignedOrderFormIsAttached walks a referral deal through
// every default stage: "Commercial terms" is left only once a signed order form is
// attached, and removing it later does not undo the stage reached.
func TestReferralIsWonOnceTheSignedOrderFormIsAttached(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{})
		o, err := f.svc.UpdateOpportunity(f.ctx, f.manager, "Paul", o.ID, o.Version, pipeline.OpportunityInput{
			OwnerUserID: ptr("usr_demo000002"), AmountMinor: ptr(int64(4_200_000)), CloseOn: ptr("2026-06-30"), NextStep: ptr("Sign"),
			Fields: map[string]string{"partner_contact": "Lee Seller", "use_case": "Fleet tracking", "champion": "Dana (CFO)"}})
		if err != nil {
			t.Fatal(err)
		}
		o, err = f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "Northwind introduced them",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: attribution.Hundred}}})
		if err != nil {
			t.Fatal(err)
		}
		o, err = f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "commercials", Version: o.Version})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "won_credited", Version: o.Version})
		if !slices.Equal(paths(err), []string{"attachments.order_form"}) || !strings.Contains(err.Error()+tandem.FieldsOf(err)[0].Detail, "signed order form") {
			t.Fatalf("winning without the order form: %v %v", err, tandem.FieldsOf(err))
		}
		// Another document does not count; the order form does, whoever attached it.
		if _, err := f.svc.AddAttachment(f.ctx, f.manager, "Paul", o.ID, pipeline.AttachmentInput{URL: "https://docs.example.com/mutual-nda"}); err != nil {
			t.Fatal(err)
		}
		if _, err = f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "won_credited", Version: o.Version}); !slices.Equal(paths(err), []string{"attachments.order_form"}) {
			t.Fatalf("an NDA is not an order form: %v", err)
		}
		form, err := f.svc.AddAttachment(f.ctx, f.sam, "Sam", o.ID, pipeline.AttachmentInput{Kind: "order_form", FileName: `C:\Deals\Koala order form.pdf`, File: pdf})
		if err != nil {
			t.Fatal(err)
		}
		if form.Name != "Koala order form.pdf" || form.ContentType != "application/pdf" || form.Size != int64(len(pdf)) || form.Visibility != pipeline.Shared || form.PartnerID != "prt_demo000000" {
			t.Fatalf("the partner's order form: %+v", form)
		}
		won, err := f.svc.MoveStage(f.ctx, f.manager, "Paul", o.ID, pipeline.StageMove{To: "won_credited", Version: o.Version})
		if err != nil || won.Status != pipeline.Won {
			t.Fatalf("winning with the order form: %+v %v", won, err)
		}
		// Removing the form is audited with why; the deal stays won.
		if err := f.svc.RemoveAttachment(f.ctx, f.manager, "Paul", o.ID, form.ID, "Unsigned copy; the signed one follows"); err != nil {
			t.Fatal(err)
		}
		again, _ := f.svc.Opportunity(f.ctx, f.manager, o.ID)
		if again.Stage != "won_credited" {
			t.Fatalf("removing an attachment moved the deal to %s", again.Stage)
		}
		es, _, err := f.db.ListAudit(f.ctx, f.ws, audit.Filter{SubjectID: o.ID}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var added, removed bool
		for _, e := range es {
			switch e.Action {
			case "opportunity.attachment_added":
				added = added || (e.ActorID == "usr_demo000003" && strings.Contains(e.Changes, form.SHA256) && strings.Contains(e.Changes, "order_form"))
			case "opportunity.attachment_removed":
				removed = e.ActorID == "usr_demo000001" && e.Rationale == "Unsigned copy; the signed one follows" && strings.Contains(e.Changes, "Koala order form.pdf")
			}
		}
		if !added || !removed {
			t.Fatalf("audit: added %v, removed %v in %+v", added, removed, es)
		}
	})
}

// TestAttachmentsAreSharedLikeNotes: internal documents stay with the vendor, a
// partner's documents with the vendor and that partner, and only what one may write
// can be removed.
func TestAttachmentsAreSharedLikeNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{PartnerID: "prt_demo000000"})
		o, err := f.svc.SetAttribution(f.ctx, f.manager, "Paul", o.ID, pipeline.AttributionChange{Version: o.Version, Reason: "joint deal",
			Entries: []attribution.Entry{{PartnerID: "prt_demo000000", Kind: attribution.Sourced, Percent: 6000}, {PartnerID: "prt_demo000001", Kind: attribution.Influenced, Percent: 4000}}})
		if err != nil {
			t.Fatal(err)
		}
		add := func(a policy.Actor, in pipeline.AttachmentInput) pipeline.Attachment {
			t.Helper()
			at, err := f.svc.AddAttachment(f.ctx, a, "someone", o.ID, in)
			if err != nil {
				t.Fatalf("%s: %v", in.Name, err)
			}
			return at
		}
		pricing := add(f.manager, pipeline.AttachmentInput{Name: "Pricing approval", FileName: "approval.txt", File: []byte("35% approved by the CRO\n")})
		if pricing.Visibility != pipeline.Internal {
			t.Fatalf("the vendor's attachment defaults to internal: %+v", pricing)
		}
		add(f.manager, pipeline.AttachmentInput{Kind: "quote", URL: "https://docs.example.com/q/7", Visibility: pipeline.Shared})
		sams := add(f.sam, pipeline.AttachmentInput{Name: "Architecture", URL: "https://northwind.example/arch"})
		add(f.otherPartner, pipeline.AttachmentInput{Name: "Integration plan", URL: "https://other.example/plan"})

		read := func(a policy.Actor) []string {
			t.Helper()
			as, err := f.svc.Attachments(f.ctx, a, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			return names(as)
		}
		if got, want := read(f.manager), []string{"Integration plan", "Architecture", "docs.example.com/q/7", "Pricing approval.txt"}; !slices.Equal(got, want) {
			t.Fatalf("the vendor reads %q, want %q", got, want)
		}
		if got, want := read(f.sam), []string{"Architecture", "docs.example.com/q/7"}; !slices.Equal(got, want) {
			t.Fatalf("Sam reads %q, want %q", got, want)
		}
		if got, want := read(f.otherPartner), []string{"Integration plan", "docs.example.com/q/7"}; !slices.Equal(got, want) {
			t.Fatalf("the other partner reads %q, want %q", got, want)
		}
		// The file itself: the vendor gets it; a partner cannot tell it exists.
		if _, body, err := f.svc.AttachmentContent(f.ctx, f.manager, o.ID, pricing.ID); err != nil || !bytes.Equal(body, []byte("35% approved by the CRO\n")) {
			t.Fatalf("the vendor downloads %q, %v", body, err)
		}
		if _, _, err := f.svc.AttachmentContent(f.ctx, f.sam, o.ID, pricing.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("Sam downloads an internal file: %v", err)
		}
		if _, _, err := f.svc.AttachmentContent(f.ctx, f.sam, "opp_other", pricing.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("an attachment read through another opportunity: %v", err)
		}
		// Partners attach shared documents only; viewers attach nothing.
		_, err = f.svc.AddAttachment(f.ctx, f.sam, "Sam", o.ID, pipeline.AttachmentInput{URL: "https://x.example/a", Visibility: pipeline.Internal})
		if !slices.Equal(paths(err), []string{"visibility"}) {
			t.Fatalf("a partner's internal attachment: %v", err)
		}
		if _, err := f.svc.AddAttachment(f.ctx, f.viewer, "Ada", o.ID, pipeline.AttachmentInput{URL: "https://x.example/a"}); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("a viewer attaches: %v", err)
		}
		// Removal: Sam not the vendor's quote, nor another partner's; his own, yes.
		quote := func() pipeline.Attachment {
			as, _ := f.svc.Attachments(f.ctx, f.manager, o.ID)
			for _, a := range as {
				if a.Kind == "quote" {
					return a
				}
			}
			t.Fatal("no quote")
			return pipeline.Attachment{}
		}()
		if err := f.svc.RemoveAttachment(f.ctx, f.sam, "Sam", o.ID, quote.ID, ""); tandem.KindOf(err) != tandem.KindForbidden {
			t.Fatalf("Sam removes the vendor's quote: %v", err)
		}
		if err := f.svc.RemoveAttachment(f.ctx, f.otherPartner, "Other", o.ID, sams.ID, ""); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("another partner removes Sam's document: %v", err)
		}
		if err := f.svc.RemoveAttachment(f.ctx, f.sam, "Sam", o.ID, sams.ID, "outdated"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveAttachment(f.ctx, f.sam, "Sam", o.ID, sams.ID, "again"); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("removing twice: %v", err)
		}
		// Sales (who may change the deal) removes the vendor's own documents.
		if err := f.svc.RemoveAttachment(f.ctx, f.sales, "Sofia", o.ID, quote.ID, "superseded"); err != nil {
			t.Fatal(err)
		}
		if got, want := read(f.manager), []string{"Integration plan", "Pricing approval.txt"}; !slices.Equal(got, want) {
			t.Fatalf("after removals the vendor reads %q, want %q", got, want)
		}
		if _, _, err := f.svc.AttachmentContent(f.ctx, f.manager, o.ID, sams.ID); tandem.KindOf(err) != tandem.KindNotFound {
			t.Fatalf("a removed attachment is still served: %v", err)
		}
	})
}

// TestAnOpportunityHoldsAtMostMaxAttachments: the limit holds, with a message that
// says what to do.
func TestAnOpportunityHoldsAtMostMaxAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		o := f.newOpp(t, pipeline.OpportunityInput{})
		for i := range pipeline.MaxAttachments {
			if _, err := f.svc.AddAttachment(f.ctx, f.manager, "Paul", o.ID, pipeline.AttachmentInput{URL: "https://docs.example.com/d/" + strings.Repeat("x", i%7) + string(rune('a'+i%26))}); err != nil {
				t.Fatalf("attachment %d: %v", i+1, err)
			}
		}
		_, err := f.svc.AddAttachment(f.ctx, f.manager, "Paul", o.ID, pipeline.AttachmentInput{URL: "https://docs.example.com/one-more"})
		if tandem.KindOf(err) != tandem.KindConflict || !strings.Contains(err.Error(), "remove one first") {
			t.Fatalf("attachment %d: %v", pipeline.MaxAttachments+1, err)
		}
	})
}
