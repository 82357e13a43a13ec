//! Signing helpers: HMAC-SHA256/512 with hex or base64 output, SHA-256/512 digests, and an
//! order-preserving query builder with the percent-encoding venues expect.
//!
//! Venues sign the exact bytes they receive, so a query is built once, in send order, and the
//! same string is both signed and sent.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256, Sha512};

/// Characters left as they are: RFC 3986 unreserved (`A-Z a-z 0-9 - _ . ~`).
pub const QUERY_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// HMAC-SHA256 of `msg` keyed with `key`, raw bytes.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA512 of `msg` keyed with `key`, raw bytes.
pub fn hmac_sha512(key: &[u8], msg: &[u8]) -> [u8; 64] {
    let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256, lower-case hex (Binance, Bybit, BingX, Bitget spot V1).
pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    hex::encode(hmac_sha256(key, msg))
}

/// HMAC-SHA256, standard base64 (OKX, KuCoin, Bitget, HTX).
pub fn hmac_sha256_base64(key: &[u8], msg: &[u8]) -> String {
    B64.encode(hmac_sha256(key, msg))
}

/// HMAC-SHA512, lower-case hex (Gate).
pub fn hmac_sha512_hex(key: &[u8], msg: &[u8]) -> String {
    hex::encode(hmac_sha512(key, msg))
}

/// HMAC-SHA512, standard base64 (Kraken).
pub fn hmac_sha512_base64(key: &[u8], msg: &[u8]) -> String {
    B64.encode(hmac_sha512(key, msg))
}

/// SHA-256 digest, raw bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-512 digest, raw bytes.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    Sha512::digest(data).into()
}

/// SHA-256 digest, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

/// SHA-512 digest, lower-case hex.
pub fn sha512_hex(data: &[u8]) -> String {
    hex::encode(sha512(data))
}

/// Standard base64 encoding.
pub fn base64_encode(data: &[u8]) -> String {
    B64.encode(data)
}

/// Standard base64 decoding (e.g. Kraken's secret); `None` when the input is not base64.
pub fn base64_decode(data: &str) -> Option<Vec<u8>> {
    B64.decode(data).ok()
}

/// Percent-encodes `value` with [`QUERY_ENCODE_SET`].
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_ENCODE_SET).to_string()
}

/// An order-preserving `k=v&k=v` builder. Keys are sent as given; values are percent-encoded
/// with [`QUERY_ENCODE_SET`] unless added with [`Query::push_raw`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    buf: String,
}

impl Query {
    /// An empty query.
    pub fn new() -> Self {
        Query::default()
    }

    /// Appends `key=encoded(value)`.
    pub fn push(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Self {
        self.sep();
        self.buf.push_str(key);
        self.buf.push('=');
        let v = value.to_string();
        self.buf.extend(utf8_percent_encode(&v, QUERY_ENCODE_SET));
        self
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn push_opt<V: std::fmt::Display>(&mut self, key: &str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }

    /// Appends `key=value` without encoding (the caller guarantees it is URL-safe).
    pub fn push_raw(&mut self, key: &str, value: &str) -> &mut Self {
        self.sep();
        self.buf.push_str(key);
        self.buf.push('=');
        self.buf.push_str(value);
        self
    }

    fn sep(&mut self) {
        if !self.buf.is_empty() {
            self.buf.push('&');
        }
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The query string, without a leading `?`.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Consumes the builder.
    pub fn into_string(self) -> String {
        self.buf
    }
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPOT_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    const FUT_SECRET: &str = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

    #[test]
    fn binance_b1() {
        let mut q = Query::new();
        q.push("symbol", "LTCBTC")
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC");
        q.push("quantity", "1")
            .push("price", "0.1")
            .push("recvWindow", 5000)
            .push("timestamp", 1499827319559u64);
        assert_eq!(
            q.as_str(),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        );
        assert_eq!(
            hmac_sha256_hex(SPOT_SECRET.as_bytes(), q.as_str().as_bytes()),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
    }

    #[test]
    fn binance_b2_percent_encodes_before_signing() {
        let mut q = Query::new();
        q.push("symbol", "１２３４５６")
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC");
        q.push("quantity", "1")
            .push("price", "0.1")
            .push("recvWindow", 5000)
            .push("timestamp", 1499827319559u64);
        assert!(q
            .as_str()
            .starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&"));
        assert_eq!(
            hmac_sha256_hex(SPOT_SECRET.as_bytes(), q.as_str().as_bytes()),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        );
    }

    #[test]
    fn binance_b3_query_and_body_joined_without_separator() {
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        let prehash = format!("{query}{body}");
        assert_eq!(
            hmac_sha256_hex(SPOT_SECRET.as_bytes(), prehash.as_bytes()),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn binance_f1() {
        let p = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
        assert_eq!(
            hmac_sha256_hex(FUT_SECRET.as_bytes(), p.as_bytes()),
            "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
        );
    }

    #[test]
    fn kraken_k1() {
        let secret =
            base64_decode("kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
                .unwrap();
        let nonce = "1616492376594";
        let body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
        let mut msg = b"/0/private/AddOrder".to_vec();
        msg.extend_from_slice(&sha256(format!("{nonce}{body}").as_bytes()));
        assert_eq!(
            hmac_sha512_base64(&secret, &msg),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        );
    }

    fn gate(method: &str, path: &str, query: &str, body: &str, ts: &str) -> String {
        let prehash = format!("{method}\n{path}\n{query}\n{}\n{ts}", sha512_hex(body.as_bytes()));
        hmac_sha512_hex(b"secret", prehash.as_bytes())
    }

    #[test]
    fn gate_v1_v2() {
        assert_eq!(
            sha512_hex(b""),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
        assert_eq!(
            gate("GET", "/api/v4/futures/orders", "contract=BTC_USD&status=finished&limit=50", "", "1541993715"),
            "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a"
        );
        let body = r#"{"contract":"BTC_USD","type":"limit","size":100,"price":6800,"time_in_force":"gtc"}"#;
        assert_eq!(
            sha512_hex(body.as_bytes()),
            "ad3c169203dc3026558f01b4df307641fa1fa361f086b2306658886d5708767b1854797c68d9e62fef2f991645aa82673622ebf417e091d0bd22bafe5d956cca"
        );
        assert_eq!(
            gate("POST", "/api/v4/futures/orders", "", body, "1541993715"),
            "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541fc4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0"
        );
    }

    #[test]
    fn query_encoding_and_raw() {
        let mut q = Query::new();
        q.push("symbols", r#"["BTCUSDT","ETHUSDT"]"#)
            .push_opt::<u32>("limit", None)
            .push_raw("x", "a,b");
        assert_eq!(q.as_str(), "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D&x=a,b");
        assert_eq!(encode("a b~"), "a%20b~");
        assert!(Query::new().is_empty());
    }
}
