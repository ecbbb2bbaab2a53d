package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tandemprm/tandem/internal/pipeline"
)

// FuzzAttachmentForm feeds the upload form arbitrary bodies, multipart or not: it
// never panics; while reading it refuses only the file (and then carries no
// content) and text fields over their length; a file it returns is within pipeline.MaxAttachmentBytes; the
// kind, name and link are those posted, the visibility follows the "share" box; and
// what it returns goes through the service's own check without a surprise.
func FuzzAttachmentForm(f *testing.F) {
	const b = "XbOuNdArY"
	part := func(name, file, body string) string {
		disp := `form-data; name="` + name + `"`
		if file != "" {
			disp += `; filename="` + file + `"`
		}
		return "--" + b + "\r\nContent-Disposition: " + disp + "\r\n\r\n" + body + "\r\n"
	}
	for _, seed := range []struct {
		body      string
		multipart bool
	}{
		{part("kind", "", "order_form") + part("file", "order.pdf", "%PDF-1.4\n%%EOF\n") + "--" + b + "--\r\n", true},
		{part("kind", "", "other") + part("url", "", "https://docs.example.com/sow") + part("share", "", "on") + part("name", "", "SoW") + "--" + b + "--\r\n", true},
		{part("file", "", "") + part("url", "", "") + "--" + b + "--\r\n", true},
		{part("file", "a.pdf", "1") + part("file", "b.pdf", "2") + "--" + b + "--\r\n", true},
		{part("file", "../../etc/passwd", "<html>") + "--" + b, true},
		{"--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%80%AEfdp.exe\r\n\r\nMZ\r\n--" + b + "--\r\n", true},
		{"kind=order_form&url=https%3A%2F%2Fx.example%2Fa&share=on", false},
		{"", true},
		{"--" + b + "\r\n\r\n", true},
		{part("name", "", strings.Repeat("n", maxFormValue+1)) + "--" + b + "--\r\n", true},
	} {
		f.Add(seed.body, seed.multipart)
	}
	f.Fuzz(func(t *testing.T, body string, multipart bool) {
		r := httptest.NewRequest(http.MethodPost, "/w/demo/pipeline/opp_1/attachments", strings.NewReader(body))
		if multipart {
			r.Header.Set("Content-Type", "multipart/form-data; boundary="+b)
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Body = http.MaxBytesReader(nil, r.Body, attachmentBodyLimit)
		in, form, errs := readAttachmentForm(r)
		for k, d := range errs {
			switch {
			case d == "":
				t.Fatalf("refused %q without saying why", k)
			case k == "file" && in.File != nil:
				t.Fatalf("a refused file carries %d bytes", len(in.File))
			case k != "file" && !strings.Contains(d, "at most"):
				t.Fatalf("refused %q: %q", k, d)
			}
		}
		if len(in.File) > pipeline.MaxAttachmentBytes {
			t.Fatalf("a file of %d bytes", len(in.File))
		}
		if len(errs) > 0 {
			return
		}
		if in.Kind != form.Kind || in.Name != form.Name || in.URL != form.URL {
			t.Fatalf("input %+v differs from the form %+v", in, form)
		}
		if want := map[bool]pipeline.Visibility{true: pipeline.Shared, false: pipeline.Internal}[form.Shared]; in.Visibility != want {
			t.Fatalf("share %v gave %q", form.Shared, in.Visibility)
		}
		a, err := pipeline.CheckAttachment(in, false)
		if err == nil && !a.IsLink() && a.Size != int64(len(in.File)) {
			t.Fatalf("checked size %d of %d bytes", a.Size, len(in.File))
		}
	})
}
