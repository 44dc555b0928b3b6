//! Scale benchmark of the PRO-3 duplicate check: 1,000,000 synthetic German persons.
//! Prints figures; not a timed test.
//!
//!   cargo run --release -p immohub-matching --example scale [-- PERSONS PROSPECTS]
//!
//! Everything is generated deterministically (fixed seed): a Zipf-like distribution over real
//! German surnames and first names plus a long tail of composed surnames, umlauts, double names,
//! birth dates 1935–2006, postcodes, e-mail and phone for part of the stock.

use chrono::NaiveDate;
use immohub_matching::{Decision, MatchConfig, PersonIndex, PersonRecord};
use std::time::Instant;

const SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Thomas",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
];
const PREFIXES: &[&str] = &[
    "Bach", "Berg", "Brand", "Brück", "Buch", "Dorn", "Eich", "Feld", "Fried", "Gold", "Grün",
    "Hag", "Heil", "Hild", "Holz", "Kirch", "Lind", "Löw", "Mühl", "Ober", "Ost", "Rein", "Ros",
    "Schön", "See", "Sonn", "Stein", "Stroh", "Tann", "Wald", "Warm", "Weid", "Wies", "Zell",
];
const SUFFIXES: &[&str] = &[
    "mann", "er", "hardt", "inger", "bauer", "meier", "huber", "hofer", "berger", "müller", "wald",
    "feld", "ner", "ler", "brink", "kamp", "haus", "bach", "dorf", "horst", "städt", "thal",
    "brunn", "hausen", "stedt", "rich", "ke", "ow", "itz", "ert",
];
const FIRST: &[&str] = &[
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Peter",
    "Christian",
    "Klaus",
    "Wolfgang",
    "Jürgen",
    "Frank",
    "Markus",
    "Uwe",
    "Bernd",
    "Sebastian",
    "Jan",
    "Tobias",
    "Lukas",
    "Jörg",
    "Dieter",
    "Matthias",
    "Ralf",
    "Günter",
    "Hans",
    "Karl",
    "Horst",
    "Helmut",
    "Felix",
    "Maximilian",
    "Jonas",
    "Leon",
    "Paul",
    "Ben",
    "Elias",
    "Noah",
    "Finn",
    "Luis",
    "Emil",
    "Anton",
    "René",
    "Maria",
    "Ursula",
    "Monika",
    "Petra",
    "Sabine",
    "Claudia",
    "Andrea",
    "Susanne",
    "Gabriele",
    "Birgit",
    "Karin",
    "Renate",
    "Heike",
    "Anja",
    "Nicole",
    "Julia",
    "Katharina",
    "Laura",
    "Lena",
    "Anna",
    "Sophie",
    "Marie",
    "Emma",
    "Mia",
    "Hannah",
    "Lea",
    "Jana",
    "Sarah",
    "Jutta",
    "Bärbel",
    "Jürgen",
    "Gisela",
    "Käthe",
    "Ilse",
    "Hildegard",
    "Doris",
    "Elke",
    "Sönke",
    "Björn",
    "Ömer",
    "Ayşe",
    "Mehmet",
    "Fatma",
    "Zoë",
    "Chloé",
    "André",
    "Aleksandra",
    "Piotr",
    "Małgorzata",
];
const CITIES: &[&str] = &[
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Dortmund",
    "Essen",
    "Bremen",
    "Dresden",
    "Hannover",
    "Nürnberg",
    "Duisburg",
    "Bochum",
    "Wuppertal",
    "Bielefeld",
    "Bonn",
    "Münster",
    "Mönchengladbach",
    "Lüdenscheid",
];
const STREETS: &[&str] = &[
    "Hauptstraße",
    "Schulstraße",
    "Gartenstraße",
    "Bahnhofstraße",
    "Dorfstraße",
    "Bergstraße",
    "Birkenweg",
    "Lindenstraße",
    "Kirchstraße",
    "Waldstraße",
    "Ringstraße",
    "Am Sportplatz",
    "Goethestraße",
    "Schillerstraße",
    "Mühlenweg",
    "Wiesenweg",
    "Rosenstraße",
    "Jahnstraße",
];

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1e6 < p
    }
    /// Zipf-like: index i with weight 1/sqrt(i+1) (flat enough that "Müller" is about 0.8%
    /// and "Thomas" about 6% of the stock, roughly the real order of magnitude).
    fn zipf(&mut self, n: usize) -> usize {
        let h: f64 = (1..=n).map(|i| 1.0 / (i as f64).sqrt()).sum();
        let mut x = (self.next() % 1_000_000_007) as f64 / 1_000_000_007.0 * h;
        for i in 0..n {
            x -= 1.0 / ((i + 1) as f64).sqrt();
            if x <= 0.0 {
                return i;
            }
        }
        n - 1
    }
}

