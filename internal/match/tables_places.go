package match

import "strings"

// Places. A place word inside a company name is usually a qualifier ("Acme Deutschland
// GmbH", "First National Bank of Omaha"): two names that differ only in the place they
// name are different companies, and a name that adds a place is a possible subsidiary.
// Lines of countryTable are "CC CCC | name; name; …" (ISO 3166 alpha-2 and alpha-3 codes,
// then English and local names, folded). Lines of regionTable and cityTable list the
// spellings of one place. The lists are Tandem's own.

const countryTable = `
US USA | united states; united states of america; usa; us; america; estados unidos; etats unis; vereinigte staaten
GB GBR | united kingdom; uk; great britain; britain; england; scotland; wales; northern ireland; gb
DE DEU | germany; deutschland; allemagne; alemania; germania; niemcy
FR FRA | france; frankreich; francia; frankrijk
NL NLD | netherlands; nederland; holland; the netherlands; niederlande; pays bas; paises bajos
BE BEL | belgium; belgie; belgique; belgien; belgica
LU LUX | luxembourg; luxemburg; letzebuerg
CH CHE | switzerland; schweiz; suisse; svizzera; svizra; suiza; helvetia
AT AUT | austria; osterreich; oesterreich; autriche
IT ITA | italy; italia; italien; italie
ES ESP | spain; espana; spanien; espagne; spagna
PT PRT | portugal
IE IRL | ireland; eire; irland; irlande
DK DNK | denmark; danmark; danemark; dinamarca
SE SWE | sweden; sverige; schweden; suede; suecia
NO NOR | norway; norge; noreg; norwegen; norvege; noruega
FI FIN | finland; suomi; finnland; finlande
IS ISL | iceland; island
PL POL | poland; polska; polen; pologne; polonia
CZ CZE | czech republic; czechia; ceska republika; cesko; tschechien
SK SVK | slovakia; slovensko; slowakei
HU HUN | hungary; magyarorszag; ungarn; hongrie
RO ROU | romania; rumanien; roumanie
BG BGR | bulgaria; balgariia; bulgarien
GR GRC | greece; hellas; ellada; griechenland; grece
HR HRV | croatia; hrvatska; kroatien
SI SVN | slovenia; slovenija
RS SRB | serbia; srbija
UA UKR | ukraine; ukraina
BY BLR | belarus; byelorussia
RU RUS | russia; russian federation; rossiia; rossiiskaia federatsiia; russland; russie
EE EST | estonia; eesti
LV LVA | latvia; latvija
LT LTU | lithuania; lietuva
TR TUR | turkey; turkiye; turkei; turquie
CY CYP | cyprus; kypros
MT MLT | malta
IL ISR | israel
AE ARE | united arab emirates; uae; emirates
SA SAU | saudi arabia; kingdom of saudi arabia; ksa
QA QAT | qatar
KW KWT | kuwait
BH BHR | bahrain
OM OMN | oman
JO JOR | jordan
LB LBN | lebanon
EG EGY | egypt; misr
MA MAR | morocco; maroc
DZ DZA | algeria; algerie
TN TUN | tunisia; tunisie
NG NGA | nigeria
GH GHA | ghana
KE KEN | kenya
ZA ZAF | south africa; suid afrika
ET ETH | ethiopia
TZ TZA | tanzania
UG UGA | uganda
TD TCD | chad; tchad
IR IRN | iran
IQ IRQ | iraq
PK PAK | pakistan
IN IND | india; bharat
BD BGD | bangladesh
LK LKA | sri lanka
CN CHN | china; prc; peoples republic of china; zhongguo
HK HKG | hong kong; hongkong
MO MAC | macau; macao
TW TWN | taiwan
JP JPN | japan; nippon; nihon; japon
KR KOR | korea; south korea; republic of korea; hanguk
SG SGP | singapore; singapura
MY MYS | malaysia
ID IDN | indonesia
TH THA | thailand
VN VNM | vietnam; viet nam
PH PHL | philippines; pilipinas
AU AUS | australia
NZ NZL | new zealand; aotearoa
CA CAN | canada
MX MEX | mexico
BR BRA | brazil; brasil
AR ARG | argentina
CL CHL | chile
CO COL | colombia
PE PER | peru
VE VEN | venezuela
EC ECU | ecuador
UY URY | uruguay
PY PRY | paraguay
BO BOL | bolivia
CR CRI | costa rica
PA PAN | panama
GT GTM | guatemala
DO DOM | dominican republic
PR PRI | puerto rico
JM JAM | jamaica
KZ KAZ | kazakhstan
UZ UZB | uzbekistan
GE GEO | georgia; sakartvelo
AM ARM | armenia; hayastan
AZ AZE | azerbaijan
MN MNG | mongolia
NP NPL | nepal
MM MMR | myanmar; burma
KH KHM | cambodia
`

