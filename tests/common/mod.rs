//! Helpers shared by the end-to-end tests: running the `exch` binary with a clean
//! environment, and simulators kept running by the test process.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `exch` with `args` and `stdin`, with no `EXCH_*` credentials in the environment.
pub fn exch_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    exch_full(args, stdin, &[])
}

/// Runs `exch` with `args`, `stdin` and only the `EXCH_*` variables of `env`.
pub fn exch_full(args: &[&str], stdin: &[u8], env: &[(String, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exch"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("EXCH_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut child = cmd.spawn().expect("exch starts");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("exch finishes")
}

pub fn exch(args: &[&str]) -> Output {
    exch_with_stdin(args, b"")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The path of a file under the workspace's `fixtures/`.
pub fn fixture(path: &str) -> String {
    format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Stdout parsed as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

/// A simulator kept running by this test process, and the flags and environment that point the
/// binary at it (`--base-url` per API, credentials in `EXCH_<VENUE>_*`).
pub struct Running {
    sim: Option<exch::sim::SimVenue>,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    /// Starts the simulator of `venue`.
    pub fn start(venue: exch::Venue) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = runtime.block_on(exch::sim::start(venue)).expect("simulator starts");
        Running {
            sim: Some(sim),
            runtime,
        }
    }

    /// The simulator.
    pub fn sim(&self) -> &exch::sim::SimVenue {
        self.sim.as_ref().expect("running")
    }

    /// `--base-url API=URL` for every API of the simulator.
    pub fn base_urls(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (api, url) in self.sim().server().urls() {
            args.push("--base-url".to_string());
            args.push(format!("{api}={url}"));
        }
        args
    }

    /// `EXCH_<VENUE>_*` credentials the simulator accepts.
    pub fn env(&self) -> Vec<(String, String)> {
        let prefix = format!("EXCH_{}_", self.sim().venue().as_str().to_ascii_uppercase());
        let c = self.sim().credentials();
        let mut env = vec![
            (format!("{prefix}API_KEY"), c.api_key.clone()),
            (format!("{prefix}API_SECRET"), c.secret.expose().to_string()),
        ];
        if let Some(p) = &c.passphrase {
            env.push((format!("{prefix}PASSPHRASE"), p.expose().to_string()));
        }
        env
    }

    /// Runs `exch <args> --venue V --base-url ...` with (or without) the credentials.
    pub fn exch(&self, args: &[&str], with_credentials: bool) -> Output {
        let venue = self.sim().venue().as_str().to_string();
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--venue".to_string(), venue]);
        all.extend(self.base_urls());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let env = if with_credentials { self.env() } else { Vec::new() };
        exch_full(&refs, b"", &env)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Stop the server inside its runtime.
        let _guard = self.runtime.enter();
        self.sim.take();
    }
}
