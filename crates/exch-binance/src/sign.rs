//! Binance request signing (binance.md §2): the prehash is the exact query string followed by
//! the exact form body with no separator; the signature is lower-case hex HMAC-SHA256 keyed with
//! the secret, appended as the last parameter `signature`.

use exch_core::sign::hmac_sha256_hex;

/// The prehash (`totalParams`): query and body concatenated without a separator.
pub fn prehash(query: &str, body: &str) -> String {
    let mut s = String::with_capacity(query.len() + body.len());
    s.push_str(query);
    s.push_str(body);
    s
}

/// The hex HMAC-SHA256 signature of `query` + `body` with `secret`.
pub fn signature(secret: &str, query: &str, body: &str) -> String {
    hmac_sha256_hex(secret.as_bytes(), prehash(query, body).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::sign::Query;

    const SPOT_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    const FUT_SECRET: &str = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

    fn limit_order(symbol: &str) -> Query {
        let mut q = Query::new();
        q.push("symbol", symbol)
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC")
            .push("quantity", "1")
            .push("price", "0.1")
            .push("recvWindow", 5000)
            .push("timestamp", 1499827319559u64);
        q
    }

    #[test]
    fn b1_spot_post_order() {
        let q = limit_order("LTCBTC");
        assert_eq!(
            q.as_str(),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        );
        // All in the query or all in the body: the same prehash.
        let expected = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
        assert_eq!(signature(SPOT_SECRET, q.as_str(), ""), expected);
        assert_eq!(signature(SPOT_SECRET, "", q.as_str()), expected);
    }

    #[test]
    fn b2_non_ascii_symbol_is_signed_percent_encoded() {
        let q = limit_order("１２３４５６");
        assert!(q
            .as_str()
            .starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"));
        assert_eq!(
            signature(SPOT_SECRET, q.as_str(), ""),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        );
    }

    #[test]
    fn b3_mixed_query_and_body_join_without_ampersand() {
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            prehash(query, body),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        );
        assert_eq!(
            signature(SPOT_SECRET, query, body),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn b4_spot_get_order() {
        assert_eq!(
            signature(
                SPOT_SECRET,
                "symbol=BTCUSDT&orderId=12345&recvWindow=5000&timestamp=1700000000000",
                ""
            ),
            "4dac6a9e88a0b8ee48458050696ec45cb73f6adad35eb4550d1fc0315e810d0e"
        );
    }

    #[test]
    fn f1_futures_post_order_query_or_body() {
        let p = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
        let expected = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";
        assert_eq!(signature(FUT_SECRET, p, ""), expected);
        assert_eq!(signature(FUT_SECRET, "", p), expected);
    }

    #[test]
    fn f2_mixed_uses_the_recomputed_value_not_the_docs_typo() {
        let query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943";
        let sig = signature(FUT_SECRET, query, body);
        assert_eq!(sig, "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4");
        // The value printed in the docs only comes out with a stray space (binance.md §2, F2).
        assert_ne!(sig, "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2");
    }

    #[test]
    fn f3_futures_get_position_risk() {
        assert_eq!(
            signature(FUT_SECRET, "symbol=BTCUSDT&recvWindow=5000&timestamp=1700000000000", ""),
            "64889a2b2c900fffe953f155a062824d104c89a32651be6f0a54638752552ce9"
        );
    }

    #[test]
    fn f4_futures_post_leverage_form_body() {
        assert_eq!(
            signature(FUT_SECRET, "", "symbol=BTCUSDT&leverage=10&timestamp=1700000000000"),
            "6c05fc83a28788ea5e945d4c77c96ee009efd305c9ce0a15e51e711781d6ed4c"
        );
    }
}
