//! # exch-okx
//!
//! OKX V5 connector (SPOT and USDT-margined SWAP) for the `exch` unified API.
//!
//! * Signing: passphrase header plus `Base64(HMAC-SHA256(secret, ts + METHOD + path?query +
//!   body))` with ISO-8601 timestamps from the clock-synced server time ([`sign`]).
//! * Demo trading: `Environment::Demo` adds `x-simulated-trading: 1` ([`config`]).
//! * SWAP sizes are contracts on the wire; the unified API takes and returns base units,
//!   converting with `ctVal`, and positions report both.
//! * Errors: the `{code,msg,data}` envelope and per-order `sCode` inside HTTP 200 map through
//!   one table ([`errors`]); the timeout codes `50004`/`51149` make placement reconcile by
//!   client order id.
//! * Cancel-all is emulated (open orders, then batch cancels of at most 20) and
//!   [`Exchange::capabilities`] says so.
//! * Public streams ([`Okx::stream`], [`stream`]): tickers, trades, the 400-level `books`
//!   channel kept as a local book (`prevSeqId`/`seqId` linkage and the signed CRC-32 checksum;
//!   a gap or a bad checksum resubscribes that one book) and candles on the business endpoint;
//!   SWAP sizes converted to base units; text `ping`/`pong` heartbeat; reconnects on the
//!   `64008` service-upgrade notice.
//!
//! ```no_run
//! use exch_core::{ClientConfig, Credentials, Decimal, Environment, Exchange, OrderRequest, Side};
//! use exch_okx::Okx;
//! # async fn run() -> exch_core::Result<()> {
//! let okx = Okx::new(
//!     ClientConfig::new()
//!         .environment(Environment::Demo)
//!         .credentials(Credentials::new("key", "secret").with_passphrase("passphrase")),
//! )?;
//! let btc = "BTC/USDT:USDT".parse()?;
//! let book = okx.order_book(&btc, Some(5)).await?;
//! // 0.01 BTC (one contract of BTC-USDT-SWAP), sent as sz="1".
//! let qty = Decimal::new(1, 2);
//! let order = OrderRequest::limit(btc, Side::Buy, qty, book.bids[0].price).post_only().build()?;
//! let placed = okx.place_order(&order).await?;
//! println!("{} {:?}", placed.id, placed.status);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod errors;
pub mod parse;
pub mod rest;
pub mod sign;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stream;
pub mod symbols;
pub mod wire;

pub use crate::stream::OkxStreams;
pub use exch_core::stream::{MarketStream, StreamConfig, StreamEvent, Subscription};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use exch_core::{
    new_client_order_id, AccountKind, Balance, Candle, CandleQuery, Capabilities, ClientConfig, Error, ErrorKind,
    Exchange, Income, IncomeKind, IncomeQuery, MarginMode, Market, MarketCache, MarketKind, Order, OrderQuery,
    OrderRef, OrderRequest, OrderStatus, Position, PositionMode, PositionSide, Result, Support, Symbol, Ticker,
    TimestampMs, Trade, Venue,
};

use crate::config::OkxConfig;
use crate::rest::RestClient;
use crate::symbols::MarketMap;

/// The OKX client. Cheap to clone; clones share markets, clock and rate limits.
#[derive(Debug, Clone)]
pub struct Okx {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: OkxConfig,
    rest: RestClient,
    markets: MarketCache,
    margin_modes: Mutex<HashMap<Symbol, MarginMode>>,
    position_mode: Mutex<Option<PositionMode>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn perp_only(symbol: &Symbol, what: &str) -> Result<()> {
    if symbol.kind() == MarketKind::LinearPerpetual {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::BadSymbol,
            format!("{what} applies to USDT-margined perpetuals, not {symbol}"),
        )
        .with_venue(Venue::Okx))
    }
}

