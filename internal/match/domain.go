package match

import (
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// freeMailDomains are registrable domains of mailbox providers: an address there says
// nothing about the company a person works for.
var freeMailDomains = setOf(`
gmail.com googlemail.com ymail.com rocketmail.com msn.com passport.com aol.com aim.com
icloud.com me.com mac.com mail.com email.com usa.com post.com inbox.com web.de t-online.de
freenet.de arcor.de posteo.de posteo.net mailbox.org ya.ru mail.ru bk.ru inbox.ru list.ru
rambler.ru qq.com 163.com 126.com yeah.net sina.com sina.cn sohu.com aliyun.com 139.com
naver.com daum.net hanmail.net nate.com protonmail.com protonmail.ch proton.me pm.me
tutanota.com tutanota.de tuta.io tutamail.com fastmail.com fastmail.fm hushmail.com
orange.fr wanadoo.fr free.fr sfr.fr laposte.net neuf.fr libero.it virgilio.it tiscali.it
alice.it tin.it btinternet.com virginmedia.com ntlworld.com blueyonder.co.uk talktalk.net
sky.com comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net
earthlink.net optonline.net juno.com netzero.net rediffmail.com seznam.cz centrum.cz
wp.pl o2.pl onet.pl interia.pl op.pl abv.bg ukr.net i.ua bigpond.com bigpond.net.au
optusnet.com.au shaw.ca rogers.com sympatico.ca telus.net uol.com.br bol.com.br terra.com.br
ig.com.br lycos.com mail.ee yopmail.com mailinator.com guerrillamail.com 10minutemail.com
zohomail.com zohomail.eu gmx.com gmx.net gmx.de gmx.at gmx.ch
`)

// freeMailLabels are provider names whose every country domain is a mailbox provider
// (yahoo.co.uk, hotmail.fr, outlook.de …).
var freeMailLabels = setOf(`yahoo hotmail outlook live windowslive gmx yandex aol zohomail`)

// IsFreeMail reports whether domain (a registrable domain, e.g. "gmail.com") belongs to
// a mailbox provider, so that an address there is no evidence of a company.
func IsFreeMail(domain string) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if freeMailDomains[domain] {
		return true
	}
	label, _, _ := strings.Cut(domain, ".")
	return freeMailLabels[label]
}

// RegistrableDomain reduces a web address, host name or e-mail address to its
// registrable domain (the public suffix plus one label: "https://www.shop.acme.co.uk/x"
// and "jo@sales.acme.co.uk" both give "acme.co.uk"). Scheme, user, port, path, query,
// "www" and trailing dots are ignored and international names are converted to their
// ASCII form. It returns ok=false for input that is empty, not a host name (including IP
// addresses and bare public suffixes), or that belongs to a free-mail provider.
func RegistrableDomain(s string) (domain string, ok bool) {
	d := hostOf(s)
	if d == "" {
		return "", false
	}
	if IsFreeMail(d) {
		return "", false
	}
	return d, true
}

// hostOf returns the registrable domain of s, free-mail or not, or "".
func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 512 {
		return ""
	}
	s = strings.ToLower(s)
	s = strings.TrimPrefix(s, "mailto:")
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	// Cut path, query and fragment.
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	// E-mail address or user info: keep what follows the last @.
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Trim(s, "<>\"' ")
	// Port.
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, ".")
	s = strings.TrimLeft(s, ".")
	if s == "" {
		return ""
	}
	if strings.Trim(s, "0123456789.") == "" || strings.Contains(s, ":") {
		if _, err := netip.ParseAddr(s); err == nil {
			return ""
		}
	}
	if !isASCII(s) {
		a, err := idna.Lookup.ToASCII(s)
		if err != nil {
			return ""
		}
		s = a
	}
	if len(s) > 253 || !strings.Contains(s, ".") {
		return ""
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return ""
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return ""
			}
		}
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(s)
	if err != nil {
		return ""
	}
	return d
}

// domainLabel returns the registrable label of a registrable domain ("acme" for
// "acme.co.uk").
func domainLabel(d string) string {
	suffix, _ := publicsuffix.PublicSuffix(d)
	label := strings.TrimSuffix(d, suffix)
	return strings.TrimSuffix(label, ".")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