fn surname(rng: &mut Rng) -> String {
    let one = |rng: &mut Rng| {
        // The top 100 cover about 15% of people; the long tail is composed.
        if rng.chance(0.15) {
            SURNAMES[rng.zipf(SURNAMES.len())].to_string()
        } else if rng.chance(0.5) {
            format!(
                "{}{}",
                PREFIXES[rng.below(PREFIXES.len())],
                SUFFIXES[rng.below(SUFFIXES.len())]
            )
        } else {
            let mid = ["en", "el", "er", "ing", "s", "ham", "ro", "au"][rng.below(8)];
            let suffix = SUFFIXES[rng.below(SUFFIXES.len())];
            format!("{}{mid}{suffix}", PREFIXES[rng.below(PREFIXES.len())])
        }
    };
    if rng.chance(0.04) {
        format!("{}-{}", one(rng), one(rng))
    } else {
        one(rng)
    }
}

fn first_name(rng: &mut Rng) -> String {
    let a = FIRST[rng.zipf(FIRST.len())];
    if rng.chance(0.05) {
        format!("{a}-{}", FIRST[rng.below(FIRST.len())])
    } else {
        a.to_string()
    }
}

fn ascii(s: &str) -> String {
    s.replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
        .replace('Ä', "Ae")
        .replace('Ö', "Oe")
        .replace('Ü', "Ue")
        .to_lowercase()
}

fn person(rng: &mut Rng, id: String) -> PersonRecord {
    let first = first_name(rng);
    let sur = surname(rng);
    let birth = NaiveDate::from_ymd_opt(1935, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(rng.below(26_000) as u64)));
    let email = if rng.chance(0.5) {
        format!(
            "{}.{}{}@example.de",
            ascii(&first),
            ascii(&sur),
            rng.below(100)
        )
    } else {
        String::new()
    };
    let phone = if rng.chance(0.6) {
        format!(
            "0{} {}",
            30 + rng.below(9000),
            100_000 + rng.below(9_000_000)
        )
    } else {
        String::new()
    };
    PersonRecord {
        id,
        first_name: first,
        surname: sur,
        birth_date: birth,
        email,
        phone,
        street: format!(
            "{} {}",
            STREETS[rng.below(STREETS.len())],
            1 + rng.below(150)
        ),
        postcode: format!("{:05}", 1000 + rng.below(8000) * 12),
        city: CITIES[rng.below(CITIES.len())].to_string(),
    }
}

/// One typing error in a random position: substitution, deletion or adjacent swap.
fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = 1 + rng.below(c.len() - 2);
    match rng.below(3) {
        0 => c[i] = (b'a' + rng.below(26) as u8) as char,
        1 => {
            c.remove(i);
        }
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

#[derive(Default, Debug)]
struct Counts {
    link_right: usize,
    link_wrong: usize,
    review: usize,
    new: usize,
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "VmHWM: n/a".into())
}

fn vm_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "VmRSS: n/a".into())
}