/// Checks an OKX client order id: 1 to 32 ASCII letters and digits.
pub fn check_client_order_id(id: &str) -> Result<()> {
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::BadRequest,
            format!("OKX client order ids are 1-32 letters and digits, not `{id}`"),
        )
        .with_venue(Venue::Okx))
    }
}

impl Okx {
    /// A client for `config`: OKX has production and demo (`Environment::Demo`, the
    /// `x-simulated-trading: 1` header); the base URL is overridden with
    /// `ClientConfig::base_url("rest", url)` (or `"*"`). Credentials need a passphrase.
    pub fn new(config: ClientConfig) -> Result<Okx> {
        let config = OkxConfig::from_client(config)?;
        let rest = RestClient::new(&config)?;
        Ok(Okx {
            inner: Arc::new(Inner {
                markets: MarketCache::from_config(&config.client),
                config,
                rest,
                margin_modes: Mutex::new(HashMap::new()),
                position_mode: Mutex::new(None),
            }),
        })
    }

    /// The resolved configuration.
    pub fn config(&self) -> &OkxConfig {
        &self.inner.config
    }

    fn rest(&self) -> &RestClient {
        &self.inner.rest
    }

    async fn load(&self, kind: MarketKind) -> Result<Vec<Market>> {
        let rows: Vec<wire::Instrument> = self.rest().call(&rest::instruments(kind)).await?;
        Ok(parse::markets(&rows)?.into_iter().filter(|m| m.kind == kind).collect())
    }

    async fn market_of(&self, symbol: &Symbol) -> Result<Market> {
        if symbol.kind() == MarketKind::InversePerpetual {
            return Err(Error::new(
                ErrorKind::BadSymbol,
                format!("inverse swaps such as {symbol} are out of scope"),
            )
            .with_venue(Venue::Okx));
        }
        self.inner
            .markets
            .resolve(symbol, || self.load(symbol.kind()))
            .await
            .map_err(|e| e.with_venue(Venue::Okx))
    }

    /// The stream protocol for `subs`: loads the markets of their kinds (SPOT, SWAP) and
    /// resolves the WebSocket URLs of this client's configuration. Use it to adjust the
    /// protocol (e.g. [`OkxStreams::with_heartbeat`]) before [`exch_core::stream::subscribe`].
    pub async fn stream_protocol(&self, subs: &[Subscription]) -> Result<OkxStreams> {
        let mut kinds: Vec<MarketKind> = subs.iter().map(|s| s.symbol.kind()).collect();
        kinds.sort_by_key(|k| symbols::inst_type(*k));
        kinds.dedup();
        let mut map = MarketMap::default();
        for kind in kinds {
            map.extend(self.markets(kind).await?);
        }
        OkxStreams::new(self.config(), map)
    }

    /// Subscribes to public market data: tickers, trades, books (local 400-level book with
    /// sequence and checksum checks) and candles, for SPOT and SWAP symbols, with quantities
    /// in base units. Fails at once for an unknown symbol or an unsupported channel; later
    /// failures arrive as events while the stream reconnects. See [`stream`].
    pub async fn stream(
        &self,
        subs: impl IntoIterator<Item = Subscription>,
        config: StreamConfig,
    ) -> Result<MarketStream> {
        let subs: Vec<Subscription> = subs.into_iter().collect();
        let protocol = self.stream_protocol(&subs).await?;
        exch_core::stream::subscribe(Arc::new(protocol), subs, config).map_err(|e| e.with_venue(Venue::Okx))
    }

    async fn market_map(&self, kind: MarketKind) -> Result<MarketMap> {
        let set = self.inner.markets.get_or_load(kind, || self.load(kind)).await?;
        Ok(MarketMap::new(set.markets().to_vec()))
    }

    fn margin_mode_of(&self, symbol: &Symbol) -> MarginMode {
        lock(&self.inner.margin_modes)
            .get(symbol)
            .copied()
            .unwrap_or(MarginMode::Cross)
    }

