//! BingX request signing: HMAC-SHA256 (lower-case hex) over the raw, un-encoded parameter
//! string, sent as the last parameter `signature`.
//!
//! There is no method, path or body hash in the prehash. Parameters are sorted by key (byte
//! order) and sent in the same order they were signed; values are percent-encoded only on the
//! wire, after signing (this matters for the JSON-valued `takeProfit`/`stopLoss`).

use exch_core::sign::{encode, hmac_sha256_hex};

/// The parameter string BingX signs: `k=v&k=v` in the given order, values not encoded.
pub fn prehash(params: &[(String, String)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// The wire form of `params`: the same order, each value percent-encoded.
pub fn wire_query(params: &[(String, String)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(v));
    }
    s
}

/// Sorts parameters by key, byte order (stable for equal keys).
pub fn sort_params(params: &mut [(String, String)]) {
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
}

/// HMAC-SHA256 of `prehash` with `secret`, lower-case hex.
pub fn signature(secret: &str, prehash: &str) -> String {
    hmac_sha256_hex(secret.as_bytes(), prehash.as_bytes())
}

/// Sorts `params`, signs them and returns the wire query string ending in `&signature=<hex>`.
pub fn signed_query(secret: &str, params: &mut [(String, String)]) -> String {
    sort_params(params);
    let sig = signature(secret, &prehash(params));
    let mut q = wire_query(params);
    if !q.is_empty() {
        q.push('&');
    }
    q.push_str("signature=");
    q.push_str(&sig);
    q
}

#[cfg(test)]
mod tests {
    //! Vectors B1-B10 of `shared/venues/bingx.md` §2 (B5-B7 as printed in the current doc are
    //! wrong; the recomputed values are used).
    use super::*;

    const S1: &str = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w";
    const S2: &str = "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI";

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn b1_swap_leverage_query() {
        let params = p(&[
            ("symbol", "BTC-USDT"),
            ("timestamp", "1667872120843"),
            ("side", "LONG"),
            ("leverage", "6"),
        ]);
        assert_eq!(
            signature(S1, &prehash(&params)),
            "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"
        );
    }

    #[test]
    fn b2_query_and_body_joined_without_separator() {
        let s = format!(
            "{}{}",
            "symbol=BTC-USDT&timestamp=1668159715051", "side=LONG&leverage=6"
        );
        assert_eq!(
            signature(S1, &s),
            "8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d"
        );
    }

    #[test]
    fn b3_spot_order_sorted() {
        let mut params = p(&[
            ("symbol", "ETHUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quoteOrderQty", "20"),
            ("timestamp", "1649404670162"),
        ]);
        sort_params(&mut params);
        assert_eq!(
            prehash(&params),
            "quoteOrderQty=20&side=BUY&symbol=ETHUSDT&timestamp=1649404670162&type=MARKET"
        );
        assert_eq!(
            signature(S2, &prehash(&params)),
            "428a3c383bde514baff0d10d3c20e5adfaacaf799e324546dafe5ccc480dd827"
        );
    }

    #[test]
    fn b4_spot_mixed() {
        assert_eq!(
            signature(
                S2,
                "quoteOrderQty=20&side=BUY&symbol=ETHUSDTtimestamp=1649404670162&type=MARKET"
            ),
            "94e0b4925060a615e1e372d4c929015d4b59d3c89067dc0beeafcfb33a6d8d10"
        );
    }

    #[test]
    fn b5_b6_b7_recomputed() {
        assert_eq!(
            signature(S1, "recvWindow=0&symbol=BTC-USDT&timestamp=1696751141337"),
            "f8d883609dfd31c824feb4de865b071008dedb1d461451fa70847875c8e7a7a2"
        );
        assert_eq!(
            signature(S1, "recvWindow=0&subAccountString=abc12345&timestamp=1696751141337"),
            "8d0d3ea9b592be3678c33332ab13e9102e093e67255921e15a581146c87c272f"
        );
        let b7 = r#"batchOrders=[{"symbol":"ETH-USDT","type":"MARKET","side":"BUY","positionSide":"LONG","quantity":1},{"symbol":"BTC-USDT","type":"MARKET","side":"BUY","positionSide":"LONG","quantity":0.001}]&timestamp=1692956597902"#;
        assert_eq!(
            signature(S1, b7),
            "04aa41e1f14441dc1465fe5593c07f0e0b190ebe49fda0476cb7ff9d612cd028"
        );
    }

    #[test]
    fn b8_unsorted_as_sent() {
        let params = p(&[
            ("symbol", "BTC-USDT"),
            ("timestamp", "1700000000000"),
            ("recvWindow", "5000"),
        ]);
        assert_eq!(
            signature(S1, &prehash(&params)),
            "fd9660846c9f29e82504a759860e422af47592a3181650f029506b525e48b3e3"
        );
    }

    #[test]
    fn b9_sorted_limit_order() {
        let mut params = p(&[
            ("symbol", "BTC-USDT"),
            ("side", "BUY"),
            ("positionSide", "LONG"),
            ("type", "LIMIT"),
            ("quantity", "0.001"),
            ("price", "30000"),
            ("timeInForce", "GTC"),
            ("clientOrderId", "abc123"),
            ("recvWindow", "5000"),
            ("timestamp", "1700000000000"),
        ]);
        let q = signed_query(S1, &mut params);
        assert_eq!(
            prehash(&params),
            "clientOrderId=abc123&positionSide=LONG&price=30000&quantity=0.001&recvWindow=5000&side=BUY&symbol=BTC-USDT&timeInForce=GTC&timestamp=1700000000000&type=LIMIT"
        );
        assert!(q.ends_with("&signature=2d827a69a8b096e646c3f9c53d8a1f8779a1ce0f0e86b9ccc9736d24ecf94280"));
    }

    #[test]
    fn b10_json_value_signed_raw_sent_encoded() {
        let mut params = p(&[
            ("symbol", "BTC-USDT"),
            ("side", "BUY"),
            ("positionSide", "LONG"),
            ("type", "MARKET"),
            ("quantity", "0.001"),
            (
                "takeProfit",
                r#"{"type":"TAKE_PROFIT_MARKET","stopPrice":31968.0,"workingType":"MARK_PRICE"}"#,
            ),
            ("timestamp", "1700000000000"),
        ]);
        let q = signed_query(S1, &mut params);
        assert_eq!(
            q,
            "positionSide=LONG&quantity=0.001&side=BUY&symbol=BTC-USDT&takeProfit=%7B%22type%22%3A%22TAKE_PROFIT_MARKET%22%2C%22stopPrice%22%3A31968.0%2C%22workingType%22%3A%22MARK_PRICE%22%7D&timestamp=1700000000000&type=MARKET&signature=ec42ef6331a386d73f0a4cf35aa6cd96a42338dcbc5377a61577e879500195b4"
        );
    }
}
