package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode"
	"unicode/utf8"

	"github.com/tandemprm/tandem/internal/tandem"
)

//go:embed templates/*.txt templates/*.html
var templateFiles embed.FS

// The template names that Render knows.
const (
	TemplateSignin                   = "signin"
	TemplateInvitation               = "invitation"
	TemplateRegistrationConfirmation = "registration_confirmation"
	TemplateRegistrationUpdate       = "registration_update"
	TemplateNotice                   = "notice"
)

// SigninData fills the "signin" template: a magic sign-in link.
type SigninData struct {
	WorkspaceName    string // required
	PersonName       string // optional; the greeting uses it when set
	Link             string // required; absolute http(s) URL
	ExpiresInMinutes int    // required; more than 0 (sign-in links last 15)
	RequestedFromIP  string // optional; the address the request came from
}

// InvitationData fills the "invitation" template: an invitation to a workspace.
type InvitationData struct {
	WorkspaceName string // required
	InviterName   string // required
	RoleLabel     string // required; the role as people read it, such as "Partner seller"
	Link          string // required; absolute http(s) URL to accept
	ExpiresInDays int    // required; more than 0
	IsPartner     bool   // true for a partner user, who joins the partner portal
	PartnerName   string // required when IsPartner; the partner organisation
}

// RegistrationConfirmationData fills the "registration_confirmation" template: a
// partner's deal registration was received.
type RegistrationConfirmationData struct {
	WorkspaceName string // required
	PartnerName   string // required
	CustomerName  string // required
	ReferenceID   string // required
	StatusLine    string // required; one sentence, such as "Waiting for review; decisions take up to 2 business days."
	Link          string // required; absolute http(s) URL of the registration
}

// RegistrationUpdateData fills the "registration_update" template: something changed
// on a partner's registration (a decision, a request for information, an extension,
// a reminder that protection ends).
type RegistrationUpdateData struct {
	WorkspaceName string // required
	PartnerName   string // required
	CustomerName  string // required
	ReferenceID   string // required
	Headline      string // required; e.g. "Your registration for Acme is approved"
	StatusLine    string // required; one or two sentences
	Link          string // required; absolute http(s) URL of the registration
}

// NoticeData fills the "notice" template: a short message to an internal user about
// a record that needs them (a new registration, a deadline, an escalation).
type NoticeData struct {
	WorkspaceName string // required
	PersonName    string // optional
	Title         string // required
	Body          string // required
	Link          string // required; absolute http(s) URL of the record
}

// Longest a name-like value may be in a rendered message; longer values are cut and
// end with an ellipsis.
const maxFieldRunes = 120

// Render fills the named template with data and returns a one-line subject, the plain
// text body and the HTML body, ready for a Message. data must be the template's data
// type (SigninData for "signin", InvitationData for "invitation",
// RegistrationConfirmationData for "registration_confirmation") or a pointer to it.
//
// Render refuses, with a tandem.KindInvalid error naming the fields, data whose
// required fields are empty, whose Link is not an absolute http or https URL, or whose
// RequestedFromIP is not an IP address. Before filling the templates it flattens every
// other text value to one line (control characters and runs of white space become a
// single space) and cuts it to 120 characters, so no value can add lines of its own
// to a message. The HTML body escapes every value; the text body prints them as they
// are. An unknown name or a data value of the wrong type is an error of its own.
func Render(name string, data any) (subject, text, html string, err error) {
	set, err := loadTemplates()
	if err != nil {
		return "", "", "", err
	}
	kind, ok := templateKinds[name]
	if !ok {
		return "", "", "", fmt.Errorf("email: no template named %q", name)
	}
	view, err := kind.prepare(data)
	if err != nil {
		return "", "", "", fmt.Errorf("email: render %s: %w", name, err)
	}

	var buf bytes.Buffer
	if err := set.text[name].ExecuteTemplate(&buf, "subject", view); err != nil {
		return "", "", "", fmt.Errorf("email: render %s subject: %w", name, err)
	}
	subject = cutRunes(strings.Join(strings.Fields(buf.String()), " "), MaxSubjectRunes)

	buf.Reset()
	if err := set.text[name].ExecuteTemplate(&buf, "text", view); err != nil {
		return "", "", "", fmt.Errorf("email: render %s text: %w", name, err)
	}
	text = tidyText(buf.String())

	buf.Reset()
	page := struct {
		Subject string
		Data    any
	}{subject, view}
	if err := set.html[name].ExecuteTemplate(&buf, "layout", page); err != nil {
		return "", "", "", fmt.Errorf("email: render %s html: %w", name, err)
	}
	return subject, text, buf.String(), nil
}

