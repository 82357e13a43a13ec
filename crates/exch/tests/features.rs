//! Feature isolation: enabling one venue feature pulls in that venue's crate and no other
//! venue crate. Runs `cargo tree` (resolution only, no build, offline), which is cheap.

use std::collections::BTreeSet;
use std::process::Command;

/// The venue features of the facade; each is also the suffix of its crate's name.
const VENUE_FEATURES: &[&str] = &["binance", "okx", "bingx"];

/// Crates of this workspace that are not venues.
const NOT_VENUES: [&str; 4] = ["exch", "exch-core", "exch-router", "exch-testkit"];

/// The workspace's `exch*` crates in the normal dependency tree of `exch` with `features`.
fn exch_crates(features: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-p", "exch", "--no-default-features"])
        .args(["-e", "normal,build", "--prefix", "none", "--format", "{p}"]);
    if !features.is_empty() {
        cmd.args(["--features", features]);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name == "exch" || name.starts_with("exch-"))
        .map(str::to_string)
        .collect()
}

fn venue_crates(features: &str) -> BTreeSet<String> {
    exch_crates(features)
        .into_iter()
        .filter(|c| !NOT_VENUES.contains(&c.as_str()))
        .collect()
}

#[test]
fn no_venue_by_default() {
    let crates = exch_crates("");
    assert!(crates.contains("exch-core"), "{crates:?}");
    assert_eq!(venue_crates(""), BTreeSet::new());
}

#[test]
fn each_venue_feature_pulls_in_only_its_venue() {
    for venue in VENUE_FEATURES {
        let expected: BTreeSet<String> = [format!("exch-{venue}")].into_iter().collect();
        assert_eq!(venue_crates(venue), expected, "--features {venue}");
    }
}

#[test]
fn full_pulls_in_every_venue() {
    let all = venue_crates("full");
    for venue in VENUE_FEATURES {
        assert!(all.contains(&format!("exch-{venue}")), "{all:?}");
    }
}
