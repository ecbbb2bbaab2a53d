package match

import "strings"

// Legal forms. Each line of legalFormTable is
//
//	code | display | family | spelling; spelling; ...
//
// Spellings are written in folded form (lower case, accents removed, dotted initials
// joined: "S.A.R.L." is "sarl", "Sp. z o.o." is "sp zoo"). Every spelling of one code
// means the same form. The table is Tandem's own; it lists the forms a B2B customer list
// is likely to contain, across many countries.

// legal-form families: forms of one family are interchangeable for matching purposes
// only when their codes agree; the family decides how much a disagreement costs.
const (
	famGeneric   = iota // "Co", "Company": says nothing about the kind of entity
	famCorp             // US/Canadian corporations: Inc, Corp
	famLLC              // private limited companies: Ltd, LLC, GmbH, SARL, BV …
	famStock            // public or joint-stock companies: plc, AG, SA, NV, JSC …
	famPartner          // partnerships: LP, LLP, KG …
	famNonprofit        // associations, foundations and non-commercial bodies
	famCoop             // co-operatives
)

const legalFormTable = `
co | Co | generic | co; company; cos; compagnie; compania; compagnia; companhia; cia; cie; kompaniia
na | N.A. | generic | na; national association
inc | Inc | corp | inc; incorporated; incorporation
corp | Corp | corp | corp; corporation; corpn; korporatsiia
pc | PC | corp | pc; professional corporation
llc | LLC | llc | llc; limited liability company; limited liability co; ltd liability co; llc co; ooo; obshchestvo s ogranichennoi otvetstvennostiu; tov; tovarystvo z obmezhenoiu vidpovidalnistiu; too; pllc; professional limited liability company
ltd | Ltd | llc | ltd; limited; ltd co; limited co; company limited; co ltd; co limited; ltee; pty ltd; pty limited; proprietary limited; pty; pte ltd; pte; private limited; pvt ltd; pvt; private ltd; pvt limited; private limited company; sdn bhd; sendirian berhad; ltd sti; limited sirketi; sti; yugen kaisha; yk; godo kaisha; gk; opc; private co ltd; dac; designated activity company; clg; company limited by guarantee; limited by guarantee; ulc; unlimited company
plc | plc | stock | plc; public limited company; public ltd co; public co ltd; public company limited
gmbh | GmbH | llc | gmbh; gesmbh; mbh; gesellschaft mit beschrankter haftung; gesellschaft mbh; ug; ug haftungsbeschrankt; unternehmergesellschaft
ag | AG | stock | ag; aktiengesellschaft; kgaa; ag and co kgaa; kommanditgesellschaft auf aktien
se | SE | stock | se; societas europaea; european company
kg | KG | partner | kg; kommanditgesellschaft; gmbh and co kg; gmbh co kg; ag and co kg; gmbh and co; ohg; offene handelsgesellschaft; gbr; gesellschaft burgerlichen rechts; gmbh and co ohg
ev | e.V. | nonprofit | ev; eingetragener verein; verein; vzw; asbl; stichting; fondation; fundacion; fundacao; fondazione; stiftung; gemeinnutzige gmbh; ggmbh; ano; avtonomnaia nekommercheskaia organizatsiia; nko; cic; cio; community interest company; charitable incorporated organisation; charitable incorporated organization; 501c3; nonprofit corporation; non profit
eg | eG | coop | eg; eingetragene genossenschaft; coop; cooperative; co op; cooperatie; cooperativa; cooperatieve; societe cooperative; societa cooperativa; soc coop; sociedad cooperativa; s coop; scop; scrl; cvba; ua; cooperatie ua
sa | SA | stock | sa; societe anonyme; sociedad anonima; sociedade anonima; societa anonima; spolka akcyjna; societate pe actiuni; naamloze vennootschap sa; sae; saic; saci; sab
sas | SAS | stock | sas; sasu; societe par actions simplifiee; societe par actions simplifiee unipersonnelle; sca; societe en commandite par actions
sarl | SARL | llc | sarl; eurl; societe a responsabilite limitee; entreprise unipersonnelle a responsabilite limitee; sprl; sarl au; sagl
srl | SRL | llc | srl; srls; societa a responsabilita limitata; societatea cu raspundere limitata; sociedad de responsabilidad limitada srl; s de rl; s de rl de cv; sociedad de responsabilidad limitada de capital variable
sl | SL | llc | sl; slu; sll; sociedad limitada; sociedad de responsabilidad limitada; sociedad limitada unipersonal
sadecv | SA de CV | stock | sa de cv; sab de cv; sapi de cv; sociedad anonima de capital variable; sa de cv sofom
ltda | Ltda | llc | ltda; limitada; lda; eireli; sociedade limitada
spa | SpA | stock | spa; societa per azioni; sapa
snc | SNC | partner | snc; societe en nom collectif; societa in nome collettivo; scs; sas di; sociedad colectiva
nv | NV | stock | nv; naamloze vennootschap
bv | BV | llc | bv; besloten vennootschap; bvba; besloten vennootschap met beperkte aansprakelijkheid; bv ba
cv | CV | partner | cv; commanditaire vennootschap; vof; vennootschap onder firma
ab | AB | stock | ab; aktiebolag; aktiebolaget; ab publ; publ; hb; handelsbolag; kb; kommanditbolag
as | AS | stock | as; aksjeselskap; aktieselskab; aktieselskabet; asa; allmennaksjeselskap; aktsiaselts; akciova spolecnost; anonim sirketi; ticaret anonim sirketi; sanayi ve ticaret anonim sirketi; ans
aps | ApS | llc | aps; anpartsselskab; ivs; ou; osauhing
oy | Oy | stock | oy; osakeyhtio; oyj; julkinen osakeyhtio; ky; ay; ab oy
kk | KK | stock | kk; kabushiki kaisha; kabushikigaisha; kabushiki gaisha; kabushikikaisha; jusikhoesa; jusik hoesa; chusik hoesa
bhd | Bhd | stock | bhd; berhad
pt | PT | stock | pt; perseroan terbatas; tbk; pt tbk; persero
jsc | JSC | stock | jsc; ojsc; cjsc; pjsc; oao; zao; pao; ao; nao; joint stock company; open joint stock company; closed joint stock company; public joint stock company; joint stock co; aktsionernoe obshchestvo; otkrytoe aktsionernoe obshchestvo; zakrytoe aktsionernoe obshchestvo; publichnoe aktsionernoe obshchestvo; nepublichnoe aktsionernoe obshchestvo; pat; prat; jsco; jt stock co; stock company
sro | s.r.o. | llc | sro; spol sro; spolecnost s rucenim omezenym; spolocnost s rucenim obmedzenym
spzoo | Sp. z o.o. | llc | sp zoo; sp z oo; spzoo; spolka z ograniczona odpowiedzialnoscia; sp k; spolka komandytowa; sp j; spolka jawna
kft | Kft. | llc | kft; korlatolt felelossegu tarsasag; zrt; nyrt; rt; bt; kkt
doo | d.o.o. | llc | doo; dooel; drustvo s ogranicenom odgovornoscu; dd; ood; eood; ad
lp | LP | partner | lp; limited partnership; lllp; general partnership; gp
llp | LLP | partner | llp; limited liability partnership
sc | SC | generic | sc
`

