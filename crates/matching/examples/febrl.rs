//! FEBRL4 benchmark of the PRO-3 duplicate check. Prints figures; not a timed test.
//!
//! Usage (see bench/febrl/run.sh, which writes the CSV files first):
//!   cargo run --release -p immohub-matching --example febrl -- A.csv B.csv LINKS.csv \
//!     [sweep] [misses] [blockmiss]
//!
//! `sweep` prints F1 over a range of thresholds, `misses` the first 40 true pairs the matcher
//! (with address keys) did not link, `blockmiss` the true pairs blocking did not find.
//!
//! Set A is indexed as the existing persons; each record of B is checked as a prospect. FEBRL4
//! pairs every B record with exactly one A record, so a link to that record is a true positive,
//! any other link a false positive, and recall is measured against all 5,000 true pairs.

use chrono::NaiveDate;
use immohub_matching::{Decision, MatchConfig, PersonIndex, PersonRecord, ScoreModel};
use std::collections::HashMap;
use std::time::Instant;

type Rows = Vec<HashMap<String, String>>;

/// Minimal CSV reader (quotes and doubled quotes; what pandas writes).
fn read_csv(path: &str) -> Result<Rows, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines();
    let header = split_line(lines.next().ok_or("empty file")?);
    Ok(lines
        .filter(|l| !l.is_empty())
        .map(|l| header.iter().cloned().zip(split_line(l)).collect())
        .collect())
}

