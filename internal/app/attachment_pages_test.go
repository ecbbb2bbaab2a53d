package app_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tandemprm/tandem/internal/audit"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store"
	"github.com/tandemprm/tandem/internal/store/storetest"
	"github.com/tandemprm/tandem/internal/tandem"
)

// attachForm posts an upload form as multipart/form-data: the fields, then the file
// when fileName is not empty.
func attachForm(t *testing.T, c *http.Client, u string, fields url.Values, fileName string, content []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	return call(t, c, "POST", u, &buf, "Content-Type", mw.FormDataContentType())
}

// attachmentNamed returns the attachment of the opportunity called name, as the
// system sees it.
func attachmentNamed(t *testing.T, pipe *pipeline.Service, actor policy.Actor, oppID, name string) pipeline.Attachment {
	t.Helper()
	as, err := pipe.Attachments(context.Background(), actor, oppID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no attachment %q among %+v", name, as)
	return pipeline.Attachment{}
}

// TestAttachmentPages walks the documents of an opportunity through the real router:
// a move refused for a missing order form points at the upload form with the kind
// chosen; the partner manager uploads a PDF and downloads it as a sandboxed
// attachment; a disguised or oversized file is refused beside the field with what was
// typed kept; an internal document stays off the partner's portal and its download is
// not found there; the partner shares a document that the console lists as shared;
// and a removal is confirmed first, says what relied on the document, and is audited.
func TestAttachmentPages(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := start(t, e)
			ctx := context.Background()
			ws, err := a.DB.WorkspaceBySlug(ctx, demo.Slug)
			if err != nil {
				t.Fatal(err)
			}
			sys := policy.System(ws.ID)
			pipe := &pipeline.Service{Store: store.Pipeline{DB: a.DB}, Now: time.Now}
			str := func(s string) *string { return &s }
			amount := int64(4200000)
			acc, err := pipe.CreateAccount(ctx, sys, "setup", pipeline.AccountInput{Name: str("Wombat Works")})
			if err != nil {
				t.Fatal(err)
			}
			// A referral deal at "Commercial terms", whose exit needs a signed order form.
			o, err := pipe.CreateOpportunity(ctx, sys, "setup", pipeline.OpportunityInput{AccountID: &acc.ID, Name: str("Wombat rollout"),
				AmountMinor: &amount, Currency: str("EUR"), CloseOn: str("2031-03-31"), OwnerUserID: str("usr_demo000002"), NextStep: str("Sign"),
				Fields: map[string]string{"partner_contact": "Lee Seller", "use_case": "Fleet tracking", "champion": "Dana"},
				Motion: tandem.MotionReferral, Stage: "commercials", PartnerID: "prt_demo000000"})
			if err != nil {
				t.Fatal(err)
			}
			pm := signIn(t, a, base, demo.ManagerEmail)
			sam := signIn(t, a, base, demo.PartnerEmail)
			page := base + "/w/demo/pipeline/" + o.ID
			portal := base + "/w/demo/portal/pipeline/" + o.ID

			// The empty state, and the form offering the model's kinds.
			resp, body := call(t, pm, "GET", page, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `id="attachments"`) || !strings.Contains(body, `id="no-attachments"`) ||
				!strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `id="attach-form"`) ||
				!strings.Contains(body, "Order form (needed to leave Commercial terms)") || !strings.Contains(body, `<option value="other" selected>`) ||
				!strings.Contains(body, "Files up to 10 MB: .csv") {
				t.Fatalf("empty attachments section: %d", resp.StatusCode)
			}
			for _, id := range []string{"att-kind", "att-file", "att-url", "att-name", "att-share"} {
				if !strings.Contains(body, `<label for="`+id+`">`) || !strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("input %s has no label", id)
				}
			}

			// A refused move names the missing order form, points at the upload form
			// on the same page and opens it with the order form's kind chosen.
			resp, body = form(t, pm, page+"/stage", url.Values{"to": {"won_credited"}, "version": {"1"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "A signed order form is attached (needed to leave Commercial terms)") ||
				!strings.Contains(body, `href="#attachments"`) || !strings.Contains(body, `<option value="order_form" selected>`) ||
				!strings.Contains(body, `<details class="no-print" open>`) || strings.Contains(body, "cannot be recorded in Tandem yet") {
				t.Fatalf("refused move for a missing order form: %d", resp.StatusCode)
			}
			if _, body = call(t, pm, "GET", page+"?attach=order_form", nil); !strings.Contains(body, `<option value="order_form" selected>`) {
				t.Errorf("?attach=order_form does not choose the kind")
			}

			// The partner manager uploads the signed order form (internal by default).
			pdf := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
			resp, _ = attachForm(t, pm, page+"/attachments", url.Values{"kind": {"order_form"}}, "Bestellschein Zürich.pdf", pdf)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/pipeline/"+o.ID+"#attachments" {
				t.Fatalf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			order := attachmentNamed(t, pipe, sys, o.ID, "Bestellschein Zürich.pdf")
			if order.Kind != "order_form" || order.Visibility != pipeline.Internal || order.Size != int64(len(pdf)) {
				t.Fatalf("uploaded: %+v", order)
			}
			resp, body = call(t, pm, "GET", page, nil)
			row := between(body, `data-id="`+order.ID+`"`, "</tr>")
			if resp.StatusCode != 200 || !strings.Contains(body, "Attached Bestellschein Zürich.pdf") || !strings.Contains(row, `href="/w/demo/pipeline/`+o.ID+`/attachments/`+order.ID+`"`) ||
				!strings.Contains(row, "Order form") || !strings.Contains(html.UnescapeString(row), "meets “A signed order form is attached”") ||
				!strings.Contains(row, ">Internal<") || !strings.Contains(row, "bytes") || !strings.Contains(row, "Paul") {
				t.Fatalf("the page after the upload: %d\n%s", resp.StatusCode, row)
			}

			// The download is the same bytes, as a sandboxed attachment.
			resp, body = call(t, pm, "GET", page+"/attachments/"+order.ID, nil)
			h := resp.Header
			if resp.StatusCode != 200 || body != string(pdf) || h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(h.Get("Cache-Control"), "no-store") || !strings.Contains(h.Get("Cache-Control"), "private") ||
				h.Get("Content-Disposition") != `attachment; filename="Bestellschein Z_rich.pdf"; filename*=UTF-8''Bestellschein%20Z%C3%BCrich.pdf` {
				t.Fatalf("download: %d %v", resp.StatusCode, h)
			}

			// HTML named .pdf is refused beside the file input; what was typed stays.
			resp, body = attachForm(t, pm, page+"/attachments", url.Values{"kind": {"order_form"}, "name": {"Countersigned copy"}, "share": {"on"}},
				"copy.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is named .pdf but its content is not a PDF") ||
				!strings.Contains(body, `id="att-file-error"`) || !strings.Contains(body, `value="Countersigned copy"`) ||
				!strings.Contains(body, `<option value="order_form" selected>`) || !strings.Contains(body, `name="share" value="on" checked`) ||
				!strings.Contains(body, "choose the file again") {
				t.Fatalf("disguised HTML: %d", resp.StatusCode)
			}
			// A file over the limit, and a body over the upload's cap, are refused
			// with the limit named, keeping what was typed before the file.
			for _, n := range []int{pipeline.MaxAttachmentBytes + 1, pipeline.MaxAttachmentBytes + 512<<10} {
				big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0"), n-9)...)
				resp, body = attachForm(t, pm, page+"/attachments", url.Values{"kind": {"order_form"}, "name": {"Huge order form"}}, "huge.pdf", big)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is larger than 10 MB, the largest file Tandem keeps") ||
					!strings.Contains(body, `<option value="order_form" selected>`) || !strings.Contains(body, `value="Huge order form"`) ||
					!strings.Contains(body, "choose the file again") || !strings.Contains(body, `aria-invalid="true" aria-describedby="att-file-error att-hint"`) {
					t.Fatalf("%d bytes: %d", n, resp.StatusCode)
				}
			}
			// Neither a file nor a link; both.
			resp, body = attachForm(t, pm, page+"/attachments", url.Values{"kind": {"other"}}, "", nil)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is required: upload a file or give a link") {
				t.Fatalf("nothing attached: %d", resp.StatusCode)
			}
			resp, body = attachForm(t, pm, page+"/attachments", url.Values{"url": {"http://docs.example.com/x"}}, "", nil)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must start with https://") || !strings.Contains(body, `value="http://docs.example.com/x"`) {
				t.Fatalf("plain http link: %d", resp.StatusCode)
			}
			if as, _ := pipe.Attachments(ctx, sys, o.ID); len(as) != 1 {
				t.Fatalf("refused uploads were saved: %+v", as)
			}

			// A shared link: listed as a new-tab link; it has nothing to download.
			resp, _ = attachForm(t, pm, page+"/attachments", url.Values{"kind": {"other"}, "url": {"https://docs.example.com/wombat/sow"}, "name": {"Statement of work"},
				"share": {"on"}}, "", nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("link: %d", resp.StatusCode)
			}
			sow := attachmentNamed(t, pipe, sys, o.ID, "Statement of work")
			if sow.Visibility != pipeline.Shared || sow.URL != "https://docs.example.com/wombat/sow" {
				t.Fatalf("link saved as %+v", sow)
			}
			_, body = call(t, pm, "GET", page, nil)
			if row := between(body, `data-id="`+sow.ID+`"`, "</tr>"); !strings.Contains(row, `href="https://docs.example.com/wombat/sow" rel="noopener noreferrer" target="_blank"`) ||
				!strings.Contains(row, ">Shared<") {
				t.Errorf("link row: %s", row)
			}
			if resp, body := call(t, pm, "GET", page+"/attachments/"+sow.ID, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "is a link to a document kept elsewhere") {
				t.Errorf("downloading a link: %d", resp.StatusCode)
			}

			// The partner sees the shared link, never the internal order form, whose
			// download is not found for it.
			resp, body = call(t, sam, "GET", portal, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "Statement of work") || strings.Contains(body, "Bestellschein") || strings.Contains(body, order.ID) ||
				!strings.Contains(body, `id="attach-form"`) || strings.Contains(body, `name="share"`) {
				t.Fatalf("portal page: %d", resp.StatusCode)
			}
			if resp, body := call(t, sam, "GET", portal+"/attachments/"+order.ID, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "%PDF") {
				t.Fatalf("the partner downloading an internal document: %d", resp.StatusCode)
			}
			if resp, _ := call(t, sam, "GET", portal+"/attachments/"+order.ID+"/remove", nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("the partner asking to remove an internal document: %d", resp.StatusCode)
			}
			// Nor may it remove the vendor's shared link.
			if resp, _ := call(t, sam, "GET", portal+"/attachments/"+sow.ID+"/remove", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("the partner asking to remove the vendor's link: %d", resp.StatusCode)
			}
			if resp, _ := form(t, sam, portal+"/attachments/"+sow.ID+"/remove", url.Values{}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("the partner removing the vendor's link: %d", resp.StatusCode)
			}

			// The partner shares a quote; an internal one is not theirs to make.
			quote := []byte("%PDF-1.4\n% partner quote\n%%EOF\n")
			resp, body = attachForm(t, sam, portal+"/attachments", url.Values{"kind": {"other"}}, "notes.exe", []byte("MZ"))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, ".exe files are not kept") {
				t.Fatalf("partner uploading an .exe: %d", resp.StatusCode)
			}
			resp, _ = attachForm(t, sam, portal+"/attachments", url.Values{"kind": {"other"}, "name": {"Partner quote"}, "share": {""}}, "quote.pdf", quote)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/portal/pipeline/"+o.ID+"#attachments" {
				t.Fatalf("partner upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			pq := attachmentNamed(t, pipe, sys, o.ID, "Partner quote.pdf")
			if pq.Visibility != pipeline.Shared || pq.AuthorSide != pipeline.SidePartner || pq.PartnerID != "prt_demo000000" {
				t.Fatalf("partner upload saved as %+v", pq)
			}
			_, body = call(t, pm, "GET", page, nil)
			if row := between(body, `data-id="`+pq.ID+`"`, "</tr>"); !strings.Contains(row, ">Shared<") || !strings.Contains(row, "Sam Partner (partner)") {
				t.Errorf("the partner's document on the console: %s", row)
			}
			if resp, body := call(t, sam, "GET", portal+"/attachments/"+pq.ID, nil); resp.StatusCode != 200 || body != string(quote) ||
				!strings.HasSuffix(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''Partner%20quote.pdf") {
				t.Errorf("the partner downloading its own document: %d", resp.StatusCode)
			}
			// The partner removes its own document after confirming.
			resp, body = call(t, sam, "GET", portal+"/attachments/"+pq.ID+"/remove", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, "No stage criterion relies on it") || !strings.Contains(body, `<label for="rm-reason">`) {
				t.Fatalf("partner removal page: %d", resp.StatusCode)
			}
			if resp, _ := form(t, sam, portal+"/attachments/"+pq.ID+"/remove", url.Values{"reason": {"Superseded"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("partner removal: %d", resp.StatusCode)
			}

			// Removing the order form: the page says the move out of Commercial terms
			// relies on it; a reason that is too long is refused and kept.
			resp, body = call(t, pm, "GET", page+"/attachments/"+order.ID+"/remove", nil)
			if resp.StatusCode != 200 || !strings.Contains(html.UnescapeString(body), "It meets the criterion “A signed order form is attached”, which is needed to leave Commercial terms.") ||
				!strings.Contains(body, "It is the only order form") || !strings.Contains(body, `id="remove-form"`) {
				t.Fatalf("removal page: %d\n%s", resp.StatusCode, between(body, `id="reliance"`, "</p>"))
			}
			long := strings.Repeat("x", 501)
			resp, body = form(t, pm, page+"/attachments/"+order.ID+"/remove", url.Values{"reason": {long}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be at most 500 characters") || !strings.Contains(body, long) {
				t.Fatalf("too long a reason: %d", resp.StatusCode)
			}
			resp, _ = form(t, pm, page+"/attachments/"+order.ID+"/remove", url.Values{"reason": {"Wrong customer's form"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/demo/pipeline/"+o.ID+"#attachments" {
				t.Fatalf("removal: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = call(t, pm, "GET", page, nil)
			if !strings.Contains(body, "Removed Bestellschein Zürich.pdf.") || strings.Contains(body, `data-id="`+order.ID+`"`) {
				t.Errorf("the page after the removal")
			}
			if resp, _ := call(t, pm, "GET", page+"/attachments/"+order.ID, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("a removed file downloads: %d", resp.StatusCode)
			}
			entries, _, err := a.DB.ListAudit(ctx, ws.ID, audit.Filter{SubjectType: "opportunity", SubjectID: o.ID}, store.Page{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			removed := map[string]string{}
			for _, en := range entries {
				if en.Action == "opportunity.attachment_removed" {
					removed[en.ActorName] = en.Rationale
				}
			}
			if len(removed) != 2 || removed["Sam Partner"] != "Superseded" || removed["Paul Partnerships"] != "Wrong customer's form" {
				t.Errorf("removals audited: %v", removed)
			}
		})
	}
}