fn main() -> Result<(), String> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let m = args.get(1).copied().unwrap_or(10_000);
    let mut rng = Rng(0x1A2B_3C4D);

    // The stock is generated straight into the index, so VmHWM measures the index (plus its
    // build buffers), not a copy of the input; every 50th person is kept as a duplicate source.
    let started = Instant::now();
    let mut sources: Vec<PersonRecord> = Vec::with_capacity(n / 50 + 1);
    let stock = (0..n).map(|i| {
        let p = person(&mut rng, format!("GP-{i}"));
        if i % 50 == 0 {
            sources.push(p.clone());
        }
        p
    });
    let index = PersonIndex::build(stock, Default::default());
    let (live, postings, firsts, surnames, cities) = index.stats();
    println!(
        "generated and indexed in {:.1} s: {live} persons, {postings} postings, {firsts} first names, {surnames} surnames, {cities} cities",
        started.elapsed().as_secs_f64()
    );
    println!("after build: {} (peak), {}", vm_hwm(), vm_rss());

    // Prospects: 30% exact duplicates, 25% one typo, 15% transliterated/spacing/case, 30% new.
    let kinds = ["exact", "typo", "transliterated", "new"];
    let mut prospects: Vec<(usize, Option<String>, PersonRecord)> = Vec::with_capacity(m);
    for i in 0..m {
        let roll = rng.below(100);
        let kind = match roll {
            0..30 => 0,
            30..55 => 1,
            55..70 => 2,
            _ => 3,
        };
        if kind == 3 {
            prospects.push((3, None, person(&mut rng, format!("P-{i}"))));
            continue;
        }
        let src = &sources[rng.below(sources.len())];
        let mut p = src.clone();
        p.id = format!("P-{i}");
        match kind {
            1 => match rng.below(3) {
                0 => p.first_name = typo(&mut rng, &p.first_name),
                1 => p.surname = typo(&mut rng, &p.surname),
                _ => {
                    // One wrong digit: the last digit of the day.
                    p.birth_date = p.birth_date.and_then(|d| {
                        use chrono::Datelike;
                        let day =
                            d.day() - d.day() % 10 + (d.day() % 10 + 1 + rng.below(8) as u32) % 10;
                        d.with_day(day.max(1)).or(Some(d))
                    })
                }
            },
            2 => {
                p.first_name = format!("  {} ", ascii(&p.first_name).to_uppercase());
                p.surname = ascii(&p.surname).replace('-', " ");
            }
            _ => {}
        }
        prospects.push((kind, Some(src.id.clone()), p));
    }

    let cand: usize = prospects
        .iter()
        .map(|(_, _, p)| index.candidate_ids(p).len())
        .sum();
    println!("candidates per prospect: {:.1}", cand as f64 / m as f64);
    let config = MatchConfig::default();
    let mut counts: [Counts; 4] = Default::default();
    let started = Instant::now();
    for (kind, want, p) in &prospects {
        let d = index.check(p, &config).map_err(|e| e.to_string())?;
        let c = &mut counts[*kind];
        match d {
            Decision::Link { person_id, .. } => {
                if Some(&person_id) == want.as_ref() {
                    c.link_right += 1;
                } else {
                    c.link_wrong += 1;
                }
            }
            Decision::Review { .. } => c.review += 1,
            Decision::New { .. } => c.new += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "checked {m} prospects in {:.2} s: {:.3} ms per prospect (default config, one thread)",
        elapsed,
        elapsed * 1e3 / m as f64
    );
    println!("| prospect kind | count | link to source | link elsewhere | review | new |");
    println!("|---|---|---|---|---|---|");
    for (k, c) in kinds.iter().zip(&counts) {
        println!(
            "| {k} | {} | {} | {} | {} | {} |",
            c.link_right + c.link_wrong + c.review + c.new,
            c.link_right,
            c.link_wrong,
            c.review,
            c.new
        );
    }
    println!("final: {}", vm_hwm());
    Ok(())
}
