package matchgen

// country describes how companies of one country are named.
type country struct {
	code   string
	tld    string
	forms  [][]string // legal forms; the first spelling is the usual one
	cities []string
	prefix bool // the legal form may stand before the name
}

var countries = []country{
	{"US", "com", [][]string{{"Inc.", "Inc", "Incorporated", ", Inc."}, {"LLC", "L.L.C.", "Limited Liability Company"}, {"Corp.", "Corporation", "Corp"}, {"Co.", "Company"}, {"LP", "L.P."}},
		[]string{"New York", "Chicago", "Boston", "Austin", "Denver", "Seattle", "Atlanta", "Dallas", "Miami", "San Francisco", "Houston", "Portland"}, false},
	{"GB", "co.uk", [][]string{{"Ltd", "Limited", "Ltd.", "LTD"}, {"plc", "PLC", "Public Limited Company", "p.l.c."}, {"LLP", "L.L.P."}},
		[]string{"London", "Manchester", "Leeds", "Bristol", "Edinburgh", "Glasgow", "Birmingham", "Cardiff"}, false},
	{"DE", "de", [][]string{{"GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung", "Gmbh"}, {"AG", "Aktiengesellschaft", "A.G."}, {"GmbH & Co. KG", "GmbH & Co KG"}, {"KG", "Kommanditgesellschaft"}},
		[]string{"Berlin", "München", "Hamburg", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig"}, false},
	{"FR", "fr", [][]string{{"SAS", "S.A.S."}, {"SA", "S.A.", "Société Anonyme"}, {"SARL", "S.A.R.L.", "Sarl"}},
		[]string{"Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Bordeaux"}, false},
	{"NL", "nl", [][]string{{"B.V.", "BV", "B.V"}, {"N.V.", "NV"}},
		[]string{"Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag"}, false},
	{"IT", "it", [][]string{{"S.r.l.", "Srl", "SRL"}, {"S.p.A.", "SpA", "SPA"}},
		[]string{"Milano", "Roma", "Torino", "Bologna", "Firenze"}, false},
	{"ES", "es", [][]string{{"S.L.", "SL", "Sociedad Limitada"}, {"S.A.", "SA", "Sociedad Anónima"}},
		[]string{"Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"}, false},
	{"SE", "se", [][]string{{"AB", "Aktiebolag", "AB (publ)"}}, []string{"Stockholm", "Göteborg", "Malmö", "Uppsala"}, false},
	{"NO", "no", [][]string{{"AS", "A/S", "ASA"}}, []string{"Oslo", "Bergen", "Trondheim"}, false},
	{"DK", "dk", [][]string{{"A/S", "AS", "Aktieselskab"}, {"ApS", "APS"}}, []string{"København", "Aarhus", "Odense"}, false},
	{"FI", "fi", [][]string{{"Oy", "OY", "Osakeyhtiö"}, {"Oyj", "OYJ"}}, []string{"Helsinki", "Espoo", "Tampere"}, false},
	{"CH", "ch", [][]string{{"AG", "Aktiengesellschaft"}, {"GmbH", "G.m.b.H."}, {"SA", "S.A."}}, []string{"Zürich", "Genève", "Basel", "Bern", "Lausanne"}, false},
	{"AU", "com.au", [][]string{{"Pty Ltd", "Pty. Ltd.", "Proprietary Limited", "PTY LTD"}}, []string{"Sydney", "Melbourne", "Brisbane", "Perth"}, false},
	{"IN", "in", [][]string{{"Pvt. Ltd.", "Private Limited", "Pvt Ltd"}, {"Ltd", "Limited"}}, []string{"Mumbai", "Bangalore", "Delhi", "Chennai", "Pune", "Hyderabad"}, false},
	{"JP", "co.jp", [][]string{{"K.K.", "KK", "Kabushiki Kaisha"}, {"Co., Ltd.", "Co. Ltd", "Company Limited"}}, []string{"Tokyo", "Osaka", "Nagoya", "Yokohama"}, false},
	{"BR", "com.br", [][]string{{"Ltda.", "Ltda", "Limitada"}, {"S.A.", "SA"}}, []string{"São Paulo", "Rio de Janeiro", "Curitiba"}, false},
	{"PL", "pl", [][]string{{"Sp. z o.o.", "sp. z o.o.", "Spółka z ograniczoną odpowiedzialnością"}, {"S.A.", "SA"}}, []string{"Warszawa", "Kraków", "Wrocław", "Gdańsk"}, false},
	{"RU", "ru", [][]string{{"OOO", "LLC", "O.O.O."}, {"AO", "JSC"}}, []string{"Moscow", "Saint Petersburg", "Kazan"}, true},
	{"ID", "co.id", [][]string{{"PT", "P.T."}}, []string{"Jakarta", "Surabaya"}, true},
	{"CA", "ca", [][]string{{"Inc.", "Inc", "Incorporated"}, {"Ltd.", "Limited"}, {"Corp.", "Corporation"}}, []string{"Toronto", "Montreal", "Vancouver", "Calgary", "Ottawa"}, false},
}

// countryWeights: the share of each country (in the order above).
var countryWeights = []int{30, 16, 10, 6, 4, 4, 4, 2, 2, 2, 2, 2, 3, 4, 3, 2, 2, 1, 1, 2}

var syllables = []string{
	"ba", "be", "bi", "bo", "bra", "bri", "ca", "ce", "co", "cor", "cra", "da", "de", "di", "do", "dra",
	"el", "en", "er", "fa", "fe", "fi", "fo", "fra", "ga", "ge", "gi", "go", "gra", "ha", "he", "hi",
	"ka", "ke", "ki", "ko", "kra", "la", "le", "li", "lo", "lu", "ma", "me", "mi", "mo", "mu", "na",
	"ne", "ni", "no", "nu", "or", "pa", "pe", "pi", "po", "pra", "pro", "qua", "ra", "re", "ri", "ro",
	"ru", "sa", "se", "si", "so", "sta", "ste", "su", "ta", "te", "ti", "to", "tra", "tri", "tu", "va",
	"ve", "vi", "vo", "wa", "we", "xa", "ya", "za", "ze", "zo", "al", "an", "ar", "ex", "in", "ol",
	"om", "on", "os", "ul", "un", "ur", "lan", "mar", "ner", "ron", "san", "tor", "ven", "zan",
}

var endings = []string{"x", "n", "s", "ra", "ix", "on", "ia", "tech", "ly", "io", "us", "an", "er", "sys", "ware", "ics"}

var surnames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
	"Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter",
	"Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
	"Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey",
	"Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
	"Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
	"Dubois", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Leroy", "Roux", "Fontaine", "Girard",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz",
	"Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos",
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsen", "Hansen", "Nielsen", "Jensen",
	"Virtanen", "Korhonen", "Nowak", "Kowalski", "Wiśniewski", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Sato",
	"Patel", "Sharma", "Singh", "Kumar", "Gupta", "Silva", "Santos", "Oliveira", "Souza", "Costa",
	"O'Brien", "O'Connor", "McCarthy", "MacDonald", "Fitzgerald", "Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov",
}

var prefixes = []string{"North", "South", "East", "West", "Blue", "Red", "Green", "Silver", "Golden", "Bright",
	"Clear", "Swift", "True", "First", "Prime", "Apex", "Summit", "Pioneer", "Harbor", "River", "Stone", "Iron",
	"Oak", "Pine", "Cedar", "Eagle", "Falcon", "Lion", "Star", "Sun", "Moon", "Sky", "Ocean", "Peak", "Alpine"}

var industries = []string{
	"Software", "Systems", "Technologies", "Solutions", "Consulting", "Logistics", "Holdings", "Group",
	"Partners", "Capital", "Engineering", "Manufacturing", "Industries", "International", "Services",
	"Trading", "Foods", "Energy", "Construction", "Media", "Labs", "Analytics", "Networks", "Security",
	"Robotics", "Pharma", "Medical", "Health", "Insurance", "Finance", "Investments", "Properties",
	"Design", "Digital", "Data", "Cloud", "Telecom", "Automotive", "Aerospace", "Marine", "Textiles",
	"Chemicals", "Plastics", "Packaging", "Printing", "Retail", "Distribution", "Transport", "Travel",
	"Hospitality", "Education", "Training", "Recruitment", "Staffing", "Marketing", "Advertising",
	"Architecture", "Interiors", "Furniture", "Electronics", "Semiconductors", "Instruments", "Tools",
	"Machinery", "Metals", "Mining", "Agriculture", "Farms", "Beverages", "Brewing", "Cosmetics", "Fashion",
	"Sports", "Games", "Studios", "Publishing", "Ventures", "Biotech", "Diagnostics", "Devices", "Clinics",
}

var abbrev = map[string]string{
	"International": "Intl", "Manufacturing": "Mfg", "Technologies": "Tech", "Holdings": "Hldgs",
	"Services": "Svcs", "Systems": "Sys", "Industries": "Inds", "Group": "Grp",
	"Management": "Mgmt", "Distribution": "Distr.", "Investments": "Invts",
}

var freeMail = []string{"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "gmx.de", "web.de", "yahoo.co.uk", "orange.fr", "libero.it", "mail.ru"}
