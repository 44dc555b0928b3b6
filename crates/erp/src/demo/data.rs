//! Word lists for the demo ERP: names, streets, places. All fictional combinations of real-looking
//! parts; real postal codes of the cities named.

/// A city with postal codes of it and typical streets.
pub(crate) struct City {
    pub name: &'static str,
    pub postal_codes: &'static [&'static str],
    pub streets: &'static [&'static str],
    /// Area code for landline numbers.
    pub area_code: &'static str,
}

const COMMON_STREETS: &[&str] = &[
    "Bahnhofstraße",
    "Hauptstraße",
    "Schulstraße",
    "Gartenstraße",
    "Lindenstraße",
    "Goethestraße",
    "Schillerstraße",
    "Am Markt",
    "Elbstraße",
    "Am Elbufer",
    "Kirchstraße",
    "Friedrich-Ebert-Straße",
    "Birkenweg",
    "Ahornweg",
    "Mühlenweg",
    "Rosenstraße",
    "Wiesenweg",
    "Am Deich",
    "Fährstraße",
    "Hafenstraße",
];

pub(crate) const HAMBURG: City = City {
    name: "Hamburg",
    postal_codes: &[
        "20099", "20144", "20249", "20253", "20255", "20257", "20357", "20359", "20535", "20537",
        "21029", "21031", "21033", "21073", "21075", "21107", "21109", "22041", "22043", "22045",
        "22081", "22083", "22085", "22089", "22111", "22115", "22117", "22119", "22143", "22147",
        "22149", "22159", "22305", "22307", "22309", "22335", "22337", "22525", "22527", "22547",
        "22549", "22559", "22587", "22761", "22763", "22765", "22767", "22769",
    ],
    streets: &[
        "Elbchaussee",
        "Hamburger Straße",
        "Wandsbeker Chaussee",
        "Fuhlsbüttler Straße",
        "Osterstraße",
        "Lutterothstraße",
        "Veddeler Damm",
        "Max-Brauer-Allee",
        "Stresemannstraße",
        "Holstenstraße",
        "Barmbeker Straße",
        "Habichtstraße",
        "Jarrestraße",
        "Horner Landstraße",
        "Billstedter Hauptstraße",
        "Steilshooper Straße",
        "Bramfelder Chaussee",
        "Kieler Straße",
        "Eidelstedter Weg",
        "Osdorfer Landstraße",
        "Georg-Wilhelm-Straße",
        "Neuhöfer Straße",
        "Am Elbdeich",
        "Süderelbstraße",
        "Eißendorfer Straße",
        "Lohbrügger Markt",
        "Jenfelder Allee",
        "Rahlstedter Straße",
        "Farmsener Landstraße",
        "Saseler Damm",
        "Langenhorner Chaussee",
        "Tarpenbekstraße",
        "Hoheluftchaussee",
        "Eppendorfer Weg",
        "Grindelallee",
        "Mühlenkamp",
        "Straßburger Straße",
        "Dehnhaide",
        "Hufnerstraße",
        "Elsässer Straße",
        "Schöne Aussicht",
        "Övelgönne",
        "Große Elbstraße",
        "Bei den Mühren",
        "Hammer Steindamm",
    ],
    area_code: "040",
};

pub(crate) const GEESTHACHT: City = City {
    name: "Geesthacht",
    postal_codes: &["21502"],
    streets: COMMON_STREETS,
    area_code: "04152",
};

pub(crate) const LAUENBURG: City = City {
    name: "Lauenburg/Elbe",
    postal_codes: &["21481"],
    streets: COMMON_STREETS,
    area_code: "04153",
};

pub(crate) const STADE: City = City {
    name: "Stade",
    postal_codes: &["21680", "21682", "21683"],
    streets: COMMON_STREETS,
    area_code: "04141",
};

pub(crate) const CUXHAVEN: City = City {
    name: "Cuxhaven",
    postal_codes: &["27472", "27474", "27476"],
    streets: COMMON_STREETS,
    area_code: "04721",
};

pub(crate) const LUENEBURG: City = City {
    name: "Lüneburg",
    postal_codes: &["21335", "21337", "21339"],
    streets: COMMON_STREETS,
    area_code: "04131",
};

