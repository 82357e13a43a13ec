//! The HTTP transport every venue crate sends its REST requests through (reqwest + rustls).
//!
//! A venue crate builds a [`Request`] (method, base URL, path, the already-encoded and signed
//! query string, body, headers, an endpoint label, its rate-limit costs and whether it is an
//! idempotent read) and hands it to [`HttpTransport::send`]. The transport:
//!
//! 1. acquires the request's costs from the shared [`RateLimiter`];
//! 2. sends exactly the bytes it was given (the query string is not re-encoded, so the bytes
//!    signed are the bytes sent), inside one `tracing` span per request;
//! 3. hands the response headers to [`VenueHooks::observe_headers`] (usage counters);
//! 4. turns failures into typed [`Error`]s: timeouts are `Timeout`, connection failures
//!    `Network`, HTTP 429 `RateLimited` and 418 `Banned` (both pause the limiter for the
//!    `Retry-After` seconds), 5xx `Unavailable`, anything else the venue's
//!    [`VenueHooks::map_error`] or a generic `Venue` error. `map_error` also sees HTTP 2xx
//!    bodies, for venues that wrap errors in a 200 envelope.
//!
//! For a request that is not idempotent (placement, cancel, ...), a timeout, a failure after
//! the connection was made, and any 5xx are marked [outcome-unknown](Error::is_outcome_unknown):
//! the caller must reconcile, never re-send. Only idempotent requests are retried, and only
//! through [`HttpTransport::send_read`] / [`HttpTransport::send_read_with`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use exch_core::limiter::{LimiterKey, LimiterRegistry, ScopeQuota};
//! use exch_core::transport::{HeaderMap, HttpTransport, Request, VenueHooks};
//! use exch_core::{ClientConfig, Error, ErrorKind, Venue};
//!
//! struct Hooks;
//! impl VenueHooks for Hooks {
//!     fn venue(&self) -> Venue {
//!         Venue::Binance
//!     }
//!     fn map_error(&self, status: u16, _: &HeaderMap, body: &[u8], _: &str) -> Option<Error> {
//!         (status >= 400).then(|| Error::new(ErrorKind::Venue, String::from_utf8_lossy(body)))
//!     }
//! }
//!
//! # async fn demo() -> exch_core::Result<()> {
//! let config = ClientConfig::new();
//! let limiter = LimiterRegistry::global().limiter_with_scopes(
//!     &LimiterKey::public(Venue::Binance),
//!     &[("ip_weight", ScopeQuota::per_minute(6000)?)],
//! );
//! let transport = HttpTransport::new(&config, Arc::new(Hooks), limiter)?;
//! let base = config.url_for("spot", "https://api.binance.com");
//! let resp = transport
//!     .send_read(Request::get(base, "/api/v3/time").cost("ip_weight", 1))
//!     .await?;
//! let time: serde_json::Value = resp.json()?;
//! # let _ = time;
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
pub use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::clock::ClockSync;
use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result, EXCERPT_LEN};
use crate::limiter::RateLimiter;
use crate::retry::{retry_read, RetryPolicy};
use crate::venue::Venue;

/// What a venue crate plugs into the transport: its identity, its error table and its
/// usage-header reader.
pub trait VenueHooks: Send + Sync {
    /// The venue (set on every error).
    fn venue(&self) -> Venue;

    /// Maps a response to the venue's error, or `None` when the response is a success.
    ///
    /// Called for every response, including HTTP 2xx (venues such as OKX and BingX report
    /// errors inside a 200 envelope). For 429/418 the transport keeps the returned error's
    /// code and message but forces the kind to `RateLimited`/`Banned`; for 5xx a `None`
    /// becomes `Unavailable`; for other non-2xx statuses a `None` becomes a generic `Venue`
    /// error carrying the status and a body excerpt.
    fn map_error(&self, status: u16, headers: &HeaderMap, body: &[u8], endpoint: &str) -> Option<Error>;

    /// Reads usage headers (e.g. a used-weight counter) into the limiter, typically with
    /// [`RateLimiter::observe_used`]. Called for every response. The default does nothing.
    fn observe_headers(&self, headers: &HeaderMap, limiter: &RateLimiter) {
        let _ = (headers, limiter);
    }
}

