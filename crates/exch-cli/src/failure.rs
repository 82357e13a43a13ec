//! Why a command failed, its exit code, and how it is reported on stderr.
//!
//! Exit codes: `2` for usage and configuration errors (bad arguments, a venue not compiled in,
//! missing credentials), `1` for venue errors and I/O failures. A venue error prints its typed
//! kind and the venue's own code: `error: insufficient_funds (code -2010): Account has
//! insufficient balance`, then the venue, endpoint and HTTP status where known.

use std::fmt::Write as _;
use std::io;

use exch::ErrorKind;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong (beyond what clap checks itself).
    Usage(String),
    /// The venue or the client reported an error.
    Exch(exch::Error),
    /// Reading input or writing output failed.
    Io(io::Error),
}

impl From<exch::Error> for Failure {
    fn from(e: exch::Error) -> Self {
        Failure::Exch(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl Failure {
    /// The process exit code for this failure; `0` for a closed stdout (`exch markets | head`).
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Exch(e) if is_usage(e) => 2,
            Failure::Exch(_) => 1,
            Failure::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            Failure::Io(_) => 1,
        }
    }

    /// The text printed on stderr (empty for a closed stdout).
    pub fn report(&self) -> String {
        match self {
            Failure::Usage(m) => format!("error: {m}\n\nFor more information, try '--help'.\n"),
            Failure::Exch(e) => report_exch(e),
            Failure::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => String::new(),
            Failure::Io(e) => format!("error: io: {e}\n"),
        }
    }
}

/// Errors detected before anything reached a venue that mean "fix the command line".
fn is_usage(e: &exch::Error) -> bool {
    match e.kind() {
        ErrorKind::Config => true,
        ErrorKind::BadRequest | ErrorKind::BadSymbol => e.venue().is_none() && e.code().is_none(),
        _ => false,
    }
}

fn report_exch(e: &exch::Error) -> String {
    let mut s = format!("error: {}", e.kind());
    if let Some(code) = e.code() {
        let _ = write!(s, " (code {code})");
    }
    let _ = writeln!(s, ": {}", e.message());
    if let Some(v) = e.venue() {
        let _ = writeln!(s, "  venue: {v}");
    }
    if let Some(ep) = e.endpoint() {
        let _ = writeln!(s, "  endpoint: {ep}");
    }
    if let Some(status) = e.http_status() {
        let _ = writeln!(s, "  http status: {status}");
    }
    if let Some(d) = e.retry_after() {
        let _ = writeln!(s, "  retry after: {} ms", d.as_millis());
    }
    if let Some(x) = e.excerpt() {
        let _ = writeln!(s, "  payload starts: {x}");
    }
    if let (ErrorKind::Auth, Some(v)) = (e.kind(), e.venue()) {
        if exch::Credentials::from_env(v).is_none() {
            let prefix = format!("EXCH_{}_", v.as_str().to_ascii_uppercase());
            let _ = writeln!(
                s,
                "  hint: no credentials in the environment: set {prefix}API_KEY and {prefix}API_SECRET{}",
                if matches!(v, exch::Venue::Okx | exch::Venue::Kucoin | exch::Venue::Bitget) {
                    format!(" (and {prefix}PASSPHRASE)")
                } else {
                    String::new()
                }
            );
        }
    }
    if e.is_outcome_unknown() {
        let _ = writeln!(
            s,
            "  the request may have taken effect: look the order up by its client id before sending it again"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch::{Error, Venue};

    #[test]
    fn venue_errors_exit_1_with_kind_and_code() {
        let f = Failure::from(
            Error::new(ErrorKind::InsufficientFunds, "Account has insufficient balance")
                .with_venue(Venue::Binance)
                .with_code("-2010")
                .with_endpoint("POST /api/v3/order")
                .with_http_status(400),
        );
        assert_eq!(f.exit_code(), 1);
        assert_eq!(
            f.report(),
            "error: insufficient_funds (code -2010): Account has insufficient balance\n  venue: binance\n  \
             endpoint: POST /api/v3/order\n  http status: 400\n"
        );
    }

    #[test]
    fn local_problems_exit_2() {
        assert_eq!(Failure::Usage("x".into()).exit_code(), 2);
        assert_eq!(Failure::from(Error::new(ErrorKind::Config, "no key")).exit_code(), 2);
        assert_eq!(
            Failure::from(Error::new(ErrorKind::BadRequest, "no price")).exit_code(),
            2
        );
        let from_venue = Error::new(ErrorKind::BadSymbol, "unknown").with_venue(Venue::Okx);
        assert_eq!(Failure::from(from_venue).exit_code(), 1);
        assert_eq!(Failure::from(io::Error::from(io::ErrorKind::BrokenPipe)).exit_code(), 0);
        assert_eq!(Failure::from(io::Error::other("disk full")).exit_code(), 1);
    }
}
