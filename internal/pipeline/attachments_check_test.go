package pipeline

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/stage"
	"github.com/tandemprm/tandem/internal/tandem"
)

var testPDF = []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj << >> endobj\n%%EOF\n")

func problemPaths(err error) []string {
	var out []string
	for _, f := range tandem.FieldsOf(err) {
		out = append(out, f.Path)
	}
	return out
}

func TestCheckAttachment(t *testing.T) {
	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0}, 40)...)
	cases := []struct {
		name    string
		in      AttachmentInput
		partner bool
		paths   []string // problems expected; nil: accepted
		detail  string   // part of the first problem's detail
		check   func(t *testing.T, a Attachment)
	}{
		{name: "a PDF with a Windows path keeps its file name", in: AttachmentInput{Kind: "order_form", FileName: `C:\deals\order.pdf`, File: testPDF},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "order.pdf" || a.ContentType != "application/pdf" || a.Size != int64(len(testPDF)) || len(a.SHA256) != 64 || a.Visibility != Internal {
					t.Errorf("%+v", a)
				}
			}},
		{name: "a link named after its address", in: AttachmentInput{URL: "https://docs.example.com/sow/"}, partner: true,
			check: func(t *testing.T, a Attachment) {
				if a.Name != "docs.example.com/sow" || a.Kind != OtherAttachment || a.Visibility != Shared || a.Size != 0 {
					t.Errorf("%+v", a)
				}
			}},
		{name: "an Office document", in: AttachmentInput{Name: " Quote v2 ", FileName: "q.XLSX", File: zip},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "Quote v2.xlsx" || !strings.Contains(a.ContentType, "spreadsheetml") {
					t.Errorf("%+v", a)
				}
			}},
		{name: "control and direction characters are dropped from names", in: AttachmentInput{FileName: "inv\u202eoice\x07.pdf", File: testPDF},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "invoice.pdf" {
					t.Errorf("%q", a.Name)
				}
			}},
		{name: "a name claiming another type keeps the checked one", in: AttachmentInput{Name: "Signed order form.exe", FileName: "x.doc", File: append([]byte(compoundFile), make([]byte, 64)...)},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "Signed order form.exe.doc" || a.ContentType != "application/msword" {
					t.Errorf("%+v", a)
				}
			}},
		{name: "a page named as HTML but checked as text", in: AttachmentInput{Name: "invoice.html", FileName: "invoice.txt", File: []byte("Invoice\n<script>alert(1)</script>\n")},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "invoice.html.txt" {
					t.Errorf("%q", a.Name)
				}
			}},
		{name: "an equivalent extension is kept", in: AttachmentInput{Name: "Site photo.JPG", FileName: "p.jpeg", File: []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")},
			check: func(t *testing.T, a Attachment) {
				if a.Name != "Site photo.JPG" {
					t.Errorf("%q", a.Name)
				}
			}},
		{name: "a program dressed as a Word document", in: AttachmentInput{FileName: "order.doc", File: append([]byte("MZ\x90\x00"), make([]byte, 64)...)},
			paths: []string{"file"}, detail: "not a Word document"},
		{name: "HTML dressed as a PDF", in: AttachmentInput{FileName: "order.pdf", File: []byte("<html><script>alert(1)</script></html>")},
			paths: []string{"file"}, detail: "not a PDF"},
		{name: "HTML itself", in: AttachmentInput{FileName: "page.html", File: []byte("<html></html>")}, paths: []string{"file"}, detail: ".html files are not kept"},
		{name: "no extension", in: AttachmentInput{FileName: "order", File: testPDF}, paths: []string{"file"}, detail: "has no type"},
		{name: "an empty file", in: AttachmentInput{FileName: "order.pdf", File: []byte{}}, paths: []string{"file"}, detail: "is empty"},
		{name: "too big", in: AttachmentInput{FileName: "big.txt", File: bytes.Repeat([]byte("a"), MaxAttachmentBytes+1)}, paths: []string{"file"}, detail: "the largest file Tandem keeps is 10 MB"},
		{name: "text that is not UTF-8", in: AttachmentInput{FileName: "notes.txt", File: []byte("caf\xe9 au lait\n")}, paths: []string{"file"}, detail: "not plain text"},
		{name: "neither file nor link", in: AttachmentInput{Kind: "quote"}, paths: []string{"file"}, detail: "upload a file or give a link"},
		{name: "both file and link", in: AttachmentInput{URL: "https://x.example", FileName: "a.pdf", File: testPDF}, paths: []string{"url"}, detail: "not both"},
		{name: "plain http", in: AttachmentInput{URL: "http://docs.example.com/a"}, paths: []string{"url"}, detail: "https://"},
		{name: "javascript", in: AttachmentInput{URL: "javascript:alert(1)"}, paths: []string{"url"}, detail: "https://"},
		{name: "credentials in a link", in: AttachmentInput{URL: "https://bob:secret@docs.example.com/a"}, paths: []string{"url"}, detail: "user name or password"},
		{name: "no host", in: AttachmentInput{URL: "https:///a"}, paths: []string{"url"}, detail: "must name a host"},
		{name: "bad kind, visibility and name at once", in: AttachmentInput{Kind: "Order Form", URL: "https://x.example/a", Visibility: "public", Name: strings.Repeat("n", 201)},
			paths: []string{"kind", "visibility", "name"}},
		{name: "a partner's internal document", in: AttachmentInput{URL: "https://x.example/a", Visibility: Internal}, partner: true, paths: []string{"visibility"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := CheckAttachment(c.in, c.partner)
			if c.paths == nil {
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, a)
				return
			}
			if !slices.Equal(problemPaths(err), c.paths) {
				t.Fatalf("problems %v, want %v (%v)", problemPaths(err), c.paths, err)
			}
			if c.detail != "" && !strings.Contains(tandem.FieldsOf(err)[0].Detail, c.detail) {
				t.Errorf("detail %q lacks %q", tandem.FieldsOf(err)[0].Detail, c.detail)
			}
		})
	}
}