/// One HTTP request, fully built (and signed) by the venue crate.
#[derive(Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// Scheme and host, e.g. `https://api.binance.com` (from `ClientConfig::url_for`).
    pub base_url: String,
    /// The path, starting with `/`.
    pub path: String,
    /// The query string without `?`, already percent-encoded; sent byte for byte.
    pub query: String,
    /// The body bytes, sent byte for byte.
    pub body: Option<Bytes>,
    /// The body's `Content-Type`.
    pub content_type: Option<String>,
    /// Extra headers (API key, signature, timestamp, ...).
    pub headers: HeaderMap,
    /// A label for errors and the tracing span, e.g. `GET /api/v3/order`.
    pub endpoint: String,
    /// Rate-limit costs: `(scope, weight)` pairs acquired before sending.
    pub costs: Vec<(String, u32)>,
    /// True for reads that may be repeated safely; only these are ever retried.
    pub idempotent: bool,
}

impl fmt::Debug for Request {
    /// Shows header names only (values may hold keys, passphrases and signatures).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("base_url", &self.base_url)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("content_type", &self.content_type)
            .field(
                "headers",
                &self.headers.keys().map(HeaderName::as_str).collect::<Vec<_>>(),
            )
            .field("endpoint", &self.endpoint)
            .field("costs", &self.costs)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl Request {
    /// A request without query, body or costs. The endpoint label defaults to
    /// `"<METHOD> <path>"`; `GET` requests default to idempotent, every other method to not.
    pub fn new(method: Method, base_url: impl Into<String>, path: impl Into<String>) -> Self {
        let path = path.into();
        Request {
            endpoint: format!("{method} {path}"),
            idempotent: method == Method::GET,
            method,
            base_url: base_url.into(),
            path,
            query: String::new(),
            body: None,
            content_type: None,
            headers: HeaderMap::new(),
            costs: Vec::new(),
        }
    }

    /// A `GET` request (idempotent).
    pub fn get(base_url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::GET, base_url, path)
    }

    /// A `POST` request (not idempotent).
    pub fn post(base_url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::POST, base_url, path)
    }

    /// A `PUT` request (not idempotent).
    pub fn put(base_url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::PUT, base_url, path)
    }

    /// A `DELETE` request (not idempotent).
    pub fn delete(base_url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, base_url, path)
    }

    /// Sets the already-encoded query string (without `?`).
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = query.into();
        self
    }

    /// Sets the body and its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets a JSON body (`application/json`) from already-serialized text.
    pub fn json_body(self, json: impl Into<String>) -> Self {
        self.body(json.into(), "application/json")
    }

    /// Adds a header; an invalid name or value is a `Config` error.
    pub fn header(self, name: &str, value: &str) -> Result<Self> {
        self.insert_header(name, value, false)
    }

    /// Adds a header marked sensitive (API keys, passphrases, signatures).
    pub fn secret_header(self, name: &str, value: &str) -> Result<Self> {
        self.insert_header(name, value, true)
    }

    fn insert_header(mut self, name: &str, value: &str, sensitive: bool) -> Result<Self> {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::new(ErrorKind::Config, format!("invalid header name `{name}`")).with_source(e))?;
        let mut v = HeaderValue::from_str(value)
            .map_err(|e| Error::new(ErrorKind::Config, format!("invalid value for header `{name}`")).with_source(e))?;
        v.set_sensitive(sensitive);
        self.headers.append(n, v);
        Ok(self)
    }

    /// Sets the endpoint label used in errors and the tracing span.
    pub fn endpoint(mut self, label: impl Into<String>) -> Self {
        self.endpoint = label.into();
        self
    }

    /// Adds a rate-limit cost: `weight` units of `scope`.
    pub fn cost(mut self, scope: impl Into<String>, weight: u32) -> Self {
        self.costs.push((scope.into(), weight));
        self
    }

    /// Marks the request idempotent (safe to retry) or not.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The full URL: base URL, path and, if not empty, `?` and the query.
    pub fn url(&self) -> String {
        let mut u = String::with_capacity(self.base_url.len() + self.path.len() + self.query.len() + 1);
        u.push_str(&self.base_url);
        u.push_str(&self.path);
        if !self.query.is_empty() {
            u.push('?');
            u.push_str(&self.query);
        }
        u
    }
}

/// A successful response (every error response became an [`Error`]).
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body (already gunzipped).
    pub body: Bytes,
    /// The request's endpoint label.
    pub endpoint: String,
    /// The venue.
    pub venue: Venue,
}

impl Response {
    /// Decodes the body as JSON; a failure is a `Decode` error with the endpoint and an excerpt.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(&self.endpoint, &self.body).map_err(|e| e.with_venue(self.venue))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// Decodes `body` as JSON into `T`, or returns [`Error::decode`] for `endpoint`.
pub fn decode_json<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode(endpoint, body, &e).with_source(e))
}