    /// The account's position mode (read once from `/account/config`, then cached and kept
    /// current by [`Exchange::set_position_mode`]).
    pub async fn position_mode(&self) -> Result<PositionMode> {
        if let Some(m) = *lock(&self.inner.position_mode) {
            return Ok(m);
        }
        let rows: Vec<wire::AccountConfig> = self.rest().call(&rest::account_config()).await?;
        let mode = parse::position_mode(&rows)?;
        *lock(&self.inner.position_mode) = Some(mode);
        Ok(mode)
    }

    /// One algo order (stop, take-profit, trailing) by algo id or algo client id.
    pub async fn algo_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let m = self.market_of(symbol).await?;
        let rows: Vec<wire::AlgoOrder> = self.rest().call(&rest::get_algo_order(order)).await?;
        let row = rows.first().ok_or_else(|| not_found(order))?;
        parse::algo_order(row, &m)
    }

    async fn regular_order(&self, m: &Market, order: &OrderRef) -> Result<Order> {
        let rows: Vec<wire::Order> = self.rest().call(&rest::get_order(&m.venue_symbol, order)).await?;
        let row = rows.first().ok_or_else(|| not_found(order))?;
        parse::order(row, m)
    }

    async fn send_order(&self, req: &OrderRequest, m: &Market, cid: &str) -> Result<Order> {
        let r = rest::place_order(req, m, cid, self.margin_mode_of(&req.symbol))?;
        let acks: Vec<wire::OrderAck> = self.rest().call(&r).await?;
        let label = r.endpoint.label();
        let ack = acks.first().ok_or_else(|| {
            Error::new(ErrorKind::UnknownOutcome, "OKX acknowledged the order without data")
                .with_venue(Venue::Okx)
                .with_endpoint(label.clone())
                .with_outcome_unknown(true)
        })?;
        if let Some(e) = parse::ack_error(ack, &label) {
            return Err(e);
        }
        let placed = parse::order_from_ack(ack, req, m);
        if req.order_type.is_conditional() {
            return Ok(placed);
        }
        // OKX acknowledges a placement with ids only: read the order back so that a market or
        // IOC order that already filled is reported as filled, not as resting. The order is
        // live either way, so a failed read returns the acknowledgement.
        match self.regular_order(m, &OrderRef::Id(placed.id.clone())).await {
            Ok(order) => Ok(order),
            Err(e) => {
                tracing::debug!(error = %e, "order read-back after placement failed; returning the acknowledgement");
                Ok(placed)
            }
        }
    }

    async fn open_orders_of(&self, inst_id: Option<&str>, kind: MarketKind) -> Result<Vec<Order>> {
        let mm = self.market_map(kind).await?;
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows: Vec<wire::Order> = self
                .rest()
                .call(&rest::open_orders(inst_id, kind, after.as_deref()))
                .await?;
            for r in &rows {
                if let Ok(m) = mm.by_inst_id(&r.inst_id) {
                    out.push(parse::order(r, m)?);
                }
            }
            match rows.last() {
                Some(last) if rows.len() >= rest::PAGE_MAX => after = Some(last.ord_id.clone()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn history_of(&self, kind: MarketKind, inst_id: Option<&str>, q: &OrderQuery) -> Result<Vec<Order>> {
        let mm = self.market_map(kind).await?;
        let want = q.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        while out.len() < want {
            let req = rest::order_history(kind, inst_id, q.since, q.until, after.as_deref(), rest::PAGE_MAX);
            let rows: Vec<wire::Order> = self.rest().call(&req).await?;
            for r in &rows {
                if let Ok(m) = mm.by_inst_id(&r.inst_id) {
                    out.push(parse::order(r, m)?);
                }
            }
            match rows.last() {
                Some(last) if rows.len() >= rest::PAGE_MAX => after = Some(last.ord_id.clone()),
                _ => break,
            }
        }
        Ok(out)
    }
}

fn not_found(order: &OrderRef) -> Error {
    Error::new(ErrorKind::OrderNotFound, format!("no OKX order with {order}")).with_venue(Venue::Okx)
}

#[async_trait]
impl Exchange for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }

    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::all_native(Venue::Okx, vec![MarketKind::Spot, MarketKind::LinearPerpetual]);
        // No cancel-all endpoint for spot and swaps: open orders, then batches of 20.
        c.cancel_all_orders = Support::Emulated;
        // No margin-mode setting: the mode is `tdMode` on each order, recorded per symbol.
        c.set_margin_mode = Support::Emulated;
        // A reduce-only market order for the position's size (it returns the order).
        c.close_position = Support::Emulated;
        c
    }

    async fn server_time(&self) -> Result<TimestampMs> {
        parse::server_time(&self.rest().call(&rest::server_time()).await?)
    }

    async fn markets(&self, kind: MarketKind) -> Result<Vec<Market>> {
        if kind == MarketKind::InversePerpetual {
            return Err(Error::unsupported(Venue::Okx, "inverse perpetual markets"));
        }
        let set = self.inner.markets.get_or_load(kind, || self.load(kind)).await?;
        Ok(set.markets().to_vec())
    }

    async fn market(&self, symbol: &Symbol) -> Result<Market> {
        self.market_of(symbol).await
    }

    async fn ticker(&self, symbol: &Symbol) -> Result<Ticker> {
        let m = self.market_of(symbol).await?;
        let rows: Vec<wire::Ticker> = self.rest().call(&rest::ticker(&m.venue_symbol)).await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::new(ErrorKind::Decode, "empty ticker").with_venue(Venue::Okx))?;
        Ok(parse::ticker(row, &m))
    }

    async fn tickers(&self, kind: MarketKind) -> Result<Vec<Ticker>> {
        let mm = self.market_map(kind).await?;
        let rows: Vec<wire::Ticker> = self.rest().call(&rest::tickers(kind)).await?;
        Ok(rows
            .iter()
            .filter_map(|t| mm.by_inst_id(&t.inst_id).ok().map(|m| parse::ticker(t, m)))
            .collect())
    }

    async fn order_book(&self, symbol: &Symbol, depth: Option<usize>) -> Result<exch_core::OrderBook> {
        let m = self.market_of(symbol).await?;
        let req = rest::order_book(&m.venue_symbol, depth);
        self.rest()
            .call_with(&req, |label, status, body| {
                parse::order_book_reply(label, status, body, &m)
            })
            .await
    }

    async fn trades(&self, symbol: &Symbol, limit: Option<usize>) -> Result<Vec<Trade>> {
        let m = self.market_of(symbol).await?;
        let req = rest::trades(&m.venue_symbol, limit);
        self.rest()
            .call_with(&req, |label, status, body| parse::trades_reply(label, status, body, &m))
            .await
    }

    async fn candles(&self, q: &CandleQuery) -> Result<Vec<Candle>> {
        let m = self.market_of(&q.symbol).await?;
        rest::bar(q.interval)?;
        let now = self.rest().clock().now_ms();
        let range = rest::candle_range(q, now);
        let (inst, interval) = (m.venue_symbol.clone(), q.interval);
        exch_core::paginate::candles(
            range,
            rest::CANDLE_PAGING,
            |t| rest::candle_page_max(interval, t, now),
            |w| {
                let (inst, m) = (inst.clone(), &m);
                async move {
                    let req = rest::candle_window(&inst, interval, w, now)?;
                    let rows: Vec<wire::CandleRow> = self.rest().call(&req).await?;
                    parse::candles(&rows, m)
                }
            },
        )
        .await
    }

    async fn place_order(&self, request: &OrderRequest) -> Result<Order> {
        let m = self.market_of(&request.symbol).await?;
        m.validate(request, None).map_err(|e| e.with_venue(Venue::Okx))?;
        let cid = match &request.client_order_id {
            Some(c) => {
                check_client_order_id(c)?;
                c.clone()
            }
            None => new_client_order_id(),
        };
        let mut req = request.clone();
        req.client_order_id = Some(cid.clone());
        let algo = req.order_type.is_conditional();
        exch_core::order::place_reconciled(&cid, self.send_order(&req, &m, &cid), || {
            let (m, cid, symbol) = (&m, cid.clone(), req.symbol.clone());
            async move {
                if algo {
                    self.algo_order(&symbol, &OrderRef::Client(cid)).await
                } else {
                    self.regular_order(m, &OrderRef::Client(cid)).await
                }
            }
        })
        .await
    }

    async fn cancel_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let m = self.market_of(symbol).await?;
        let r = rest::cancel_order(&m.venue_symbol, order)?;
        let regular: Result<Vec<wire::OrderAck>> = self.rest().call(&r).await;
        match regular {
            Ok(acks) => {
                if let Some(e) = acks.first().and_then(|a| parse::ack_error(a, &r.endpoint.label())) {
                    return Err(e);
                }
                self.regular_order(&m, order).await
            }
            Err(e) if e.kind() == ErrorKind::OrderNotFound => {
                // Not a regular order: maybe an algo order (stop, take-profit, trailing).
                let acks: Vec<wire::OrderAck> =
                    match self.rest().call(&rest::cancel_algo(&m.venue_symbol, order)?).await {
                        Ok(a) => a,
                        Err(_) => return Err(e),
                    };
                if acks
                    .first()
                    .and_then(|a| parse::ack_error(a, "POST /api/v5/trade/cancel-algos"))
                    .is_some()
                {
                    return Err(e);
                }
                self.algo_order(symbol, order).await
            }
            Err(e) => Err(e),
        }
    }

    async fn cancel_all_orders(&self, symbol: &Symbol) -> Result<Vec<Order>> {
        let m = self.market_of(symbol).await?;
        let open = self.open_orders_of(Some(&m.venue_symbol), m.kind).await?;
        let refs: Vec<OrderRef> = open.iter().map(|o| OrderRef::Id(o.id.clone())).collect();
        let inst = m.venue_symbol.clone();
        let acks = exch_core::batch::in_batches(&refs, rest::CANCEL_BATCH_MAX, |chunk| {
            let inst = inst.clone();
            async move {
                let r = rest::cancel_batch(&inst, &chunk)?;
                self.rest().call::<wire::OrderAck>(&r).await
            }
        })
        .await?;
        let cancelled: std::collections::HashSet<&str> = acks
            .iter()
            .filter(|a| a.s_code == "0" || a.s_code.is_empty())
            .map(|a| a.ord_id.as_str())
            .collect();
        Ok(open
            .into_iter()
            .filter(|o| cancelled.contains(o.id.as_str()))
            .map(|mut o| {
                o.status = OrderStatus::Canceled;
                o
            })
            .collect())
    }

    async fn order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let m = self.market_of(symbol).await?;
        match self.regular_order(&m, order).await {
            Err(e) if e.kind() == ErrorKind::OrderNotFound => self.algo_order(symbol, order).await.map_err(|_| e),
            r => r,
        }
    }

    async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> Result<Vec<Order>> {
        match symbol {
            Some(s) => {
                let m = self.market_of(s).await?;
                self.open_orders_of(Some(&m.venue_symbol), m.kind).await
            }
            None => self.open_orders_of(None, kind).await,
        }
    }

    async fn order_history(&self, query: &OrderQuery) -> Result<Vec<Order>> {
        let mut out = match &query.symbol {
            Some(s) => {
                let m = self.market_of(s).await?;
                let mut v = self.history_of(m.kind, Some(&m.venue_symbol), query).await?;
                v.extend(self.open_orders_of(Some(&m.venue_symbol), m.kind).await?);
                v
            }
            None => {
                let mut v = Vec::new();
                for kind in [MarketKind::Spot, MarketKind::LinearPerpetual] {
                    v.extend(self.history_of(kind, None, query).await?);
                    v.extend(self.open_orders_of(None, kind).await?);
                }
                v
            }
        };
        out.retain(|o| {
            let t = o.created_at.unwrap_or(0);
            query.since.is_none_or(|s| t >= s) && query.until.is_none_or(|u| t <= u)
        });
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        out.dedup_by(|a, b| a.id == b.id);
        if let Some(l) = query.limit {
            let excess = out.len().saturating_sub(l);
            out.drain(..excess);
        }
        Ok(out)
    }

    async fn balances(&self, _account: AccountKind) -> Result<Vec<Balance>> {
        // Spot and swaps share OKX's trading account.
        Ok(parse::balances(&self.rest().call(&rest::balance()).await?))
    }

    async fn positions(&self, symbol: Option<&Symbol>) -> Result<Vec<Position>> {
        let inst = match symbol {
            Some(s) => {
                perp_only(s, "positions")?;
                Some(self.market_of(s).await?.venue_symbol)
            }
            None => None,
        };
        let mm = self.market_map(MarketKind::LinearPerpetual).await?;
        let rows: Vec<wire::Position> = self.rest().call(&rest::positions(inst.as_deref())).await?;
        parse::positions(&rows, &mm)
    }

    async fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<()> {
        perp_only(symbol, "leverage")?;
        let m = self.market_of(symbol).await?;
        let margin = self.margin_mode_of(symbol);
        let sides: Vec<Option<PositionSide>> =
            if margin == MarginMode::Isolated && self.position_mode().await? == PositionMode::Hedge {
                vec![Some(PositionSide::Long), Some(PositionSide::Short)]
            } else {
                vec![None]
            };
        for side in sides {
            let _: Vec<serde_json::Value> = self
                .rest()
                .call(&rest::set_leverage(&m.venue_symbol, leverage, margin, side)?)
                .await?;
        }
        Ok(())
    }

    async fn set_margin_mode(&self, symbol: &Symbol, mode: MarginMode) -> Result<()> {
        perp_only(symbol, "margin mode")?;
        self.market_of(symbol).await?;
        lock(&self.inner.margin_modes).insert(symbol.clone(), mode);
        Ok(())
    }

    async fn set_position_mode(&self, mode: PositionMode) -> Result<()> {
        let _: Vec<serde_json::Value> = self.rest().call(&rest::set_position_mode(mode)?).await?;
        *lock(&self.inner.position_mode) = Some(mode);
        Ok(())
    }

    async fn income(&self, q: &IncomeQuery) -> Result<Vec<Income>> {
        let bill_type = match &q.kind {
            None => None,
            Some(IncomeKind::Funding) => Some("8".to_string()),
            Some(IncomeKind::Transfer) => Some("1".to_string()),
            // Trade bills carry both the realized PnL and the fee.
            Some(IncomeKind::RealizedPnl | IncomeKind::Fee) => Some("2".to_string()),
            Some(IncomeKind::Other(code)) => Some(code.clone()),
        };
        let inst = match &q.symbol {
            Some(s) => Some(self.market_of(s).await?.venue_symbol),
            None => None,
        };
        let mm = self.market_map(MarketKind::LinearPerpetual).await?;
        let want = q.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        while out.len() < want {
            let req = rest::bills(
                bill_type.as_deref(),
                inst.as_deref(),
                q.since,
                q.until,
                after.as_deref(),
                rest::PAGE_MAX,
            );
            let rows: Vec<wire::Bill> = self.rest().call(&req).await?;
            for b in &rows {
                match &q.kind {
                    Some(k) => out.extend(parse::income_of_kind(b, &mm, k)?),
                    None => out.push(parse::income(b, &mm)?),
                }
            }
            match rows.last() {
                Some(last) if rows.len() >= rest::PAGE_MAX => after = Some(last.bill_id.clone()),
                _ => break,
            }
        }
        out.truncate(want);
        out.sort_by_key(|i| i.timestamp);
        Ok(out)
    }
}