// FuzzCheckAttachment: whatever arrives, an accepted attachment is well formed: a
// valid kind, a short printable name, and either an https link or a file of a kept
// type whose size is the content's.
func FuzzCheckAttachment(f *testing.F) {
	f.Add("order_form", "", "", "order.pdf", testPDF, "partner")
	f.Add("", "Doc", "https://docs.example.com/a?b=c#d", "", []byte{}, "")
	f.Add("quote", "", "", "x.txt", []byte("hello"), "internal")
	f.Add("x", "\u202e", "https://[::1]:443/", "../../etc/passwd.csv", []byte("a,b\n"), "")
	f.Fuzz(func(t *testing.T, kind, name, link, fileName string, file []byte, vis string) {
		a, err := CheckAttachment(AttachmentInput{Kind: kind, Name: name, URL: link, FileName: fileName, File: file, Visibility: Visibility(vis)}, false)
		if err != nil {
			if len(tandem.FieldsOf(err)) == 0 {
				t.Fatalf("a refusal without a field: %v", err)
			}
			return
		}
		if !stage.ValidKey(a.Kind) || (a.Visibility != Shared && a.Visibility != Internal) {
			t.Fatalf("accepted %+v", a)
		}
		if utf8.RuneCountInString(a.Name) > maxAttachmentName || !utf8.ValidString(a.Name) || strings.ContainsFunc(a.Name, unicode.IsControl) {
			t.Fatalf("accepted name %q", a.Name)
		}
		switch {
		case a.URL != "":
			if !strings.HasPrefix(a.URL, "https://") || a.Size != 0 {
				t.Fatalf("accepted link %+v", a)
			}
		default:
			if a.Size != int64(len(file)) || a.Size == 0 || a.ContentType == "" || strings.Contains(a.ContentType, "html") {
				t.Fatalf("accepted file %+v", a)
			}
			if ft, ok := fileTypes[strings.ToLower(path.Ext(a.Name))]; !ok || ft.contentType != a.ContentType {
				t.Fatalf("accepted file named %q as %s", a.Name, a.ContentType)
			}
		}
	})
}

// TestNoteFilterLets pins who reads what is written on an opportunity: everything
// for an unfiltered reader; shared things only otherwise, and for a partner only
// the vendor's and its own organisation's.
func TestNoteFilterLets(t *testing.T) {
	all, vendor, sam := NoteFilter{}, NoteFilter{SharedOnly: true}, NoteFilter{SharedOnly: true, PartnerID: "prt_sam"}
	for _, c := range []struct {
		f       NoteFilter
		v       Visibility
		partner string
		want    bool
	}{
		{all, Internal, "", true},
		{all, Shared, "prt_other", true},
		{vendor, Internal, "", false},
		{vendor, Shared, "prt_other", true},
		{sam, Shared, "", true},
		{sam, Shared, "prt_sam", true},
		{sam, Shared, "prt_other", false},
		{sam, Internal, "", false},
	} {
		if got := c.f.Lets(c.v, c.partner); got != c.want {
			t.Errorf("%+v lets %s by %q: %v, want %v", c.f, c.v, c.partner, got, c.want)
		}
	}
}
