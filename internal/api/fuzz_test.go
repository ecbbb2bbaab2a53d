package api_test

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/api"
	"github.com/tandemprm/tandem/internal/pipeline"
)

// FuzzDecode feeds arbitrary bodies to the JSON decoder: it must never panic, and every
// failure must be a 4xx problem, never a 500.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"A"}`, `{"name":`, `[]`, `{"motions":[1]}`, `{"name":"A"} x`, "\xff\xfe", `{"a":{"b":[[[[`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 1<<16)
		var v struct {
			Name    string   `json:"name"`
			Motions []string `json:"motions"`
		}
		err := api.Decode(req, &v)
		if err == nil {
			return
		}
		rec := httptest.NewRecorder()
		api.WriteError(rec, req, err)
		if rec.Code < 400 || rec.Code > 499 {
			t.Fatalf("body %q gave status %d", body, rec.Code)
		}
	})
}

// FuzzAttachmentUpload feeds arbitrary multipart bodies to the upload reader: it
// must never panic, every failure must be a 4xx problem, and what it reads never
// holds a file over the limit.
func FuzzAttachmentUpload(f *testing.F) {
	const boundary = "tandemfuzz"
	f.Add("--tandemfuzz\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\norder_form\r\n--tandemfuzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"o.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n--tandemfuzz--\r\n")
	f.Add("--tandemfuzz\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://x.example\r\n--tandemfuzz--\r\n")
	f.Add("--tandemfuzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../a.txt\"\r\n\r\nx\r\n--tandemfuzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.txt\"\r\n\r\ny\r\n--tandemfuzz--\r\n")
	f.Add("--tandemfuzz\r\n\r\n\r\n--tandemfuzz")
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 1<<16)
		in, err := api.AttachmentUpload(req)
		if err == nil {
			if len(in.File) > pipeline.MaxAttachmentBytes {
				t.Fatalf("read a file of %d bytes", len(in.File))
			}
			return
		}
		rec := httptest.NewRecorder()
		api.WriteError(rec, req, err)
		if rec.Code < 400 || rec.Code > 499 {
			t.Fatalf("body %q gave status %d", body, rec.Code)
		}
	})
}

// FuzzContentDisposition checks the download header for any attachment name: a
// single line of ASCII whose exact name a standard parser reads back.
func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{"Bestellschein Zürich.pdf", `a"b\c/d.pdf`, "über.docx", "\u202efdp.exe", "line\r\nSet-Cookie: x=1", "", "a;b=c.pdf", "日本語.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h := api.ContentDisposition(name)
		for i := 0; i < len(h); i++ {
			if h[i] < 0x20 || h[i] >= 0x7f {
				t.Fatalf("header byte %#x in %q", h[i], h)
			}
		}
		if !utf8.ValidString(name) {
			return
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" || params["filename"] != name {
			t.Fatalf("%q read back as %q %q (%v)", name, disp, params["filename"], err)
		}
	})
}