const regionTable = `
europe; europa; european union; eu
asia; asia pacific; apac; asiapac
africa
americas; north america; south america; latin america; latam; central america
middle east; mena; gulf
emea
nordic; nordics; scandinavia; norden
benelux
dach
iberia
oceania
caribbean
balkans
baltics
eurasia
`

const cityTable = `
london; paris; berlin; munich; munchen; muenchen; hamburg; frankfurt; frankfurt am main; cologne; koln; koeln
dusseldorf; duesseldorf; stuttgart; leipzig; dresden; hannover; hanover; nuremberg; nurnberg; bremen; essen; dortmund
vienna; wien; zurich; geneva; geneve; genf; basel; bern; lausanne; lugano; amsterdam; rotterdam; eindhoven
utrecht; the hague; den haag; brussels; bruxelles; brussel; antwerp; antwerpen; ghent; gent; liege
madrid; barcelona; valencia; seville; sevilla; bilbao; malaga; lisbon; lisboa; porto; rome; roma; milan; milano
turin; torino; naples; napoli; florence; firenze; bologna; genoa; genova; venice; venezia; dublin; cork; galway
edinburgh; glasgow; manchester; birmingham; leeds; liverpool; bristol; cardiff; belfast; sheffield; newcastle
nottingham; leicester; southampton; aberdeen; stockholm; gothenburg; goteborg; malmo; uppsala
oslo; bergen; trondheim; copenhagen; kobenhavn; aarhus; odense; helsinki; espoo; tampere; reykjavik
warsaw; warszawa; krakow; cracow; wroclaw; gdansk; poznan; lodz; prague; praha; brno; bratislava; budapest
bucharest; bucuresti; cluj napoca; sofia; athens; athina; thessaloniki; zagreb; ljubljana; belgrade; beograd
istanbul; ankara; izmir; moscow; moskva; saint petersburg; st petersburg; sankt peterburg; novosibirsk
yekaterinburg; ekaterinburg; kazan; kyiv; kiev; kharkiv; odesa; odessa; lviv; minsk; riga; tallinn; vilnius
new york; new york city; nyc; los angeles; chicago; houston; philadelphia; san antonio; san diego
dallas; san jose; austin; jacksonville; fort worth; charlotte; indianapolis; san francisco; seattle
denver; washington; washington dc; boston; el paso; nashville; detroit; oklahoma city; portland; las vegas
memphis; louisville; baltimore; milwaukee; albuquerque; tucson; fresno; sacramento; kansas city; atlanta
omaha; colorado springs; raleigh; miami; long beach; virginia beach; oakland; minneapolis; tulsa; tampa
new orleans; wichita; cleveland; bakersfield; anaheim; honolulu; santa ana
corpus christi; saint paul; st paul; st louis; saint louis; cincinnati
pittsburgh; greensboro; anchorage; orlando; toledo; chula vista
fort wayne; jersey city; laredo; buffalo; lubbock; scottsdale
winston salem; north las vegas; chesapeake; hialeah
boise; baton rouge; spokane; des moines; tacoma; san bernardino; modesto; fontana; santa clarita
oxnard; fayetteville; moreno valley; huntington beach; salt lake city
grand rapids; amarillo; yonkers; hartford; south bend; palo alto; mountain view; sunnyvale
santa clara; menlo park; redwood city; cupertino; stamford; greenwich; princeton
toronto; montreal; vancouver; calgary; edmonton; ottawa; winnipeg; quebec city; mississauga
mexico city; ciudad de mexico; monterrey; guadalajara; puebla; tijuana; sao paulo; rio de janeiro; brasilia
belo horizonte; porto alegre; curitiba; buenos aires; cordoba; rosario; santiago; santiago de chile; lima
bogota; medellin; cali; caracas; quito; guayaquil; montevideo; asuncion; la paz; panama city; san juan
tokyo; osaka; kyoto; nagoya; yokohama; kobe; fukuoka; sapporo; seoul; busan; incheon; beijing; peking
shanghai; shenzhen; guangzhou; canton; tianjin; chongqing; chengdu; wuhan; hangzhou; nanjing; xian; suzhou
taipei; kaohsiung; singapore city; kuala lumpur; penang; jakarta; surabaya; bangkok; manila; makati; cebu
hanoi; ho chi minh city; saigon; mumbai; bombay; delhi; new delhi; bangalore; bengaluru; chennai; madras
kolkata; calcutta; hyderabad; pune; ahmedabad; gurgaon; gurugram; noida; karachi; lahore; islamabad; dhaka
colombo; kathmandu; dubai; abu dhabi; sharjah; doha; riyadh; jeddah; dammam; manama; muscat; kuwait city
tel aviv; jerusalem; haifa; amman; beirut; cairo; alexandria; casablanca; rabat; tunis; algiers; lagos
abuja; accra; nairobi; addis ababa; dar es salaam; kampala; johannesburg; cape town; durban; pretoria
sydney; melbourne; brisbane; perth; adelaide; canberra; auckland; wellington; christchurch; almaty; astana
tashkent; baku; tbilisi; yerevan; ulaanbaatar; yangon; phnom penh
texas; california; florida; new jersey; ohio; illinois; pennsylvania; michigan; virginia
massachusetts; arizona; colorado; minnesota; oregon; nevada; utah; iowa; kentucky; louisiana; alabama
tennessee; wisconsin; maryland; missouri; indiana; connecticut; oklahoma; kansas; arkansas; mississippi
nebraska; idaho; maine; montana; delaware; alaska; hawaii; vermont; wyoming; north carolina; south carolina
north dakota; south dakota; west virginia; new mexico; new hampshire; rhode island
ontario; quebec; british columbia; alberta; manitoba; saskatchewan; nova scotia; new brunswick
bavaria; bayern; hesse; hessen; saxony; sachsen; baden wurttemberg; nordrhein westfalen; north rhine westphalia
catalonia; catalunya; andalusia; andalucia; lombardy; lombardia; piedmont; tuscany; toscana; flanders
vlaanderen; wallonia; wallonie; queensland; new south wales
`