pub(crate) const MAGDEBURG: City = City {
    name: "Magdeburg",
    postal_codes: &[
        "39104", "39106", "39108", "39110", "39112", "39114", "39116", "39118", "39120", "39122",
        "39124", "39126", "39128", "39130",
    ],
    streets: &[
        "Breiter Weg",
        "Otto-von-Guericke-Straße",
        "Große Diesdorfer Straße",
        "Halberstädter Straße",
        "Leipziger Straße",
        "Olvenstedter Straße",
        "Jakobstraße",
        "Schönebecker Straße",
        "Lübecker Straße",
        "Hans-Löscher-Straße",
        "Neustädter Platz",
        "Kastanienstraße",
        "Salbker Straße",
        "Am Elbbahnhof",
        "Walther-Rathenau-Straße",
    ],
    area_code: "0391",
};

pub(crate) const DESSAU: City = City {
    name: "Dessau-Roßlau",
    postal_codes: &["06842", "06844", "06846", "06847", "06849", "06862"],
    streets: &[
        "Kavalierstraße",
        "Askanische Straße",
        "Zerbster Straße",
        "Elisabethstraße",
        "Heidestraße",
        "Friedrichstraße",
        "Muldstraße",
    ],
    area_code: "0340",
};

pub(crate) const WITTENBERG: City = City {
    name: "Lutherstadt Wittenberg",
    postal_codes: &["06886", "06888", "06889"],
    streets: COMMON_STREETS,
    area_code: "03491",
};

pub(crate) const DRESDEN: City = City {
    name: "Dresden",
    postal_codes: &[
        "01067", "01069", "01097", "01099", "01127", "01139", "01157", "01159", "01169", "01187",
        "01189", "01217", "01219", "01237", "01239", "01257", "01277", "01279", "01307", "01309",
        "01324",
    ],
    streets: &[
        "Königsbrücker Straße",
        "Bautzner Straße",
        "Prager Straße",
        "Wilsdruffer Straße",
        "Leipziger Straße",
        "Großenhainer Straße",
        "Borsbergstraße",
        "Kesselsdorfer Straße",
        "Hüblerstraße",
        "Tharandter Straße",
        "Pirnaer Landstraße",
        "Löbtauer Straße",
        "Schäferstraße",
        "Bürgerwiese",
        "Alaunstraße",
        "Louisenstraße",
    ],
    area_code: "0351",
};

pub(crate) const MEISSEN: City = City {
    name: "Meißen",
    postal_codes: &["01662"],
    streets: COMMON_STREETS,
    area_code: "03521",
};

pub(crate) const PIRNA: City = City {
    name: "Pirna",
    postal_codes: &["01796"],
    streets: COMMON_STREETS,
    area_code: "03501",
};

/// Cities of client 1 (the cooperative), weighted by repetition.
pub(crate) const CLIENT1_CITIES: &[&City] = &[&HAMBURG, &HAMBURG, &HAMBURG, &HAMBURG, &GEESTHACHT, &LAUENBURG];
/// Cities of client 2 (the subsidiary along the middle Elbe).
pub(crate) const CLIENT2_CITIES: &[&City] = &[
    &MAGDEBURG, &MAGDEBURG, &DRESDEN, &DRESDEN, &DESSAU, &WITTENBERG, &MEISSEN, &PIRNA,
];
/// Cities of client 3 (the condominium administration).
pub(crate) const CLIENT3_CITIES: &[&City] = &[&HAMBURG, &STADE, &CUXHAVEN, &LUENEBURG];
/// Every city, for addresses of owners and former tenants.
pub(crate) const ALL_CITIES: &[&City] = &[
    &HAMBURG, &GEESTHACHT, &LAUENBURG, &STADE, &CUXHAVEN, &LUENEBURG, &MAGDEBURG, &DESSAU,
    &WITTENBERG, &DRESDEN, &MEISSEN, &PIRNA,
];

pub(crate) const CLIENTS: [(&str, &str); 3] = [
    ("1", "Wohnungsbaugenossenschaft Elbufer eG"),
    ("2", "Elbufer Wohnen Mitteldeutschland GmbH"),
    ("3", "Elbufer Hausverwaltung GmbH (WEG-Verwaltung)"),
];

pub(crate) const FIRST_NAMES_F: &[&str] = &[
    "Anna", "Maria", "Ursula", "Monika", "Petra", "Sabine", "Renate", "Helga", "Karin", "Brigitte",
    "Ingrid", "Erika", "Andrea", "Gisela", "Susanne", "Claudia", "Birgit", "Heike", "Christine",
    "Gabriele", "Käthe", "Jördis", "Hildegard", "Dörte", "Bärbel", "Lena", "Lea", "Hannah", "Mia",
    "Emma", "Sophie", "Marie", "Jana", "Julia", "Katharina", "Özlem", "Ayşe", "Agnieszka",
    "Olena", "Małgorzata", "Zoë", "Anneliese", "Gesine", "Wiebke", "Frauke", "Silke", "Maren",
];