// legalForm describes one legal-form code.
type legalForm struct {
	code    string
	display string
	family  int
}

// legalForms is indexed by legal-form id (1-based; 0 means none).
var legalForms = []legalForm{{}}

// legalPhrases maps a folded spelling (space-separated words) to a legal-form id.
var legalPhrases = map[string]uint8{}

// legalLastWords holds the last word of every multi-word spelling and every
// single-word spelling, for quick rejection while stripping.
var legalWords = map[string]bool{}

// maxLegalWords is the number of words of the longest spelling.
var maxLegalWords int

func init() {
	fams := map[string]int{"generic": famGeneric, "corp": famCorp, "llc": famLLC, "stock": famStock,
		"partner": famPartner, "nonprofit": famNonprofit, "coop": famCoop}
	for _, line := range strings.Split(legalFormTable, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) != 4 {
			panic("match: bad legal form line: " + line)
		}
		fam, ok := fams[strings.TrimSpace(parts[2])]
		if !ok {
			panic("match: bad legal family: " + line)
		}
		legalForms = append(legalForms, legalForm{code: strings.TrimSpace(parts[0]), display: strings.TrimSpace(parts[1]), family: fam})
		id := uint8(len(legalForms) - 1)
		for _, sp := range strings.Split(parts[3], ";") {
			sp = strings.Join(strings.Fields(sp), " ")
			if sp == "" {
				continue
			}
			if _, dup := legalPhrases[sp]; !dup {
				legalPhrases[sp] = id
			}
			ws := strings.Fields(sp)
			if len(ws) > maxLegalWords {
				maxLegalWords = len(ws)
			}
			for i, w := range ws {
				if !legalWords[w] && len(w) >= 5 {
					legalLongByFirst[w[0]] = append(legalLongByFirst[w[0]], w)
				}
				legalWords[w] = true
				legalShapes[shapeKey(ws, i)] = true
			}
		}
	}
}

// legalPenalty returns how much a disagreement between two legal-form ids costs, and
// whether the two forms count as the same.
func legalPenalty(a, b uint8) (penalty float64, same bool) {
	if a == b {
		return 0, true
	}
	fa, fb := legalForms[a].family, legalForms[b].family
	switch {
	case fa == famGeneric || fb == famGeneric:
		return 0, true
	case fa == famCorp && fb == famCorp:
		return 0, true
	case fa == fb, fa == famCorp && fb == famStock, fa == famStock && fb == famCorp:
		// Same kind of entity, or a corporation that is also a stock company (Corporation
		// is used for Japanese, Finnish and Korean stock companies alike).
		return 0.04, false
	case fa == famNonprofit || fb == famNonprofit || fa == famCoop || fb == famCoop:
		return 0.2, false
	}
	return 0.13, false
}