// place kinds
const (
	placeCountry = 1
	placeRegion  = 2
	placeCity    = 3
)

type place struct {
	key     string // canonical key, e.g. "unitedstates"
	display string // canonical spelling, e.g. "united states"
	kind    int
	country string // ISO alpha-2 for countries
}

// places is indexed by place id (1-based).
var places = []place{{}}

// placePhrases maps a folded spelling (space-separated words) to a place id.
var placePhrases = map[string]uint16{}

// maxPlaceWords is the number of words of the longest place spelling.
var maxPlaceWords int

// placeWords holds every word of every place spelling.
var placeWords = map[string]bool{}

// countryCodes maps codes and names (folded) to ISO alpha-2, for the country field.
var countryCodes = map[string]string{}

func init() {
	add := func(kind int, cc string, names []string) {
		var clean []string
		for _, n := range names {
			n = strings.Join(strings.Fields(n), " ")
			if n != "" {
				clean = append(clean, n)
			}
		}
		if len(clean) == 0 {
			return
		}
		places = append(places, place{key: strings.ReplaceAll(clean[0], " ", ""), display: clean[0], kind: kind, country: cc})
		id := uint16(len(places) - 1)
		for _, n := range clean {
			if _, dup := placePhrases[n]; !dup {
				placePhrases[n] = id
			}
			ws := strings.Fields(n)
			if len(ws) > maxPlaceWords {
				maxPlaceWords = len(ws)
			}
			for _, w := range ws {
				placeWords[w] = true
			}
			if cc != "" {
				countryCodes[n] = cc
				countryCodes[strings.ReplaceAll(n, " ", "")] = cc
			}
		}
	}
	for _, line := range strings.Split(countryTable, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		head, rest, ok := strings.Cut(line, "|")
		if !ok {
			panic("match: bad country line: " + line)
		}
		codes := strings.Fields(head)
		if len(codes) != 2 {
			continue
		}
		cc := codes[0]
		countryCodes[strings.ToLower(codes[0])] = cc
		countryCodes[strings.ToLower(codes[1])] = cc
		add(placeCountry, cc, strings.Split(rest, ";"))
	}
	for _, line := range strings.Split(regionTable, "\n") {
		add(placeRegion, "", strings.Split(line, ";"))
	}
	for _, line := range strings.Split(cityTable, "\n") {
		for _, n := range strings.Split(line, ";") {
			// Each city is its own place; alternative spellings of one city stand next
			// to each other in the table and are joined below.
			add(placeCity, "", []string{n})
		}
	}
	// Join alternative spellings of the same city.
	for _, grp := range cityAliases {
		id := placePhrases[grp[0]]
		for _, alt := range grp[1:] {
			placePhrases[alt] = id
			for _, w := range strings.Fields(alt) {
				placeWords[w] = true
			}
		}
	}
}