// TemplateNames returns the names Render accepts, sorted.
func TemplateNames() []string {
	names := make([]string, 0, len(templateKinds))
	for n := range templateKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// templateKind ties a template name to its data type.
type templateKind struct {
	prepare func(data any) (any, error)
}

var templateKinds = map[string]templateKind{
	TemplateSignin:                   {prepare: prepareAs[SigninData]},
	TemplateInvitation:               {prepare: prepareAs[InvitationData]},
	TemplateRegistrationConfirmation: {prepare: prepareAs[RegistrationConfirmationData]},
	TemplateRegistrationUpdate:       {prepare: prepareAs[RegistrationUpdateData]},
	TemplateNotice:                   {prepare: prepareAs[NoticeData]},
}

// preparer is a template data type that can check itself and return the copy the
// templates see.
type preparer[T any] interface {
	prepare() (T, error)
}

// prepareAs accepts data of type T or *T and returns its prepared copy.
func prepareAs[T preparer[T]](data any) (any, error) {
	switch d := data.(type) {
	case T:
		return d.prepare()
	case *T:
		if d != nil {
			return (*d).prepare()
		}
	}
	var want T
	return nil, fmt.Errorf("data must be a %T, not %T", want, data)
}

func (d SigninData) prepare() (SigninData, error) {
	var p tandem.Problems
	d.WorkspaceName = required(&p, "WorkspaceName", d.WorkspaceName)
	d.PersonName = oneLine(d.PersonName)
	d.Link = checkLink(&p, "Link", d.Link)
	if d.ExpiresInMinutes <= 0 {
		p.Add("ExpiresInMinutes", "must be more than 0")
	}
	if d.RequestedFromIP != "" {
		ip, err := netip.ParseAddr(strings.TrimSpace(d.RequestedFromIP))
		if err != nil {
			p.Add("RequestedFromIP", "must be one IP address")
		} else {
			d.RequestedFromIP = ip.String()
		}
	}
	return d, p.Err("The sign-in email is missing information")
}

func (d InvitationData) prepare() (InvitationData, error) {
	var p tandem.Problems
	d.WorkspaceName = required(&p, "WorkspaceName", d.WorkspaceName)
	d.InviterName = required(&p, "InviterName", d.InviterName)
	d.RoleLabel = required(&p, "RoleLabel", d.RoleLabel)
	d.Link = checkLink(&p, "Link", d.Link)
	if d.ExpiresInDays <= 0 {
		p.Add("ExpiresInDays", "must be more than 0")
	}
	if d.IsPartner {
		d.PartnerName = required(&p, "PartnerName", d.PartnerName)
	} else {
		d.PartnerName = oneLine(d.PartnerName)
	}
	return d, p.Err("The invitation email is missing information")
}

func (d RegistrationConfirmationData) prepare() (RegistrationConfirmationData, error) {
	var p tandem.Problems
	d.WorkspaceName = required(&p, "WorkspaceName", d.WorkspaceName)
	d.PartnerName = required(&p, "PartnerName", d.PartnerName)
	d.CustomerName = required(&p, "CustomerName", d.CustomerName)
	d.ReferenceID = required(&p, "ReferenceID", d.ReferenceID)
	d.Link = checkLink(&p, "Link", d.Link)
	// A status line is a sentence, so it gets more room than a name.
	d.StatusLine = strings.TrimSpace(d.StatusLine)
	if d.StatusLine == "" {
		p.Add("StatusLine", "is required")
	}
	d.StatusLine = cutRunes(flatten(d.StatusLine), 300)
	return d, p.Err("The registration confirmation email is missing information")
}

func (d RegistrationUpdateData) prepare() (RegistrationUpdateData, error) {
	var p tandem.Problems
	d.WorkspaceName = required(&p, "WorkspaceName", d.WorkspaceName)
	d.PartnerName = required(&p, "PartnerName", d.PartnerName)
	d.CustomerName = required(&p, "CustomerName", d.CustomerName)
	d.ReferenceID = required(&p, "ReferenceID", d.ReferenceID)
	d.Headline = required(&p, "Headline", d.Headline)
	d.Link = checkLink(&p, "Link", d.Link)
	d.StatusLine = sentence(&p, "StatusLine", d.StatusLine)
	return d, p.Err("The registration update email is missing information")
}

func (d NoticeData) prepare() (NoticeData, error) {
	var p tandem.Problems
	d.WorkspaceName = required(&p, "WorkspaceName", d.WorkspaceName)
	d.PersonName = oneLine(d.PersonName)
	d.Title = required(&p, "Title", d.Title)
	d.Body = sentence(&p, "Body", d.Body)
	d.Link = checkLink(&p, "Link", d.Link)
	return d, p.Err("The notice email is missing information")
}

// sentence flattens v to one line of at most 600 characters and records a problem
// when nothing is left.
func sentence(p *tandem.Problems, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		p.Add(field, "is required")
	}
	return cutRunes(flatten(v), 600)
}

