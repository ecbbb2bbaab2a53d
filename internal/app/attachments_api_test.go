package app_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/app/apptest"
	"github.com/tandemprm/tandem/internal/demo"
	"github.com/tandemprm/tandem/internal/pipeline"
	"github.com/tandemprm/tandem/internal/policy"
	"github.com/tandemprm/tandem/internal/store/storetest"
)

// multipartBody builds an upload form: text fields, then (when fileName is not
// empty) the file part.
func multipartBody(t *testing.T, fields map[string]string, fileName string, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

// TestAttachmentsAPI: files go up as multipart and links as JSON; a partner sees
// only shared documents, in safe fields, and cannot reach the vendor's; oversized
// and malformed uploads are refused by field.
func TestAttachmentsAPI(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			a, base := apptest.Start(t, e)
			pm := signIn(t, a, base, demo.ManagerEmail)
			sam := signIn(t, a, base, demo.PartnerEmail)
			js := []string{"Content-Type", "application/json"}
			send := func(c, method, path, body string, hdr ...string) (int, string) {
				t.Helper()
				client := pm
				if c == "sam" {
					client = sam
				}
				if hdr == nil {
					hdr = js
				}
				resp, text := call(t, client, method, base+path, strings.NewReader(body), hdr...)
				return resp.StatusCode, text
			}
			st, body := send("pm", "POST", "/api/v1/opportunities", `{"account_id":"acc_demo000007","name":"Koala rollout","motion":"referral","partner_id":"prt_demo000000"}`)
			if st != 201 {
				t.Fatalf("create opportunity: %d %s", st, body)
			}
			var opp struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal([]byte(body), &opp)
			path := "/api/v1/opportunities/" + opp.ID + "/attachments"

			// The vendor's internal pricing memo, as a file.
			memo := []byte("Internal: floor price 90,000\n")
			b, ct := multipartBody(t, map[string]string{"name": "Pricing memo"}, "memo.txt", memo)
			st, body = send("pm", "POST", path, b.String(), "Content-Type", ct)
			var memoOut map[string]any
			_ = json.Unmarshal([]byte(body), &memoOut)
			if st != 201 || memoOut["visibility"] != "internal" || memoOut["size"] != float64(len(memo)) || memoOut["content_type"] != "text/plain; charset=utf-8" {
				t.Fatalf("upload: %d %s", st, body)
			}
			// The download: the stored bytes, as a download, never sniffed.
			resp, got := call(t, pm, "GET", base+path+"/"+memoOut["id"].(string)+"/content", nil)
			if resp.StatusCode != 200 || got != string(memo) || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				resp.Header.Get("Content-Disposition") != `attachment; filename="Pricing memo.txt"; filename*=UTF-8''Pricing%20memo.txt` ||
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("download: %d %q %v", resp.StatusCode, got, resp.Header)
			}
			// A retry under the same Idempotency-Key gets the first answer, though the
			// client drew a new multipart boundary for it.
			var first string
			for i := range 2 {
				b, ct := multipartBody(t, map[string]string{"name": "Retry memo"}, "retry.txt", []byte("sent twice\n"))
				st, body := send("pm", "POST", path, b.String(), "Content-Type", ct, "Idempotency-Key", "upload-retry-1")
				var out map[string]any
				_ = json.Unmarshal([]byte(body), &out)
				if st != 201 || (i == 1 && out["id"] != first) {
					t.Fatalf("upload %d under one key: %d %s", i+1, st, body)
				}
				first, _ = out["id"].(string)
			}
			if st, body := send("pm", "DELETE", path+"/"+first, ""); st != 204 {
				t.Fatalf("remove the retried upload: %d %s", st, body)
			}
			// Asked again with its ETag, it has not changed.
			if resp2, _ := call(t, pm, "GET", base+path+"/"+memoOut["id"].(string)+"/content", nil, "If-None-Match", resp.Header.Get("ETag")); resp2.StatusCode != 304 {
				t.Fatalf("conditional download: %d", resp2.StatusCode)
			}
			// Sam shares a link; it is shared from his side by default.
			st, body = send("sam", "POST", path, `{"kind":"order_form","name":"Signed order form","url":"https://sign.example.com/env/42"}`)
			if st != 201 || strings.Contains(body, "visibility") || !strings.Contains(body, `"author_side":"partner"`) {
				t.Fatalf("Sam's link: %d %s", st, body)
			}
			var samsOut map[string]any
			_ = json.Unmarshal([]byte(body), &samsOut)
			// Sam's list: his link only, in safe fields.
			st, body = send("sam", "GET", path, "")
			if st != 200 || strings.Contains(body, "Pricing memo") || !strings.Contains(body, "Signed order form") {
				t.Fatalf("Sam's list: %d %s", st, body)
			}
			var list struct {
				Data []map[string]any `json:"data"`
			}
			_ = json.Unmarshal([]byte(body), &list)
			safe := policy.SafeFields(policy.Opportunities)
			for _, item := range list.Data {
				for k := range item {
					if !slices.Contains(safe, "attachments."+k) {
						t.Errorf("Sam receives attachment field %q", k)
					}
				}
			}
			if st, body := send("sam", "GET", path+"/"+memoOut["id"].(string)+"/content", ""); st != 404 || strings.Contains(body, "90,000") {
				t.Fatalf("Sam downloads the memo: %d %s", st, body)
			}
			if st, body := send("sam", "DELETE", path+"/"+memoOut["id"].(string), ""); st != 404 {
				t.Fatalf("Sam removes the memo: %d %s", st, body)
			}
			if st, body := send("sam", "GET", path+"/"+samsOut["id"].(string)+"/content", ""); st != 404 || !strings.Contains(body, "is a link") {
				t.Fatalf("content of a link: %d %s", st, body)
			}

			// Refusals, each naming what is wrong.
			b, ct = multipartBody(t, map[string]string{"kind": "quote"}, "quote.pdf", []byte("<html>not a pdf</html>"))
			if st, body := send("pm", "POST", path, b.String(), "Content-Type", ct); st != 422 || !slices.Equal(problemPaths(t, body), []string{"file"}) || !strings.Contains(body, "not a PDF") {
				t.Fatalf("HTML as PDF: %d %s", st, body)
			}
			b, ct = multipartBody(t, map[string]string{"colour": "blue"}, "", nil)
			if st, body := send("pm", "POST", path, b.String(), "Content-Type", ct); st != 422 || !slices.Equal(problemPaths(t, body), []string{"colour"}) {
				t.Fatalf("unknown part: %d %s", st, body)
			}
			b, ct = multipartBody(t, nil, "big.txt", bytes.Repeat([]byte("a"), pipeline.MaxAttachmentBytes+1))
			if st, body := send("pm", "POST", path, b.String(), "Content-Type", ct); st != 422 || !slices.Equal(problemPaths(t, body), []string{"file"}) || !strings.Contains(body, "10 MB") {
				t.Fatalf("too big: %d %.300s", st, body)
			}
			// Who may not attach is refused before the file is read: an unknown
			// opportunity answers 404, not the size of the file.
			if st, body := send("pm", "POST", "/api/v1/opportunities/opp_nonesuch/attachments", b.String(), "Content-Type", ct); st != 404 {
				t.Fatalf("upload to an unknown opportunity: %d %.300s", st, body)
			}
			if st, body := send("pm", "POST", path, `{"url":"http://docs.example.com/a","visibility":"everyone"}`); st != 422 || !slices.Equal(problemPaths(t, body), []string{"visibility", "url"}) {
				t.Fatalf("bad link: %d %s", st, body)
			}
			if st, body := send("pm", "POST", path, `{"url":"https://x.example/`+strings.Repeat("a", 70<<10)+`"}`); st != 413 {
				t.Fatalf("a link body of 70 KiB: %d %.200s", st, body)
			}
			if st, body := send("pm", "POST", path, "url=https://x.example", "Content-Type", "application/x-www-form-urlencoded"); st != 415 || !strings.Contains(body, "multipart/form-data") {
				t.Fatalf("form-encoded: %d %s", st, body)
			}
			// The vendor removes the memo; it is gone.
			if st, body := send("pm", "DELETE", path+"/"+memoOut["id"].(string)+"?reason=superseded", ""); st != 204 {
				t.Fatalf("remove: %d %s", st, body)
			}
			if st, body := send("pm", "GET", path, ""); st != 200 || strings.Contains(body, "Pricing memo") || !strings.Contains(body, "Signed order form") {
				t.Fatalf("after removal: %d %s", st, body)
			}
		})
	}
}