// cityAliases groups spellings of one city (first is canonical).
var cityAliases = [][]string{
	{"munich", "munchen", "muenchen"}, {"cologne", "koln", "koeln"}, {"dusseldorf", "duesseldorf"},
	{"frankfurt", "frankfurt am main"}, {"hannover", "hanover"}, {"nuremberg", "nurnberg"},
	{"vienna", "wien"}, {"geneva", "geneve", "genf"}, {"the hague", "den haag"},
	{"brussels", "bruxelles", "brussel"}, {"antwerp", "antwerpen"}, {"ghent", "gent"},
	{"seville", "sevilla"}, {"lisbon", "lisboa"}, {"rome", "roma"}, {"milan", "milano"},
	{"turin", "torino"}, {"naples", "napoli"}, {"florence", "firenze"}, {"genoa", "genova"},
	{"venice", "venezia"}, {"gothenburg", "goteborg"}, {"copenhagen", "kobenhavn"},
	{"warsaw", "warszawa"}, {"krakow", "cracow"}, {"prague", "praha"}, {"bucharest", "bucuresti"},
	{"athens", "athina"}, {"belgrade", "beograd"}, {"moscow", "moskva"},
	{"saint petersburg", "st petersburg", "sankt peterburg"}, {"yekaterinburg", "ekaterinburg"},
	{"kyiv", "kiev"}, {"odesa", "odessa"}, {"new york", "new york city", "nyc"},
	{"washington", "washington dc"}, {"saint paul", "st paul"}, {"st louis", "saint louis"},
	{"mexico city", "ciudad de mexico"}, {"santiago", "santiago de chile"}, {"beijing", "peking"},
	{"guangzhou", "canton"}, {"ho chi minh city", "saigon"}, {"mumbai", "bombay"},
	{"delhi", "new delhi"}, {"bangalore", "bengaluru"}, {"chennai", "madras"},
	{"kolkata", "calcutta"}, {"gurgaon", "gurugram"}, {"bavaria", "bayern"}, {"hesse", "hessen"},
	{"saxony", "sachsen"}, {"nordrhein westfalen", "north rhine westphalia"},
	{"catalonia", "catalunya"}, {"andalusia", "andalucia"}, {"lombardy", "lombardia"},
	{"tuscany", "toscana"}, {"flanders", "vlaanderen"}, {"wallonia", "wallonie"},
}

// NormalizeCountry returns the ISO 3166 alpha-2 code for a country given by code
// (alpha-2 or alpha-3, any case) or by name (English or local, accents ignored). An
// input it does not recognise is returned folded and upper-cased, so that equal inputs
// still compare equal; empty input returns "".
func NormalizeCountry(s string) string {
	f := strings.Join(strings.FieldsFunc(fold(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80) }), " ")
	if f == "" {
		return ""
	}
	if cc, ok := countryCodes[f]; ok {
		return cc
	}
	if cc, ok := countryCodes[strings.TrimPrefix(f, "the ")]; ok {
		return cc
	}
	return strings.ToUpper(f)
}