/// The first [`EXCERPT_LEN`] bytes of `body` as text, cut at a character boundary.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(EXCERPT_LEN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The `Retry-After` header in seconds, if present and numeric.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// Sends [`Request`]s for one venue: limiter, timeout, tracing, error mapping.
///
/// Cheap to clone (the reqwest client, the hooks and the limiter are shared).
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    hooks: Arc<dyn VenueHooks>,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("venue", &self.hooks.venue())
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The reqwest client every transport uses: rustls, `config.timeout` for the whole request and
/// for connecting, the `exch/<version>` user agent. (Benchmarks build their bare client with
/// it too, so both sides of a comparison have the same settings.)
pub fn http_client(config: &ClientConfig) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("exch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorKind::Config, format!("cannot build the HTTP client: {e}")).with_source(e))
}

impl HttpTransport {
    /// A transport with `config.timeout` as the per-request timeout, the venue's `hooks`, and
    /// the shared `limiter` (from `LimiterRegistry::global()`). Retries use
    /// [`RetryPolicy::default`].
    pub fn new(config: &ClientConfig, hooks: Arc<dyn VenueHooks>, limiter: Arc<RateLimiter>) -> Result<Self> {
        let client = http_client(config)?;
        Ok(HttpTransport {
            client,
            hooks,
            limiter,
            retry: RetryPolicy::default(),
        })
    }

    /// Replaces the retry policy used by [`send_read`](Self::send_read).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The venue.
    pub fn venue(&self) -> Venue {
        self.hooks.venue()
    }

    /// The shared rate limiter.
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    /// The retry policy of [`send_read`](Self::send_read).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Sends `req` once (never retries).
    pub async fn send(&self, req: Request) -> Result<Response> {
        self.execute(&req).await
    }

    /// Sends an idempotent read, retrying retryable failures under the retry policy. A request
    /// not marked idempotent is sent once, exactly as [`send`](Self::send).
    ///
    /// Every attempt sends the same bytes; for signed reads whose signature covers a
    /// timestamp, use [`send_read_with`](Self::send_read_with).
    pub async fn send_read(&self, req: Request) -> Result<Response> {
        if !req.idempotent {
            return self.execute(&req).await;
        }
        retry_read(&self.retry, || self.execute(&req)).await
    }

    /// Like [`send_read`](Self::send_read), but `make` builds (and signs) the request afresh
    /// for every attempt. If the first request built is not idempotent it is sent once.
    pub async fn send_read_with<F>(&self, mut make: F) -> Result<Response>
    where
        F: FnMut() -> Result<Request>,
    {
        let first = make()?;
        if !first.idempotent {
            return self.execute(&first).await;
        }
        let mut first = Some(first);
        retry_read(&self.retry, || {
            let next = match first.take() {
                Some(r) => Ok(r),
                None => make(),
            };
            async move { self.execute(&next?).await }
        })
        .await
    }

    /// A signed read against a venue clock: [`send_read_with`](Self::send_read_with) where
    /// `make(timestamp_ms)` builds and signs the request at the clock's current estimate of
    /// server time ([`ClockSync::now_ms`]), afresh for every attempt; a
    /// [`ClockSkew`](ErrorKind::ClockSkew) rejection re-measures the clock once and sends the
    /// read once more, under the retry policy again ([`ClockSync::with_resync`]).
    ///
    /// The clock is not probed before the first attempt; call
    /// [`ClockSync::ensure_fresh`] first when the venue needs a measured offset.
    pub async fn send_read_synced<F>(&self, clock: &ClockSync, make: F) -> Result<Response>
    where
        F: FnMut(i64) -> Result<Request>,
    {
        let make = std::sync::Mutex::new(make);
        clock
            .with_resync(|| {
                self.send_read_with(|| {
                    let mut make = make.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    (*make)(clock.now_ms())
                })
            })
            .await
    }

    async fn execute(&self, req: &Request) -> Result<Response> {
        let venue = self.hooks.venue();
        let span = tracing::debug_span!(
            "exch.http",
            venue = venue.as_str(),
            method = %req.method,
            path = %req.path,
            endpoint = %req.endpoint,
            status = tracing::field::Empty,
        );
        self.execute_inner(req, venue, span.clone())
            .instrument(span)
            .await
            .map_err(|e| finish(e, venue, req))
    }