pub(crate) const FIRST_NAMES_M: &[&str] = &[
    "Peter", "Michael", "Thomas", "Andreas", "Wolfgang", "Klaus", "Jürgen", "Günter", "Stefan",
    "Christian", "Uwe", "Werner", "Horst", "Frank", "Dieter", "Manfred", "Gerhard", "Hans-Jürgen",
    "Karl-Heinz", "Jörg", "Björn", "Sören", "Hauke", "Jan", "Finn", "Lukas", "Leon", "Paul",
    "Jonas", "Ben", "Mehmet", "Ahmet", "Piotr", "Oleksandr", "Nguyễn Văn", "Götz", "Knut",
    "Malte", "Ole", "Torben", "Fiete", "Hinnerk", "Matthias", "Tobias", "René", "André",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schulze", "Köhler", "Herrmann", "König",
    "Walter", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
    "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth",
    "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm",
    "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto",
    "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Schulte",
    "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann",
    "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Petersen", "Jensen", "Hansen", "Thomsen",
    "Claußen", "Rübcke", "Lüdtke", "Kröger", "Stüven", "Yılmaz", "Kaya", "Öztürk", "Demir",
    "Nowak", "Kowalski", "Wiśniewski", "Popescu", "Nguyen", "Ivanova", "Kovačević",
];

/// Double names and names with prefixes, used now and then.
pub(crate) const SPECIAL_SURNAMES: &[&str] = &[
    "Müller-Lüdenscheidt",
    "von der Heide",
    "Schulze-Delitzsch",
    "von Bülow",
    "zu Putlitz",
    "van den Berg",
    "Meyer-Landrut",
    "Graf von Bernstorff",
    "de la Cruz",
    "Hoffmann-Strauß",
    "Große-Kleimann",
    "ter Haar",
    "Weiß-Großmann",
    "Nguyễn Thị",
];

pub(crate) const TITLES: &[&str] = &["Dr.", "Dr.", "Dr.", "Prof. Dr.", "Dipl.-Ing.", "Dr. med."];

pub(crate) const COMPANIES: &[&str] = &[
    "Bäckerei Lüdtke GmbH",
    "Elbe-Apotheke e.K.",
    "Physiotherapie am Park GbR",
    "Friseursalon Haarmonie Inh. S. Öztürk",
    "Kiosk am Deich",
    "Blumen Claußen OHG",
    "Pflegedienst Elbblick gGmbH",
    "Steuerberatung Krüger & Partner mbB",
    "Zahnarztpraxis Dr. Möller",
    "Fahrradwerkstatt Speiche UG (haftungsbeschränkt)",
    "Café Övelgönne",
    "Getränkehandel Stüven KG",
    "Mobilfunk Nord GmbH",
    "Änderungsschneiderei Yılmaz",
];

pub(crate) const MAIL_PROVIDERS: &[&str] = &[
    "web.de",
    "gmx.de",
    "t-online.de",
    "posteo.de",
    "mailbox.org",
    "gmail.com",
    "outlook.de",
    "icloud.com",
    "freenet.de",
];

/// Features by German label, roughly as an ERP keeps them.
pub(crate) const FEATURES: &[(&str, f64)] = &[
    ("Keller", 0.7),
    ("Balkon", 0.55),
    ("Einbauküche", 0.25),
    ("Gegensprechanlage", 0.6),
    ("Aufzug", 0.2),
    ("Fahrradraum", 0.35),
    ("Gäste-WC", 0.12),
    ("Zentralheizung", 0.8),
    ("Fernwärme", 0.15),
    ("Badewanne", 0.5),
    ("Dusche", 0.45),
    ("Laminat", 0.3),
    ("Terrasse", 0.05),
    ("Gartenanteil", 0.06),
    ("barrierearm", 0.08),
];

pub(crate) const PROPERTY_PREFIXES: &[&str] = &[
    "Wohnanlage",
    "Siedlung",
    "Quartier",
    "Wohnhof",
    "WE",
    "Wohnpark",
];

/// Names of estates, as used for owners who died ("Erbengemeinschaft nach …").
pub(crate) const ESTATE_PREFIX: &str = "Erbengemeinschaft nach";