// required flattens v and records a problem when nothing is left.
func required(p *tandem.Problems, field, v string) string {
	v = oneLine(v)
	if v == "" {
		p.Add(field, "is required")
	}
	return v
}

// checkLink records a problem unless v is an absolute http or https URL with a host
// and no white space or control characters.
func checkLink(p *tandem.Problems, field, v string) string {
	u, err := url.Parse(v)
	switch {
	case v == "":
		p.Add(field, "is required")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		p.Add(field, "must be an absolute http:// or https:// URL")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		p.Add(field, "must not contain spaces or control characters")
	}
	return v
}

// oneLine flattens v to one line and cuts it to maxFieldRunes.
func oneLine(v string) string { return cutRunes(flatten(v), maxFieldRunes) }

// flatten replaces invalid UTF-8, control characters and runs of white space with a
// single space, and trims the ends.
func flatten(v string) string {
	v = strings.ToValidUTF8(v, " ")
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, v)
	return strings.Join(strings.Fields(v), " ")
}

// cutRunes shortens v to at most n runes, ending with "…" when it cut.
func cutRunes(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	runes := []rune(v)
	return strings.TrimSpace(string(runes[:n-1])) + "…"
}

var manyBlankLines = regexp.MustCompile(`\n{3,}`)

// tidyText trims trailing spaces from lines, keeps at most one blank line in a row,
// and makes the text start with its first word and end with one newline, so the text
// templates can be laid out for reading rather than for exact white space.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	s = manyBlankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.Trim(s, "\n") + "\n"
}

type templateSet struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// actionView is what the HTML "action" partial shows: a button and the same link as
// text.
type actionView struct {
	Link  string
	Label string
}

// plural picks the singular or plural word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// loadTemplates parses the embedded templates once. The set is never changed after.
var loadTemplates = sync.OnceValues(func() (*templateSet, error) {
	set := &templateSet{
		text: make(map[string]*texttemplate.Template),
		html: make(map[string]*htmltemplate.Template),
	}
	textFuncs := texttemplate.FuncMap{"plural": plural}
	htmlFuncs := htmltemplate.FuncMap{
		"plural": plural,
		"action": func(link, label string) actionView { return actionView{Link: link, Label: label} },
	}
	for name := range templateKinds {
		t, err := texttemplate.New(name).Funcs(textFuncs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/_partials.txt", "templates/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s.txt: %w", name, err)
		}
		set.text[name] = t
		h, err := htmltemplate.New(name).Funcs(htmlFuncs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/_layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s.html: %w", name, err)
		}
		set.html[name] = h
	}
	return set, nil
})
