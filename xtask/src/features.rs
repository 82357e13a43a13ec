//! The feature-isolation check of the `exch` facade: enabling one venue feature must pull in
//! that venue crate and no other, and no default features must pull in no venue at all.
//!
//! This module holds the pure part (reading `cargo tree --prefix none` output and judging it);
//! `main.rs` runs `cargo tree`.

use std::collections::BTreeSet;

/// Venue crates known when this check was written; venue crates added later are found by
/// [`is_venue_crate`] as well.
pub const KNOWN_VENUES: &[&str] = &[
    "exch-binance",
    "exch-okx",
    "exch-bingx",
    "exch-bybit",
    "exch-bitget",
    "exch-kucoin",
    "exch-gate",
    "exch-htx",
    "exch-kraken",
];

/// `exch-*` crates that are not venues.
const NON_VENUES: &[&str] = &["exch-core", "exch-testkit", "exch-router", "exch-cli"];

/// Whether a workspace crate named `name` is a venue connector.
pub fn is_venue_crate(name: &str) -> bool {
    KNOWN_VENUES.contains(&name) || (name.starts_with("exch-") && !NON_VENUES.contains(&name))
}

/// Crate names in `cargo tree --prefix none` output (`name vX.Y.Z (path) (*)` per line).
pub fn crates_in_tree(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('['))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            // A package line always has the version next; anything else is not a crate line.
            words.next().filter(|v| v.starts_with('v')).map(|_| name.to_string())
        })
        .collect()
}

/// Checks a tree: `expected` (if any) must be present and no other venue from `venues` may be.
pub fn check_isolation(
    tree: &BTreeSet<String>,
    expected: Option<&str>,
    venues: &BTreeSet<String>,
) -> Result<(), String> {
    if let Some(want) = expected {
        if !tree.contains(want) {
            return Err(format!("`{want}` is missing from the dependency tree"));
        }
    }
    let intruders: Vec<&str> = venues
        .iter()
        .filter(|v| Some(v.as_str()) != expected && tree.contains(*v))
        .map(String::as_str)
        .collect();
    if intruders.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unexpected venue crate(s) in the dependency tree: {}",
            intruders.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "exch v0.1.0 (/w/crates/exch)
exch-binance v0.1.0 (/w/crates/exch-binance)
exch-core v0.1.0 (/w/crates/exch-core)
async-trait v0.1.83 (proc-macro)
serde v1.0.215
exch-core v0.1.0 (/w/crates/exch-core) (*)
exch-router v0.1.0 (/w/crates/exch-router)
";

    fn venues() -> BTreeSet<String> {
        KNOWN_VENUES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_crate_names() {
        let names = crates_in_tree(TREE);
        let expected = [
            "async-trait",
            "exch",
            "exch-binance",
            "exch-core",
            "exch-router",
            "serde",
        ];
        assert_eq!(names.iter().map(String::as_str).collect::<Vec<_>>(), expected);
        assert!(crates_in_tree("\n[build-dependencies]\nerror: nothing\n").is_empty());
    }

    #[test]
    fn accepts_isolated_venue() {
        let tree = crates_in_tree(TREE);
        assert_eq!(check_isolation(&tree, Some("exch-binance"), &venues()), Ok(()));
    }

    #[test]
    fn rejects_missing_or_extra_venues() {
        let tree = crates_in_tree(TREE);
        let err = check_isolation(&tree, Some("exch-okx"), &venues()).unwrap_err();
        assert!(err.contains("`exch-okx` is missing"), "{err}");
        let err = check_isolation(&tree, None, &venues()).unwrap_err();
        assert!(err.contains("exch-binance"), "{err}");
        let with_okx = crates_in_tree(&format!("{TREE}exch-okx v0.1.0 (/w/crates/exch-okx)\n"));
        let err = check_isolation(&with_okx, Some("exch-binance"), &venues()).unwrap_err();
        assert!(err.ends_with("exch-okx"), "{err}");
    }

    #[test]
    fn no_venue_tree_passes_without_expectation() {
        let tree = crates_in_tree("exch v0.1.0 (/w/crates/exch)\nexch-core v0.1.0 (/w/crates/exch-core)\n");
        assert_eq!(check_isolation(&tree, None, &venues()), Ok(()));
    }

    #[test]
    fn classifies_venue_crates() {
        assert!(is_venue_crate("exch-kraken"));
        assert!(is_venue_crate("exch-deribit"));
        assert!(!is_venue_crate("exch-core"));
        assert!(!is_venue_crate("exch"));
        assert!(!is_venue_crate("serde"));
    }
}
