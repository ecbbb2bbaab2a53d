package match

import "strings"

// Word lists. All entries are in folded form. They are Tandem's own lists, written for
// company names in B2B customer and partner lists.

// stopWords carry no identity: they are ignored when names are aligned, but kept for
// acronyms ("Bank of America" → "BoA"/"BA") and for display.
var stopWords = setOf(`the of and for in on de la le les l du des del dela della delle di da das do dos der die den dem und et y e von zu an a`)

// genericWords describe what a company does or how it is organised rather than who it
// is. They count for less than distinctive words, and two different generic words are
// never mistaken for a typo of each other (Health/Wealth, Gas/Oil).
var genericWords = setOf(`
group groupe gruppe grupo gruppo groep holding holdings international internacional
internationale global worldwide world national nationale general universal united american
european europe asian asia pacific atlantic africa african services service servicios servicos
solutions solution systems system technologies technology tech technik technique software
hardware computer computers data digital network networks consulting consultants consultancy
management partners partner associates association capital investments investment invest
investors finance financial finanz bank banking banque banca banco trust fund funds
securities insurance assurance reinsurance industries industry industrial industrie
enterprises enterprise trading traders trade commercial products product manufacturing
manufacturers engineering construction constructors builders development developments
properties property realty real estate resources energy power electric electrical
electronics oil gas petroleum chemicals chemical pharmaceuticals pharmaceutical pharma health
healthcare medical hospital clinic motors motor automotive auto logistics transport
transportation shipping freight airlines airways aviation aerospace foods food beverages
beverage retail stores store supply supplies distribution distributors wholesale
communications communication telecom telecommunications media marketing advertising design
labs laboratory laboratories research ventures venture equity advisors advisers advisory
agency center centre institute foundation society club union council organization
organisation authority office department ministry government university college school
academy church brothers sons family north south east west central new old royal standard
city county state public private mutual credit savings leasing lease wealth asset assets
mortgage loan loans steel metals metal mining minerals materials machinery machines
equipment tools instruments plastics paper textiles apparel fashion home homes housing
hotels hotel restaurants travel tours leisure sports entertainment studios films music
publishing press news education learning training care services staffing recruitment
security cleaning maintenance facilities environmental water waste recycling agriculture
agricultural farms farm green solar wind nuclear railway railways railroad marine ports port
terminal airport bancorp bancshares financial semiconductor semiconductors biotech
biosciences sciences science therapeutics diagnostics devices packaging printing logistik
werke werk fabrik industria industrie handel handels verwaltung beteiligungs vermogens
immobilien bau versicherung kapital fonds invest partners trustees nominees
`)

// weakWords are generic words whose presence on only one side says almost nothing
// about whether two names denote the same customer ("Acme Group" vs "Acme").
var weakWords = setOf(`group groupe gruppe grupo gruppo groep holding holdings company co corporation
incorporated enterprises enterprise`)

// abbreviations maps a folded abbreviation or variant spelling to its canonical word.
var abbreviations = map[string]string{
	"intl": "international", "intnl": "international", "internat": "international",
	"mfg": "manufacturing", "mfrs": "manufacturers", "mfr": "manufacturer", "manuf": "manufacturing",
	"mgmt": "management", "mgt": "management", "mngt": "management",
	"svc": "services", "svcs": "services", "serv": "services", "svs": "services",
	"sys": "systems", "syst": "systems", "tech": "technology", "techs": "technologies", "technol": "technology",
	"grp": "group", "hldg": "holding", "hldgs": "holdings", "hlds": "holdings", "inds": "industries", "indus": "industries", "indust": "industries",
	"natl": "national", "assn": "association", "assoc": "associates", "assocs": "associates",
	"bros": "brothers", "dept": "department", "devel": "development",
	"engg": "engineering", "engr": "engineering", "engrg": "engineering",
	"finl": "financial", "govt": "government", "gov": "government",
	"prod": "products", "prods": "products", "props": "properties", "pharm": "pharmaceuticals", "pharma": "pharmaceuticals", "chem": "chemicals", "telecom": "telecommunications",
	"univ": "university", "ctr": "center", "cntr": "center", "centre": "center",
	"amer": "american", "bk": "bank", "bldg": "building", "bldgs": "buildings", "constr": "construction",
	"distr": "distribution", "equip": "equipment", "hosp": "hospital", "lab": "laboratories", "labs": "laboratories", "laboratory": "laboratories",
	"mktg": "marketing", "mtg": "mortgage", "mut": "mutual", "rlty": "realty",
	"soln": "solutions", "solns": "solutions", "invt": "investment", "invest": "investment",
	"invts": "investments", "mngmt": "management", "comms": "communications",
	"commun": "communications", "elec": "electric", "electr": "electric", "transp": "transportation",
	"entmt": "entertainment", "fdn": "foundation",
	"fndn": "foundation", "univer": "university", "coop": "cooperative",
	"organisation": "organization", "organisations": "organizations", "labour": "labor",
	"programme": "program", "defence": "defense", "licence": "license", "colour": "color",
	"harbour": "harbor", "catalogue": "catalog", "jewellery": "jewelry", "aluminium": "aluminum",
	"tyre": "tire", "tyres": "tires", "favour": "favor", "honour": "honor", "theatre": "theater",
	"fibre": "fiber", "metre": "meter", "neighbour": "neighbor", "behaviour": "behavior",
	"travelling": "traveling", "counsellors": "counselors", "centres": "centers", "theatres": "theaters",
}

// numberWords maps English number words (cardinal and ordinal, with a few common
// misspellings) to their value. Tens combine with a following unit ("forty-four", "forty 4").
var numberWords = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
	"eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
	"fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
	"nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
	"sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}

// romanNumerals lists the Roman numerals (2 to 39) read as numbers wherever they stand
// alone; "i", "v" and "x" are read as numbers only as the last word of a longer name.
var romanNumerals = func() map[string]int {
	m := map[string]int{}
	tens := []string{"", "x", "xx", "xxx"}
	ones := []string{"", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"}
	for t := 0; t < 4; t++ {
		for o := 0; o < 10; o++ {
			v := t*10 + o
			if v < 2 {
				continue
			}
			m[tens[t]+ones[o]] = v
		}
	}
	m["i"] = 1
	return m
}()

// statusPhrases are registry annotations that say nothing about identity; they are
// removed wherever they stand.
var statusPhrases = []string{
	"in liquidation", "in voluntary liquidation", "in administration", "in receivership",
	"dissolved", "struck off", "inactive", "in bankruptcy", "in insolvency", "in liquidatie",
	"in liquidazione", "en liquidation", "en liquidacion", "in liquidation gmbh",
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
