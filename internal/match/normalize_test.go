package match

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Société Générale":        "societe generale",
		"Zürcher  Kantonalbank":   "zurcher kantonalbank",
		"ООО «Ромашка»":           "ooo romashka",
		"Straße & Söhne":          "strasse & sohne",
		"ΑΛΦΑ":                    "alfa",
		"Ørsted A/S":              "orsted a/s",
		"ＡＢＣ　Ｃｏｒｐ":                "abc corp",
		"三星电子":                    "三星电子",
		"L’Oréal":                 "l'oreal",
		"Qa‘ida—Army":             "qa'ida-army",
		"\u00a0 \t spaces \u200b": "spaces",
	}
	for in, want := range cases {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrepareKeyAndLegalForms(t *testing.T) {
	cases := []struct {
		name, key, legal string
	}{
		{"Siemens Aktiengesellschaft", "siemen", "ag"},
		{"Siemens Aktiengeselschaft", "siemen", "ag"}, // one typo in the legal form
		{"TACTICAL MISSILES CORPORATION JOINT STOCK COMPAN", "tactical missile", "corp jsc"},
		{"OOO Oboronnye Initsiativy", "oboronnye initsiativy", "llc"},
		{"Oboronnye Initsiativy o.O.O.", "oboronnye initsiativy", "llc"},
		{"Samsung Electronics Co., Ltd.", "samsung electronic", "ltd"},
		{"Volkswagen Gesellschaft mit beschränkter Haftung", "volkswagen", "gmbh"},
		{"FABERLIC EUROPE Sp. z o.o.", "faberlic europe", "spzoo"},
		{"Grupo Bimbo, S.A.B. de C.V.", "grupo bimbo", "sadecv"},
		{"The Procter & Gamble Company", "procter gamble", "co"},
		{"Goldman Sachs & Co. LLC", "goldman sach", "co llc"},
		{"PT Astra International Tbk", "astra international", "pt pt"},
		{"Mendez, Denmark A/S", "mendez denmark", "as"},
		{"Blackstone Real Estate Partners VI L.P.", "blackstone real estate partner 6", "lp"},
		{"Citigroup Capital Trust I", "citigroup capital trust 1", ""},
		{"Brigade Forty-Four", "brigade 44", ""},
		{"Brigade Forty 4", "brigade 44", ""},
		{"1st International Bank", "1 international bank", ""},
		{"First Bank Int'l", "1 bank international", ""},
		{"Deutsche Bank's AG", "deutsche bank", "ag"},
		{"Management Company", "management", "co"},
		{"Limited", "ltd", ""}, // a name that is only a legal form keeps it, by its code
		{"Acme Mfg Co", "acme manufacturing", "co"},
		{"Acme Ltd (in liquidation)", "acme", "ltd"},
		{"U.S. Department of State", "unitedstates department state", ""},
	}
	for _, c := range cases {
		p := Prepare(Record{Name: c.name})
		if got := p.Key(); got != c.key {
			t.Errorf("%q: key %q, want %q", c.name, got, c.key)
		}
		var codes []string
		if !p.Empty() {
			for _, id := range p.forms[0].legals() {
				codes = append(codes, legalForms[id].code)
			}
		}
		if got := strings.Join(codes, " "); got != c.legal {
			t.Errorf("%q: legal forms %q, want %q", c.name, got, c.legal)
		}
	}
}

func TestPrepareInitialsAndHosts(t *testing.T) {
	cases := map[string]string{
		"A.B.C. Company":           "abc",
		"A B C Ltd":                "abc",
		"J.P. Morgan & Co.":        "jp morgan",
		"L.X.C Aviation":           "lxc aviation",
		"Amazon.com, Inc.":         "amazon",
		"AT&T Inc.":                "at t",
		"Acme (acme.co.uk)":        "acme",
		"Al-Qa'ida":                "al qaida",
		"McDonald's":               "mcdonald",
		"Co.Ltd Acme":              "acme",
		"Acme c/o Beta Ltd":        "acme",
		"Kabushiki Kaisha Toshiba": "toshiba",
	}
	for in, want := range cases {
		if got := Prepare(Record{Name: in}).Key(); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrepareAliases(t *testing.T) {
	p := Prepare(Record{Name: "Tailspin Toys Ltd d/b/a Tailspin Games"})
	if len(p.forms) != 2 {
		t.Fatalf("want 2 names, got %d", len(p.forms))
	}
	p = Prepare(Record{Name: "Al-Qa'ida/Islamic Army"})
	if len(p.forms) != 2 {
		t.Fatalf("slash between two names: want 2 names, got %d", len(p.forms))
	}
	p = Prepare(Record{Name: "Maersk A/S"})
	if len(p.forms) != 1 || p.Key() != "maersk" {
		t.Fatalf("A/S is a legal form, not an alias: %d names, key %q", len(p.forms), p.Key())
	}
}

func TestPrepareEmpty(t *testing.T) {
	for _, name := range []string{"", "   ", "...", ",,,", "&", "()", "-/-", "\u200b"} {
		if p := Prepare(Record{Name: name}); !p.Empty() {
			t.Errorf("%q: want empty, got key %q", name, p.Key())
		}
	}
	r := Compare(Record{Name: "..."}, Record{Name: "..."}, DefaultConfig())
	if r.Decision != None || r.Score != 0 {
		t.Errorf("two empty names: got %v %.2f, want none 0", r.Decision, r.Score)
	}
}

func TestRegistrableDomain(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"https://www.shop.acme.co.uk/path?q=1", "acme.co.uk", true},
		{"jo@sales.acme.co.uk", "acme.co.uk", true},
		{"ACME.COM.", "acme.com", true},
		{"http://user:pw@acme.com:8080/", "acme.com", true},
		{"mailto:jo@acme.de", "acme.de", true},
		{"foo.github.io", "foo.github.io", true},
		{"münchen.de", "xn--mnchen-3ya.de", true},
		{"someone@gmail.com", "", false},
		{"yahoo.co.uk", "", false},
		{"co.uk", "", false},
		{"192.168.1.1", "", false},
		{"localhost", "", false},
		{"", "", false},
		{"not a domain", "", false},
	}
	for _, c := range cases {
		got, ok := RegistrableDomain(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("RegistrableDomain(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestNormalizeCountry(t *testing.T) {
	cases := map[string]string{"de": "DE", "DEU": "DE", "Deutschland": "DE", "United Kingdom": "GB",
		"UK": "GB", "the Netherlands": "NL", "Schweiz": "CH", "": "", "Atlantis": "ATLANTIS"}
	for in, want := range cases {
		if got := NormalizeCountry(in); got != want {
			t.Errorf("NormalizeCountry(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCJKLegalForms(t *testing.T) {
	cases := map[string]string{
		"三星电子有限公司":     "三星电子",
		"株式会社東芝":       "東芝",
		"阿里巴巴集团控股有限公司": "阿里巴巴集团控股",
		"삼성전자 주식회사":    "삼성전자",
	}
	for in, want := range cases {
		if got := Prepare(Record{Name: in}).Key(); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	r := Compare(Record{Name: "株式会社東芝"}, Record{Name: "東芝 株式会社"}, DefaultConfig())
	if r.Decision != Match {
		t.Errorf("KK before and after the name: %v %.3f %v", r.Decision, r.Score, r.Reasons)
	}
}