    async fn execute_inner(&self, req: &Request, venue: Venue, span: tracing::Span) -> Result<Response> {
        self.limiter.acquire_all(&req.costs).await?;
        let mut rb = self
            .client
            .request(req.method.clone(), req.url())
            .headers(req.headers.clone());
        if let Some(body) = &req.body {
            rb = rb.body(body.clone());
        }
        if let Some(ct) = &req.content_type {
            rb = rb.header(CONTENT_TYPE, ct.as_str());
        }
        let resp = rb.send().await.map_err(|e| transport_error(e, req))?;
        let status = resp.status().as_u16();
        span.record("status", status);
        let headers = resp.headers().clone();
        self.hooks.observe_headers(&headers, &self.limiter);
        let body = resp.bytes().await.map_err(|e| transport_error(e, req))?;
        tracing::debug!(status, bytes = body.len(), "response");
        match self.classify(status, &headers, &body, req) {
            Some(e) => Err(e),
            None => Ok(Response {
                status,
                headers,
                body,
                endpoint: req.endpoint.clone(),
                venue,
            }),
        }
    }

    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8], req: &Request) -> Option<Error> {
        let mapped = self.hooks.map_error(status, headers, body, &req.endpoint);
        let generic = |kind: ErrorKind| Error::new(kind, format!("HTTP {status}: {}", body_excerpt(body)));
        let mut err = match status {
            429 => mapped.map_or_else(
                || generic(ErrorKind::RateLimited),
                |e| e.with_kind(ErrorKind::RateLimited),
            ),
            418 => mapped.map_or_else(|| generic(ErrorKind::Banned), |e| e.with_kind(ErrorKind::Banned)),
            500..=599 => {
                let e = mapped.unwrap_or_else(|| generic(ErrorKind::Unavailable));
                if req.idempotent {
                    e
                } else {
                    e.with_outcome_unknown(true)
                }
            }
            200..=299 => mapped?,
            _ => mapped.unwrap_or_else(|| generic(ErrorKind::Venue)),
        };
        if err.retry_after().is_none() {
            if let Some(ra) = retry_after(headers) {
                err = err.with_retry_after(ra);
            }
        }
        if matches!(err.kind(), ErrorKind::RateLimited | ErrorKind::Banned) {
            if let Some(ra) = err.retry_after() {
                self.limiter.pause_for(ra);
            }
        }
        tracing::debug!(kind = err.kind().as_str(), code = err.code(), "venue error");
        Some(err.with_http_status(status))
    }
}

/// Fills in the venue and endpoint where the error lacks them.
fn finish(mut e: Error, venue: Venue, req: &Request) -> Error {
    if e.venue().is_none() {
        e = e.with_venue(venue);
    }
    if e.endpoint().is_none() {
        e = e.with_endpoint(req.endpoint.clone());
    }
    e
}

