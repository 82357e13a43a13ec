//! Project automation for the exch workspace, run as `cargo xtask <command>` (the alias lives
//! in `.cargo/config.toml`).
//!
//! The xtask has no dependencies: it drives `cargo` through [`std::process::Command`] and reads
//! `cargo metadata` with a small JSON reader, so it builds in a couple of seconds on a fresh
//! machine. Optional tools (cargo-nextest, cargo-deny, cargo-insta) are used when installed and
//! skipped with a message when not. Run `cargo xtask help` for the commands.

mod bench;
mod features;
mod json;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use workspace::Workspace;

/// The text of `cargo xtask help`.
const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  ci                  The full gate, in order, stopping at the first failure:
                        1. cargo fmt --all -- --check
                        2. cargo clippy --workspace --all-targets --all-features -- -D warnings
                        3. tests (see `test`)
                        4. RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --all-features
                        5. cargo deny check bans licenses sources   (skipped if cargo-deny is not installed)
                        6. the feature-isolation check (see `features`; skipped until crates/exch exists)
  test [ARGS...]      All tests: cargo test --workspace --all-features [ARGS...]
                      (with cargo-nextest installed: cargo nextest run --workspace --all-features [ARGS...]
                       followed by cargo test --workspace --doc --all-features [ARGS...];
                       XTASK_TEST_RUNNER=cargo|nextest|auto overrides the choice)
  snapshots [--accept | --review] [ARGS...]
                      The insta snapshot tests (tests/snapshots.rs of every crate that has one):
                      cargo test --all-features --no-fail-fast -p <crate>... --test snapshots [ARGS...]
                        --accept  write new/changed snapshots (INSTA_UPDATE=always, INSTA_FORCE_PASS=1)
                        --review  run them, then `cargo insta review` (needs cargo-insta)
  publish [--execute] [--allow-dirty] [--no-verify] [-p CRATE]...
                      Package the publishable crates (crates/* without publish = false) in
                      dependency order with `cargo package -p CRATE` (adding `-p DEP` for each
                      workspace dependency not yet on crates.io, so cargo verifies against its
                      local copy); with --execute also upload each with `cargo publish -p CRATE`,
                      skipping versions already on crates.io. -p restricts to the named crates;
                      --allow-dirty and --no-verify are passed on to cargo.
  features            Feature isolation of the `exch` facade: `--features binance` pulls in
                      exch-binance and no other venue crate; no default features, no venue crate.
  bench [--compare] [--criterion] [--quick]
                      Benchmarks (release mode): without options the criterion benchmarks of
                      exch-bench; --compare installs CCXT for Python (target/bench/venv) and Node
                      (target/bench/node) when missing, runs the same parse and sign calls on the
                      payloads of fixtures/bench with exch, CCXT-Python and CCXT-JS, prints one table
                      and writes target/bench/report.md (--criterion: run criterion too; --quick:
                      fewer samples)
  bench-fixtures [--check]
                      Regenerate the seeded benchmark payloads under fixtures/bench/ (--check: fail
                      if the committed files differ)
  help                This text.
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".to_string());
    let rest: Vec<String> = args.collect();
    let result = match command.as_str() {
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        "ci" => no_args(&command, &rest).and_then(|()| ci()),
        "test" => test(&rest),
        "snapshots" => snapshots(&rest),
        "publish" => PublishOptions::parse(&rest).and_then(|o| publish(&o)),
        "features" => no_args(&command, &rest).and_then(|()| check_features()),
        "bench" => bench::bench(&rest),
        "bench-fixtures" => bench::fixtures(&rest),
        other => Err(format!("unknown command `{other}`; run `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask {command}: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn no_args(command: &str, rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!("`{command}` takes no arguments (got `{arg}`)")),
    }
}

// ----------------------------------------------------------------------------------------------
// Running commands.

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The cargo that runs us (`$CARGO`), or `cargo` from `PATH`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// A command line to run from the workspace root: program `cargo`, arguments and extra env.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CargoCmd {
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl CargoCmd {
    fn new<I, S>(args: I) -> CargoCmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CargoCmd {
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
        }
    }

    fn env(mut self, key: &str, value: &str) -> CargoCmd {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    fn extend(mut self, extra: &[String]) -> CargoCmd {
        self.args.extend(extra.iter().cloned());
        self
    }

    /// The command as a shell would read it.
    fn display(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.env {
            let _ = write!(out, "{k}={} ", shell_quote(v));
        }
        out.push_str("cargo");
        for arg in &self.args {
            out.push(' ');
            out.push_str(&shell_quote(arg));
        }
        out
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(cargo_program());
        cmd.args(&self.args).current_dir(root());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Prints and runs the command with inherited output; an error names the command.
    fn run(&self) -> Result<(), String> {
        println!("$ {}", self.display());
        let status = self
            .command()
            .status()
            .map_err(|e| format!("could not start `{}`: {e}", self.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` exited with {status}", self.display()))
        }
    }

    /// Prints and runs the command, returning its stdout (stderr is shown as it comes).
    fn output(&self) -> Result<String, String> {
        println!("$ {}", self.display());
        let out = self
            .command()
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not start `{}`: {e}", self.display()))?;
        if out.status.success() {
            String::from_utf8(out.stdout).map_err(|e| format!("`{}` printed non-UTF-8: {e}", self.display()))
        } else {
            Err(format!("`{}` exited with {}", self.display(), out.status))
        }
    }
}

/// Quotes `s` for display when it holds shell-special characters.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./:@,+".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Whether the cargo subcommand `sub` is installed (`cargo <sub> --version` succeeds).
fn cargo_has(sub: &str) -> bool {
    Command::new(cargo_program())
        .args([sub, "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn metadata() -> Result<Workspace, String> {
    let out = Command::new(cargo_program())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata exited with {}", out.status));
    }
    Workspace::from_metadata(&String::from_utf8_lossy(&out.stdout))
}

fn banner(text: &str) {
    println!("\n==> {text}");
}

// ----------------------------------------------------------------------------------------------
// ci

fn ci() -> Result<(), String> {
    const TOTAL: usize = 6;
    let mut skipped = Vec::new();
    let step = |n: usize, name: &str, result: Result<(), String>| -> Result<(), String> {
        result.map_err(|e| format!("step {n}/{TOTAL} ({name}) failed: {e}"))
    };

    banner(&format!("[1/{TOTAL}] formatting"));
    step(1, "rustfmt", CargoCmd::new(["fmt", "--all", "--", "--check"]).run())?;

    banner(&format!("[2/{TOTAL}] clippy"));
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ];
    step(2, "clippy", CargoCmd::new(clippy).run())?;

    banner(&format!("[3/{TOTAL}] tests"));
    step(3, "tests", test(&[]))?;

    banner(&format!("[4/{TOTAL}] docs"));
    step(4, "docs", doc_cmd().run())?;

    banner(&format!("[5/{TOTAL}] cargo deny"));
    if cargo_has("deny") {
        step(
            5,
            "cargo deny",
            CargoCmd::new(["deny", "check", "bans", "licenses", "sources"]).run(),
        )?;
    } else {
        println!("skipped: cargo-deny is not installed (install: cargo install cargo-deny --locked)");
        skipped.push("cargo deny");
    }

    banner(&format!("[6/{TOTAL}] feature isolation"));
    if facade_exists() {
        step(6, "feature isolation", check_features())?;
    } else {
        println!("skipped: crates/exch does not exist yet");
        skipped.push("feature isolation");
    }

    if skipped.is_empty() {
        println!("\nxtask ci: all {TOTAL} steps passed");
    } else {
        println!(
            "\nxtask ci: passed ({} of {TOTAL} steps ran; skipped: {})",
            TOTAL - skipped.len(),
            skipped.join(", ")
        );
    }
    Ok(())
}

fn doc_cmd() -> CargoCmd {
    let flags = match std::env::var("RUSTDOCFLAGS") {
        Ok(existing) if !existing.trim().is_empty() => format!("{existing} -D warnings"),
        _ => "-D warnings".to_string(),
    };
    CargoCmd::new(["doc", "--workspace", "--no-deps", "--all-features"]).env("RUSTDOCFLAGS", &flags)
}

// ----------------------------------------------------------------------------------------------
// test

/// The commands of the test step: nextest plus doctests when nextest is there, else cargo test.
/// With `-p`/`--package` among `extra`, `--workspace` is dropped so the selection applies.
fn test_cmds(nextest: bool, extra: &[String]) -> Vec<CargoCmd> {
    let selects = extra
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-p" || a.starts_with("--package") || a.starts_with("-p"));
    let scope: &[&str] = if selects { &[] } else { &["--workspace"] };
    let build = |head: &[&str], tail: &[&str]| {
        let args: Vec<&str> = head.iter().chain(scope).chain(tail).copied().collect();
        CargoCmd::new(args).extend(extra)
    };
    if nextest {
        vec![
            build(&["nextest", "run"], &["--all-features", "--no-tests=warn"]),
            build(&["test"], &["--doc", "--all-features"]),
        ]
    } else {
        vec![build(&["test"], &["--all-features"])]
    }
}

/// How `XTASK_TEST_RUNNER` chooses the test runner: `Some(true)` nextest, `Some(false)` cargo
/// test, `None` auto (nextest when installed).
fn runner_choice(value: Option<&str>) -> Result<Option<bool>, String> {
    match value.map(str::trim) {
        None | Some("" | "auto") => Ok(None),
        Some("nextest") => Ok(Some(true)),
        Some("cargo") => Ok(Some(false)),
        Some(other) => Err(format!(
            "XTASK_TEST_RUNNER must be auto, cargo or nextest (got `{other}`)"
        )),
    }
}

fn test(extra: &[String]) -> Result<(), String> {
    let choice = runner_choice(std::env::var("XTASK_TEST_RUNNER").ok().as_deref())?;
    let nextest = match choice {
        Some(forced) => forced,
        None => cargo_has("nextest"),
    };
    match (choice, nextest) {
        (Some(_), _) => println!("(test runner set by XTASK_TEST_RUNNER)"),
        (None, false) => println!("(cargo-nextest is not installed: using cargo test)"),
        (None, true) => {}
    }
    for cmd in test_cmds(nextest, extra) {
        cmd.run()?;
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// snapshots

fn snapshots(args: &[String]) -> Result<(), String> {
    let accept = args.iter().any(|a| a == "--accept");
    let review = args.iter().any(|a| a == "--review");
    if accept && review {
        return Err("use either --accept or --review, not both".into());
    }
    let extra: Vec<String> = args
        .iter()
        .filter(|a| *a != "--accept" && *a != "--review")
        .cloned()
        .collect();
    if review && !cargo_has("insta") {
        return Err("`--review` needs cargo-insta, which is not installed.\n  \
             Install it with: cargo install cargo-insta --locked\n  \
             (or accept all pending snapshots with: cargo xtask snapshots --accept)"
            .into());
    }
    let ws = metadata()?;
    let crates: Vec<&str> = ws
        .packages
        .iter()
        .filter(|p| p.test_targets.iter().any(|t| t == "snapshots"))
        .map(|p| p.name.as_str())
        .collect();
    if crates.is_empty() {
        println!("no crate has tests/snapshots.rs yet: nothing to run");
        return Ok(());
    }
    println!("snapshot tests in: {}", crates.join(", "));
    // --no-fail-fast: one crate's failing snapshot must not hide the others'.
    let mut cmd_args = vec![
        "test".to_string(),
        "--all-features".to_string(),
        "--no-fail-fast".to_string(),
    ];
    for name in &crates {
        cmd_args.push("-p".into());
        cmd_args.push(name.to_string());
    }
    cmd_args.extend(["--test".to_string(), "snapshots".to_string()]);
    let mut cmd = CargoCmd::new(cmd_args).extend(&extra);
    if accept {
        cmd = cmd.env("INSTA_UPDATE", "always").env("INSTA_FORCE_PASS", "1");
        cmd.run()?;
        println!("snapshots written; check them with `git diff`/`git status` and run `cargo xtask snapshots` again");
        return Ok(());
    }
    if review {
        // Write pending `.snap.new` files (even under CI=...), then review them.
        let outcome = cmd.env("INSTA_UPDATE", "new").run();
        if let Err(e) = &outcome {
            println!("({e}; reviewing the pending snapshots)");
        }
        return CargoCmd::new(["insta", "review"]).run();
    }
    cmd.run()
}

// ----------------------------------------------------------------------------------------------
// publish

/// Options of `cargo xtask publish`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct PublishOptions {
    execute: bool,
    allow_dirty: bool,
    no_verify: bool,
    only: Vec<String>,
}

impl PublishOptions {
    fn parse(args: &[String]) -> Result<PublishOptions, String> {
        let mut opts = PublishOptions::default();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--execute" => opts.execute = true,
                "--allow-dirty" => opts.allow_dirty = true,
                "--no-verify" => opts.no_verify = true,
                "-p" | "--package" => {
                    let name = iter.next().ok_or_else(|| format!("`{arg}` needs a crate name"))?;
                    opts.only.push(name.clone());
                }
                other => match other.strip_prefix("--package=") {
                    Some(name) => opts.only.push(name.to_string()),
                    None => return Err(format!("unknown publish option `{other}`; run `cargo xtask help`")),
                },
            }
        }
        Ok(opts)
    }
}

/// Whether `name@version` is on crates.io: `Some(bool)`, or `None` when the registry could not
/// be asked (offline).
fn on_crates_io(name: &str, version: &str) -> Option<bool> {
    let out = Command::new(cargo_program())
        .args([
            "info",
            &format!("{name}@{version}"),
            "--registry",
            "crates-io",
            "--quiet",
        ])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if out.status.success() {
        return Some(true);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr.contains("could not find").then_some(false)
}

fn publish(opts: &PublishOptions) -> Result<(), String> {
    let ws = metadata()?;
    let publishable: Vec<&str> = ws.publishable().iter().map(|p| p.name.as_str()).collect();
    for name in &opts.only {
        if !publishable.contains(&name.as_str()) {
            return Err(format!(
                "`{name}` is not a publishable crate (publishable: {})",
                publishable.join(", ")
            ));
        }
    }
    let deps_of = |name: &str, dev: bool| -> BTreeSet<String> {
        ws.package(name)
            .map(|p| ws.workspace_deps(p, dev).into_iter().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let plan = workspace::publish_order(&publishable, deps_of)?;
    let order: Vec<&String> = plan
        .order
        .iter()
        .filter(|n| opts.only.is_empty() || opts.only.contains(n))
        .collect();

    println!("Publish order (dependencies first):");
    for (i, name) in order.iter().enumerate() {
        println!("  {}. {name}", i + 1);
    }
    if plan.dev_edges_ignored {
        println!(
            "(dev-dependencies between these crates form a cycle; the order follows normal/build dependencies only)"
        );
    }
    if !opts.execute {
        println!("Dry run: packaging only. Pass --execute to upload with `cargo publish`.");
    }

    let mut registry: BTreeMap<String, Option<bool>> = BTreeMap::new();
    for name in order {
        let pkg = ws
            .package(name)
            .ok_or_else(|| format!("`{name}` vanished from cargo metadata"))?;
        banner(&format!("{name} {}", pkg.version));
        if opts.execute && on_crates_io(name, &pkg.version) == Some(true) {
            println!("{name} {} is already on crates.io: skipping", pkg.version);
            continue;
        }
        let mut unreachable = false;
        let missing = workspace::unpublished_deps(&ws, pkg, |dep, version| {
            let known = *registry
                .entry(format!("{dep}@{version}"))
                .or_insert_with(|| on_crates_io(dep, version));
            unreachable |= known.is_none();
            known == Some(true)
        });
        let mut package_args = vec!["package".to_string()];
        if !missing.is_empty() {
            println!(
                "note: workspace dependencies not on crates.io yet: {}{}.\n      \
                 `cargo package -p {name}` alone cannot resolve them (cargo resolves every dependency \
                 against crates.io, even with --no-verify),\n      so they are packaged in the same \
                 invocation: cargo resolves and verifies {name} against its local copies of them.",
                missing.join(", "),
                if unreachable {
                    " (or crates.io could not be reached to check)"
                } else {
                    ""
                },
            );
            for dep in &missing {
                package_args.extend(["-p".to_string(), dep.clone()]);
            }
        }
        package_args.extend(["-p".to_string(), name.clone()]);
        let mut publish_args = vec!["publish".to_string(), "-p".to_string(), name.clone()];
        if opts.allow_dirty {
            package_args.push("--allow-dirty".into());
            publish_args.push("--allow-dirty".into());
        }
        if opts.no_verify {
            package_args.push("--no-verify".into());
            publish_args.push("--no-verify".into());
        }
        CargoCmd::new(package_args).run()?;
        if opts.execute {
            if !missing.is_empty() {
                return Err(format!(
                    "cannot upload {name}: its dependencies are not on crates.io: {}",
                    missing.join(", ")
                ));
            }
            CargoCmd::new(publish_args).run()?;
            registry.insert(format!("{name}@{}", pkg.version), Some(true));
        }
    }
    println!(
        "\nxtask publish: done{}",
        if opts.execute {
            ""
        } else {
            " (dry run, nothing uploaded)"
        }
    );
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// features

fn facade_exists() -> bool {
    root().join("crates/exch/Cargo.toml").is_file()
}

fn check_features() -> Result<(), String> {
    if !facade_exists() {
        println!("feature isolation: skipped, crates/exch does not exist yet");
        return Ok(());
    }
    let mut venues: BTreeSet<String> = features::KNOWN_VENUES.iter().map(|s| s.to_string()).collect();
    venues.extend(
        metadata()?
            .packages
            .into_iter()
            .map(|p| p.name)
            .filter(|n| features::is_venue_crate(n)),
    );

    let cases: [(&[&str], Option<&str>); 2] = [(&["--features", "binance"], Some("exch-binance")), (&[], None)];
    for (feature_args, expected) in cases {
        let mut args = vec!["tree", "-p", "exch", "--no-default-features"];
        args.extend_from_slice(feature_args);
        args.extend_from_slice(&["-e", "normal", "--prefix", "none"]);
        let tree = features::crates_in_tree(&CargoCmd::new(args).output()?);
        let what = match expected {
            Some(venue) => format!("exch with only `binance`: {venue} and no other venue"),
            None => "exch with no default features: no venue crate".to_string(),
        };
        features::check_isolation(&tree, expected, &venues).map_err(|e| format!("{what}: {e}"))?;
        println!("ok: {what}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn test_step_without_nextest() {
        let cmds = test_cmds(false, &[]);
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].display(), "cargo test --workspace --all-features");
        let cmds = test_cmds(false, &strings(&["parse", "--", "--nocapture"]));
        assert_eq!(
            cmds[0].display(),
            "cargo test --workspace --all-features parse -- --nocapture"
        );
    }

    #[test]
    fn test_step_with_nextest_runs_doctests_too() {
        let cmds: Vec<String> = test_cmds(true, &[]).iter().map(CargoCmd::display).collect();
        assert_eq!(
            cmds,
            [
                "cargo nextest run --workspace --all-features --no-tests=warn",
                "cargo test --workspace --doc --all-features"
            ]
        );
    }

    #[test]
    fn runner_choice_reads_the_override() {
        assert_eq!(runner_choice(None), Ok(None));
        assert_eq!(runner_choice(Some("auto")), Ok(None));
        assert_eq!(runner_choice(Some(" cargo ")), Ok(Some(false)));
        assert_eq!(runner_choice(Some("nextest")), Ok(Some(true)));
        assert!(runner_choice(Some("jest")).is_err());
    }

    #[test]
    fn package_selection_drops_workspace_flag() {
        let cmds = test_cmds(false, &strings(&["-p", "exch-core"]));
        assert_eq!(cmds[0].display(), "cargo test --all-features -p exch-core");
        // `-p` after `--` belongs to the test binary, not to cargo.
        let cmds = test_cmds(false, &strings(&["--", "-p"]));
        assert_eq!(cmds[0].display(), "cargo test --workspace --all-features -- -p");
    }

    #[test]
    fn display_quotes_env_and_args() {
        let cmd = CargoCmd::new(["doc", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(cmd.display(), "RUSTDOCFLAGS='-D warnings' cargo doc --no-deps");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("--features=a,b"), "--features=a,b");
    }

    #[test]
    fn parses_publish_options() {
        let args = strings(&["--execute", "-p", "exch-core", "--no-verify", "--package=exch"]);
        let opts = PublishOptions::parse(&args).unwrap();
        assert_eq!(
            opts,
            PublishOptions {
                execute: true,
                allow_dirty: false,
                no_verify: true,
                only: strings(&["exch-core", "exch"])
            }
        );
        assert_eq!(PublishOptions::parse(&[]).unwrap(), PublishOptions::default());
        assert!(PublishOptions::parse(&strings(&["-p"])).is_err());
        assert!(PublishOptions::parse(&strings(&["--yes"])).is_err());
    }
}