fn split_line(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn to_record(r: &HashMap<String, String>) -> PersonRecord {
    let get = |k: &str| r.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let street = format!("{} {}", get("street_number"), get("address_1"));
    PersonRecord {
        id: get("rec_id"),
        first_name: get("given_name"),
        surname: get("surname"),
        birth_date: NaiveDate::parse_from_str(&get("date_of_birth"), "%Y%m%d").ok(),
        email: String::new(),
        phone: String::new(),
        street: street.trim().to_string(),
        postcode: get("postcode"),
        city: get("suburb"),
    }
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    review: usize,
    review_with_true: usize,
    new: usize,
}

fn prf(tp: usize, fp: usize, truth: usize) -> (f64, f64, f64) {
    let p = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = tp as f64 / truth as f64;
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

fn evaluate(
    index: &PersonIndex,
    b: &[PersonRecord],
    truth: &HashMap<String, String>,
    config: &MatchConfig,
) -> Result<(Tally, Vec<(f64, bool)>), String> {
    let mut t = Tally::default();
    let mut best_scores = Vec::new();
    for rec in b {
        let want = truth.get(&rec.id).map(String::as_str);
        let d = index.check(rec, config).map_err(|e| e.to_string())?;
        match &d {
            Decision::Link {
                person_id, score, ..
            } => {
                best_scores.push((*score, Some(person_id.as_str()) == want));
                if Some(person_id.as_str()) == want {
                    t.tp += 1;
                } else {
                    t.fp += 1;
                }
            }
            Decision::Review { candidates } => {
                t.review += 1;
                if candidates
                    .iter()
                    .any(|c| Some(c.person_id.as_str()) == want)
                {
                    t.review_with_true += 1;
                }
                if let Some(c) = candidates.first() {
                    best_scores.push((c.score, Some(c.person_id.as_str()) == want));
                }
            }
            Decision::New { best } => {
                t.new += 1;
                if let Some(c) = best {
                    best_scores.push((c.score, Some(c.person_id.as_str()) == want));
                }
            }
        }
    }
    Ok((t, best_scores))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, a_path, b_path, links_path, rest @ ..] = args.as_slice() else {
        return Err("usage: febrl A.csv B.csv LINKS.csv [sweep]".into());
    };
    let sweep = rest.iter().any(|s| s == "sweep");
    let a: Vec<PersonRecord> = read_csv(a_path)?.iter().map(to_record).collect();
    let b: Vec<PersonRecord> = read_csv(b_path)?.iter().map(to_record).collect();
    let truth: HashMap<String, String> = read_csv(links_path)?
        .into_iter()
        .filter_map(|r| Some((r.get("rec_id_b")?.clone(), r.get("rec_id_a")?.clone())))
        .collect();
    let n_true = truth.len();
    println!(
        "FEBRL4: {} existing (A), {} prospects (B), {} true pairs",
        a.len(),
        b.len(),
        n_true
    );

    let started = Instant::now();
    let index: PersonIndex = a.iter().cloned().collect();
    println!(
        "index built in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // Blocking recall: is the true A record among the candidates at all?
    let mut found = 0;
    let mut cand_total = 0;
    for rec in &b {
        let ids = index.candidate_ids(rec);
        cand_total += ids.len();
        if let Some(want) = truth.get(&rec.id) {
            if ids.contains(&want.as_str()) {
                found += 1;
            } else if rest.iter().any(|s| s == "blockmiss")
                && let Some(x) = a.iter().find(|r| &r.id == want)
            {
                println!("BLOCKMISS\n  B {rec:?}\n  A {x:?}");
            }
        }
    }
    println!(
        "blocking: true pair among candidates for {found} of {n_true} ({:.4}); {:.1} candidates per prospect",
        found as f64 / n_true as f64,
        cand_total as f64 / b.len() as f64
    );

    let configs = [
        (
            "(a) legacy exact (first, surname, birth date)",
            MatchConfig::legacy(),
        ),
        (
            "(b) fuzzy, default keys (log-likelihood)",
            MatchConfig::default(),
        ),
        (
            "(c) fuzzy, + street/postcode/city (log-likelihood)",
            MatchConfig::default().with_address(1.0),
        ),
        (
            "(b') fuzzy, default keys, weighted mean",
            MatchConfig {
                model: ScoreModel::WeightedMean,
                ..MatchConfig::default()
            },
        ),
        (
            "(c') fuzzy, + street/postcode/city (0.5 each), weighted mean",
            MatchConfig {
                model: ScoreModel::WeightedMean,
                ..MatchConfig::default().with_address(0.5)
            },
        ),
    ];
    println!(
        "\n| configuration | links | TP | FP | precision | recall | F1 | review (with true) | new | F1 if review resolved | ms/prospect |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, config) in &configs {
        let started = Instant::now();
        let (t, _) = evaluate(&index, &b, &truth, config)?;
        let ms = started.elapsed().as_secs_f64() * 1e3 / b.len() as f64;
        let (p, r, f) = prf(t.tp, t.fp, n_true);
        let (_, _, f2) = prf(t.tp + t.review_with_true, t.fp, n_true);
        println!(
            "| {name} | {} | {} | {} | {p:.4} | {r:.4} | {f:.4} | {} ({}) | {} | {f2:.4} | {ms:.3} |",
            t.tp + t.fp,
            t.tp,
            t.fp,
            t.review,
            t.review_with_true,
            t.new,
        );
    }

    if rest.iter().any(|s| s == "misses") {
        let config = MatchConfig::default().with_address(1.0);
        let by_id: HashMap<&str, &PersonRecord> = a.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut shown = 0;
        for rec in &b {
            let Some(want) = truth.get(&rec.id) else {
                continue;
            };
            let d = index.check(rec, &config).map_err(|e| e.to_string())?;
            if d.linked_id() == Some(want.as_str()) || shown >= 40 {
                continue;
            }
            shown += 1;
            let c = immohub_matching::compare(rec, by_id[want.as_str()], &config);
            println!(
                "MISS {:?} {:?}\n  B {:?}\n  A {:?}\n  {:.3} {}",
                d.is_review(),
                d.is_new(),
                (
                    &rec.first_name,
                    &rec.surname,
                    rec.birth_date,
                    &rec.street,
                    &rec.postcode,
                    &rec.city
                ),
                {
                    let x = by_id[want.as_str()];
                    (
                        &x.first_name,
                        &x.surname,
                        x.birth_date,
                        &x.street,
                        &x.postcode,
                        &x.city,
                    )
                },
                c.score,
                c.german_reasons()
            );
        }
    }
    if sweep {
        for (name, base) in configs.iter().skip(1) {
            println!("\nsweep of upper (lower = upper - 0.15) for {name}");
            for upper in [
                0.70, 0.75, 0.78, 0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92, 0.95,
            ] {
                let config = MatchConfig {
                    upper,
                    lower: upper - 0.15,
                    ..base.clone()
                };
                let (t, _) = evaluate(&index, &b, &truth, &config)?;
                let (p, r, f) = prf(t.tp, t.fp, n_true);
                println!(
                    "upper {upper:.2}: P {p:.4} R {r:.4} F1 {f:.4} review {} ({} with true)",
                    t.review, t.review_with_true
                );
            }
        }
    }
    Ok(())
}