fn transport_error(e: reqwest::Error, req: &Request) -> Error {
    let e = e.without_url();
    let (kind, what) = if e.is_timeout() {
        (ErrorKind::Timeout, "request timed out")
    } else if e.is_builder() {
        (ErrorKind::Config, "invalid request")
    } else if e.is_connect() {
        (ErrorKind::Network, "connection failed")
    } else {
        (ErrorKind::Network, "connection error")
    };
    let mut msg = format!("{what}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    // Nothing was sent if the connection never came up or the request could not be built.
    let unknown = !req.idempotent && !e.is_connect() && !e.is_builder();
    Error::new(kind, msg).with_outcome_unknown(unknown).with_source(e)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use serde::Deserialize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::limiter::ScopeQuota;

    /// One canned reply of the test server.
    #[derive(Clone)]
    enum Reply {
        Respond {
            status: u16,
            headers: Vec<(&'static str, &'static str)>,
            body: &'static str,
        },
        /// Read the request and never answer.
        Hang,
    }

    fn reply(status: u16, headers: Vec<(&'static str, &'static str)>, body: &'static str) -> Reply {
        Reply::Respond { status, headers, body }
    }

    /// What the test server received.
    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 answering with `replies` in order (then 404s).
    async fn serve(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(VecDeque::from(replies)));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                let seen = seen2.clone();
                let queue = queue.clone();
                tokio::spawn(async move { handle(sock, seen, queue).await });
            }
        });
        (base, seen)
    }

    async fn handle(mut sock: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, queue: Arc<Mutex<VecDeque<Reply>>>) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let target = first.next().unwrap_or("").to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + len].to_vec();
        seen.lock().unwrap().push(Seen {
            method,
            target,
            headers,
            body,
        });
        let next = queue.lock().unwrap().pop_front();
        match next.unwrap_or_else(|| reply(404, vec![], "")) {
            Reply::Hang => std::future::pending::<()>().await,
            Reply::Respond { status, headers, body } => {
                let mut out = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(body);
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        }
    }

    /// A venue hook in the shape of the real ones: a `{"code":..,"msg":..}` error table and a
    /// used-weight header.
    struct TestHooks {
        seen_headers: Mutex<Vec<HeaderMap>>,
    }

    impl TestHooks {
        fn new() -> Arc<Self> {
            Arc::new(TestHooks {
                seen_headers: Mutex::new(Vec::new()),
            })
        }
    }

    impl VenueHooks for TestHooks {
        fn venue(&self) -> Venue {
            Venue::Binance
        }

        fn map_error(&self, status: u16, _headers: &HeaderMap, body: &[u8], _endpoint: &str) -> Option<Error> {
            #[derive(Deserialize)]
            struct Envelope {
                code: serde_json::Value,
                msg: String,
            }
            let env: Envelope = serde_json::from_slice(body).ok()?;
            let code = match &env.code {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if (200..300).contains(&status) && code == "0" {
                return None;
            }
            let kind = match code.as_str() {
                "51001" | "-1121" => ErrorKind::BadSymbol,
                "-1021" => ErrorKind::ClockSkew,
                _ => ErrorKind::Venue,
            };
            Some(Error::new(kind, env.msg).with_code(code))
        }

        fn observe_headers(&self, headers: &HeaderMap, limiter: &RateLimiter) {
            self.seen_headers.lock().unwrap().push(headers.clone());
            if let Some(used) = headers
                .get("x-mbx-used-weight-1m")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
            {
                limiter.observe_used("ip_weight", used);
            }
        }
    }

    fn limiter() -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new().with_scope("ip_weight", ScopeQuota::per_minute(6000).unwrap()))
    }

    fn transport(hooks: Arc<TestHooks>) -> HttpTransport {
        HttpTransport::new(&ClientConfig::new(), hooks, limiter())
            .unwrap()
            .with_retry_policy(
                RetryPolicy::new()
                    .delays(Duration::from_millis(1), Duration::from_millis(2))
                    .jitter(false),
            )
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct ServerTime {
        server_time: i64,
    }

    #[tokio::test]
    async fn success_sends_exact_bytes_and_headers_reach_the_hook() {
        let (base, seen) = serve(vec![reply(
            200,
            vec![("X-MBX-USED-WEIGHT-1M", "12"), ("Content-Type", "application/json")],
            r#"{"serverTime": 1499827319559}"#,
        )])
        .await;
        let hooks = TestHooks::new();
        let t = transport(hooks.clone());
        let req = Request::get(&base, "/api/v3/time")
            .query("symbol=BTCUSDT&ids=%5B%22a%22%2C%22b%22%5D&signature=ab%2Fcd")
            .secret_header("X-MBX-APIKEY", "key123")
            .unwrap()
            .cost("ip_weight", 1);
        assert!(!format!("{req:?}").contains("key123"));
        let resp = t.send(req).await.unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.venue, Venue::Binance);
        assert_eq!(resp.endpoint, "GET /api/v3/time");
        assert_eq!(resp.json::<ServerTime>().unwrap().server_time, 1499827319559);
        assert_eq!(resp.text(), r#"{"serverTime": 1499827319559}"#);

        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "GET");
        assert_eq!(
            seen[0].target,
            "/api/v3/time?symbol=BTCUSDT&ids=%5B%22a%22%2C%22b%22%5D&signature=ab%2Fcd"
        );
        assert_eq!(seen[0].header("x-mbx-apikey"), Some("key123"));
        assert!(seen[0].header("user-agent").unwrap().starts_with("exch/"));

        let observed = hooks.seen_headers.lock().unwrap();
        assert_eq!(observed.len(), 1);
        assert_eq!(observed[0].get("x-mbx-used-weight-1m").unwrap(), "12");
        assert_eq!(t.limiter().usage("ip_weight").unwrap().used, 12);
    }

    #[tokio::test]
    async fn post_body_and_content_type_are_sent() {
        let (base, seen) = serve(vec![reply(200, vec![], r#"{"code":"0","msg":"","data":[]}"#)]).await;
        let t = transport(TestHooks::new());
        let body = r#"{"instId":"BTC-USDT","sz":"0.01"}"#;
        let resp = t
            .send(Request::post(&base, "/api/v5/trade/order").json_body(body))
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].body, body.as_bytes());
        assert_eq!(seen[0].header("content-type"), Some("application/json"));
    }

    #[tokio::test]
    async fn rate_limited_429_pauses_the_limiter() {
        let (base, _) = serve(vec![reply(
            429,
            vec![("Retry-After", "30")],
            r#"{"code":-1003,"msg":"TOO_MANY_REQUESTS"}"#,
        )])
        .await;
        let t = transport(TestHooks::new());
        let before = tokio::time::Instant::now();
        let e = t.send(Request::get(&base, "/api/v3/depth")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.code(), Some("-1003"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(e.http_status(), Some(429));
        assert_eq!(e.venue(), Some(Venue::Binance));
        assert_eq!(e.endpoint(), Some("GET /api/v3/depth"));
        assert!(!e.is_outcome_unknown());
        let until = t.limiter().paused_until().expect("limiter paused");
        assert!(until >= before + Duration::from_secs(30));
        assert!(until <= tokio::time::Instant::now() + Duration::from_secs(30));
    }

    #[tokio::test]
    async fn banned_418_pauses_the_limiter() {
        let (base, _) = serve(vec![reply(418, vec![("Retry-After", "120")], "")]).await;
        let t = transport(TestHooks::new());
        let e = t.send(Request::get(&base, "/api/v3/depth")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Banned);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(e.http_status(), Some(418));
        let until = t.limiter().paused_until().expect("limiter paused");
        assert!(until > tokio::time::Instant::now() + Duration::from_secs(110));
    }

    #[tokio::test]
    async fn server_error_on_a_read_is_retried_then_succeeds() {
        let (base, seen) = serve(vec![
            reply(503, vec![], "Service Unavailable"),
            reply(502, vec![], ""),
            reply(200, vec![], r#"{"serverTime": 1499827319559}"#),
        ])
        .await;
        let t = transport(TestHooks::new());
        let resp = t.send_read(Request::get(&base, "/api/v3/time")).await.unwrap();
        assert_eq!(resp.json::<ServerTime>().unwrap().server_time, 1499827319559);
        assert_eq!(seen.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn send_read_with_rebuilds_each_attempt() {
        let (base, seen) = serve(vec![
            reply(503, vec![], ""),
            reply(200, vec![], r#"{"serverTime": 1499827319559}"#),
        ])
        .await;
        let t = transport(TestHooks::new());
        let mut n = 0;
        let resp = t
            .send_read_with(|| {
                n += 1;
                Ok(Request::get(&base, "/api/v3/account").query(format!("timestamp={n}")))
            })
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        let targets: Vec<String> = seen.lock().unwrap().iter().map(|s| s.target.clone()).collect();
        assert_eq!(
            targets,
            vec!["/api/v3/account?timestamp=1", "/api/v3/account?timestamp=2"]
        );
    }

    /// A venue clock 1 s ahead of the local manual clock, counting its probes.
    fn venue_clock() -> (ClockSync, Arc<std::sync::atomic::AtomicU32>) {
        use std::sync::atomic::{AtomicU32, Ordering};
        let local = Arc::new(crate::clock::ManualClock::new(1_700_000_000_000));
        let probes = Arc::new(AtomicU32::new(0));
        let (l, p) = (local.clone(), probes.clone());
        let clock = ClockSync::new(Duration::from_secs(60), move || {
            let (l, p) = (l.clone(), p.clone());
            async move {
                p.fetch_add(1, Ordering::SeqCst);
                Ok(crate::clock::LocalClock::now_ms(&*l) + 1000)
            }
        })
        .with_local_clock(local);
        (clock, probes)
    }

    const SKEW: &str = r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#;

    #[tokio::test]
    async fn send_read_synced_resyncs_once_on_clock_skew() {
        let (base, seen) = serve(vec![
            reply(400, vec![], SKEW),
            reply(503, vec![], ""),
            reply(200, vec![], r#"{"serverTime": 1499827319559}"#),
        ])
        .await;
        let t = transport(TestHooks::new());
        let (clock, probes) = venue_clock();
        let resp = t
            .send_read_synced(&clock, |ts| {
                Ok(Request::get(&base, "/api/v3/account").query(format!("timestamp={ts}")))
            })
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        // The rejected timestamp is not resent: one resync, then the read (retried on the 503)
        // is signed at the measured offset.
        let targets: Vec<String> = seen.lock().unwrap().iter().map(|s| s.target.clone()).collect();
        assert_eq!(
            targets,
            vec![
                "/api/v3/account?timestamp=1700000000000",
                "/api/v3/account?timestamp=1700000001000",
                "/api/v3/account?timestamp=1700000001000",
            ]
        );
        assert_eq!(probes.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn send_read_synced_gives_up_after_one_resync() {
        let (base, seen) = serve(vec![
            reply(400, vec![], SKEW),
            reply(400, vec![], SKEW),
            reply(200, vec![], "{}"),
        ])
        .await;
        let t = transport(TestHooks::new());
        let (clock, probes) = venue_clock();
        let e = t
            .send_read_synced(&clock, |ts| {
                Ok(Request::get(&base, "/api/v3/account").query(format!("timestamp={ts}")))
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ClockSkew);
        assert_eq!(
            seen.lock().unwrap().len(),
            2,
            "no blind retries of a clock-skew rejection"
        );
        assert_eq!(probes.load(std::sync::atomic::Ordering::SeqCst), 1);
        // The plain read policy does not retry it either.
        let (base, seen) = serve(vec![reply(400, vec![], SKEW), reply(200, vec![], "{}")]).await;
        let e = t.send_read(Request::get(&base, "/api/v3/account")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ClockSkew);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn server_error_on_a_write_is_not_retried_and_outcome_unknown() {
        let (base, seen) = serve(vec![
            reply(502, vec![], "Bad Gateway"),
            reply(200, vec![], "{}"),
            reply(503, vec![], ""),
        ])
        .await;
        let t = transport(TestHooks::new());
        let e = t
            .send_read(Request::post(&base, "/api/v3/order").query("newClientOrderId=x1"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.is_outcome_unknown());
        assert_eq!(e.http_status(), Some(502));
        assert!(e.message().contains("Bad Gateway"), "{e}");
        assert_eq!(seen.lock().unwrap().len(), 1);
        // send_read_with never retries a non-idempotent request either.
        t.send_read_with(|| Ok(Request::delete(&base, "/api/v3/order")))
            .await
            .unwrap();
        assert_eq!(seen.lock().unwrap().len(), 2);
        // A 5xx on a read is not outcome-unknown.
        let e = t.send(Request::get(&base, "/api/v3/time")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(!e.is_outcome_unknown());
    }

    #[tokio::test(start_paused = true)]
    async fn timeout() {
        let (base, seen) = serve(vec![Reply::Hang, Reply::Hang]).await;
        let hooks = TestHooks::new();
        let t = HttpTransport::new(&ClientConfig::new().timeout(Duration::from_secs(5)), hooks, limiter()).unwrap();
        let start = tokio::time::Instant::now();
        let e = t.send(Request::post(&base, "/api/v3/order")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(e.is_outcome_unknown());
        assert!(tokio::time::Instant::now() - start >= Duration::from_secs(5));
        let e = t.send(Request::get(&base, "/api/v3/time")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(!e.is_outcome_unknown());
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn connection_refused_is_network_and_not_outcome_unknown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let t = transport(TestHooks::new());
        let e = t.send(Request::post(&base, "/api/v3/order")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert!(!e.is_outcome_unknown());
        assert_eq!(e.venue(), Some(Venue::Binance));
    }

    #[tokio::test]
    async fn malformed_json_is_a_decode_error_with_excerpt() {
        let (base, _) = serve(vec![reply(200, vec![], r#"{"serverTime": 14998"#)]).await;
        let t = transport(TestHooks::new());
        let resp = t.send(Request::get(&base, "/api/v3/time")).await.unwrap();
        let e = resp.json::<ServerTime>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.excerpt(), Some(r#"{"serverTime": 14998"#));
        assert_eq!(e.endpoint(), Some("GET /api/v3/time"));
        assert_eq!(e.venue(), Some(Venue::Binance));
        let e = decode_json::<ServerTime>("GET /x", b"[]").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.excerpt(), Some("[]"));
    }

    #[tokio::test]
    async fn error_in_a_200_envelope_and_other_statuses() {
        let (base, _) = serve(vec![
            reply(
                200,
                vec![],
                r#"{"code":"51001","msg":"Instrument ID doesn't exist","data":[]}"#,
            ),
            reply(400, vec![], r#"{"code":-1121,"msg":"Invalid symbol."}"#),
            reply(404, vec![], "Not Found"),
        ])
        .await;
        let t = transport(TestHooks::new());
        let e = t.send(Request::get(&base, "/api/v5/market/ticker")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        assert_eq!(e.code(), Some("51001"));
        assert_eq!(e.http_status(), Some(200));
        let e = t.send(Request::get(&base, "/api/v3/ticker")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        assert_eq!(e.code(), Some("-1121"));
        assert_eq!(e.message(), "Invalid symbol.");
        let e = t.send(Request::get(&base, "/nope")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Venue);
        assert_eq!(e.http_status(), Some(404));
        assert_eq!(e.message(), "HTTP 404: Not Found");
    }

    #[tokio::test]
    async fn limiter_costs_are_checked_before_sending() {
        let (base, seen) = serve(vec![reply(200, vec![], "{}")]).await;
        let t = transport(TestHooks::new());
        let e = t
            .send(Request::get(&base, "/x").cost("ip_weight", 6001))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let e = t.send(Request::get(&base, "/x").cost("nope", 1)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert_eq!(e.endpoint(), Some("GET /x"));
        assert!(seen.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn paused_limiter_delays_the_request() {
        let (base, seen) = serve(vec![reply(200, vec![], "{}")]).await;
        let t = transport(TestHooks::new());
        t.limiter().pause_for(Duration::from_secs(3));
        let start = tokio::time::Instant::now();
        t.send(Request::get(&base, "/x").cost("ip_weight", 1)).await.unwrap();
        assert!(tokio::time::Instant::now() - start >= Duration::from_secs(3));
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    /// A span's name and its `(field, value)` pairs.
    type SpanRecord = (String, Vec<(String, String)>);

    /// Records every span's name and fields.
    #[derive(Default)]
    struct SpanRecorder {
        spans: Mutex<Vec<SpanRecord>>,
    }

    struct Fields<'a>(&'a mut Vec<(String, String)>);

    impl tracing::field::Visit for Fields<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
            self.0.push((field.name().to_string(), format!("{value:?}")));
        }
        fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
            self.0.push((field.name().to_string(), value.to_string()));
        }
    }

    impl tracing::Subscriber for SpanRecorder {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            let mut fields = Vec::new();
            attrs.record(&mut Fields(&mut fields));
            let mut spans = self.spans.lock().unwrap();
            spans.push((attrs.metadata().name().to_string(), fields));
            tracing::span::Id::from_u64(spans.len() as u64)
        }
        fn record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>) {
            let mut spans = self.spans.lock().unwrap();
            if let Some((_, fields)) = spans.get_mut(id.into_u64() as usize - 1) {
                values.record(&mut Fields(fields));
            }
        }
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn one_span_per_request() {
        let (base, _) = serve(vec![reply(200, vec![], "{}"), reply(503, vec![], "")]).await;
        let t = transport(TestHooks::new());
        let recorder = Arc::new(SpanRecorder::default());
        let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::from(recorder.clone()));
        t.send(Request::get(&base, "/api/v3/time")).await.unwrap();
        t.send(Request::post(&base, "/api/v3/order").endpoint("place_order"))
            .await
            .unwrap_err();
        let spans: Vec<_> = recorder
            .spans
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name == "exch.http")
            .cloned()
            .collect();
        assert_eq!(spans.len(), 2);
        let field = |i: usize, k: &str| spans[i].1.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(field(0, "venue").as_deref(), Some("binance"));
        assert_eq!(field(0, "method").as_deref(), Some("GET"));
        assert_eq!(field(0, "path").as_deref(), Some("/api/v3/time"));
        assert_eq!(field(0, "status").as_deref(), Some("200"));
        assert_eq!(field(1, "method").as_deref(), Some("POST"));
        assert_eq!(field(1, "endpoint").as_deref(), Some("place_order"));
        assert_eq!(field(1, "status").as_deref(), Some("503"));
    }

    #[test]
    fn request_builder_and_helpers() {
        let r = Request::delete("https://h", "/p")
            .query("a=1")
            .endpoint("cancel")
            .idempotent(true);
        assert_eq!(r.url(), "https://h/p?a=1");
        assert_eq!(r.endpoint, "cancel");
        assert!(r.idempotent);
        assert_eq!(Request::get("https://h", "/p").url(), "https://h/p");
        assert!(!Request::put("https://h", "/p").idempotent);
        assert_eq!(
            Request::get("h", "/p").header("bad name", "v").unwrap_err().kind(),
            ErrorKind::Config
        );
        assert_eq!(
            Request::get("h", "/p").header("x", "bad\nvalue").unwrap_err().kind(),
            ErrorKind::Config
        );
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static(" 17 "));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(17)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), None);
        let long = "é".repeat(300);
        assert!(body_excerpt(long.as_bytes()).len() <= EXCERPT_LEN);
    }
}
