//! Command-line syntax (clap derive). Parsing failures are usage errors: clap prints them and
//! exits with code 2.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use exch::{MarketKind, OrderType, PositionSide, Side, Symbol, TimeInForce, Venue};

use crate::time;

/// Unified crypto-exchange client: market data, trading and account queries, the same on every venue.
#[derive(Debug, Parser)]
#[command(name = "exch", version, propagate_version = true)]
#[command(
    after_help = "Start with `exch demo`: a tour of the unified API on simulated venues, no keys, no network.\n\
Credentials: EXCH_<VENUE>_API_KEY, EXCH_<VENUE>_API_SECRET, EXCH_<VENUE>_PASSPHRASE.\n\
Exit codes: 0 ok, 1 venue error, 2 usage or configuration error."
)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct Global {
    /// Print JSON (the unified model) instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Talk to the venue's testnet.
    #[arg(long, global = true)]
    pub testnet: bool,
    /// Point the venue at a compatible server: `URL` for every API of the venue, or `API=URL` for one
    /// (e.g. `futures=http://127.0.0.1:8080`). Repeatable.
    #[arg(long, global = true, value_name = "[API=]URL", value_parser = parse_base_url)]
    pub base_url: Vec<(String, String)>,
    /// Run against the venue's simulator, started in-process on 127.0.0.1 (no keys, no network).
    #[arg(long, global = true)]
    pub sim: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guided tour of the unified API on every implemented venue, against simulated venues
    /// started in-process: no keys, no network.
    Demo,
    /// Markets with their precision and limits (one market when SYMBOL is given).
    Markets {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// Only this market.
        #[arg(value_parser = parse_symbol)]
        symbol: Option<Symbol>,
        /// Only spot or only perpetual markets (default: every kind the venue trades).
        #[arg(long, value_enum)]
        market: Option<MarketArg>,
    },
    /// 24 h ticker of SYMBOL, or of every market of --market when SYMBOL is omitted.
    Ticker {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
        #[arg(value_parser = parse_symbol)]
        symbol: Option<Symbol>,
        /// Which markets to list when SYMBOL is omitted.
        #[arg(long, value_enum, default_value_t = MarketArg::Spot)]
        market: MarketArg,
    },
    /// Order book snapshot.
    Book {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
        #[arg(value_parser = parse_symbol)]
        symbol: Symbol,
        /// Levels per side.
        #[arg(long, default_value_t = 10)]
        depth: usize,
    },
    /// Recent public trades.
    Trades {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
        #[arg(value_parser = parse_symbol)]
        symbol: Symbol,
        /// How many trades.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Candles; with --since, downloads any range page by page (with a progress bar on a terminal).
    Candles(CandlesArgs),
    /// Non-zero balances.
    Balances {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// Which wallet.
        #[arg(long, value_enum, default_value_t = MarketArg::Spot)]
        account: MarketArg,
    },
    /// Open perpetual positions.
    Positions {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// Only this perpetual.
        #[arg(value_parser = parse_symbol)]
        symbol: Option<Symbol>,
    },
    /// Open orders (or, with --history, recent orders of SYMBOL).
    Orders {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// Only this market (required with --history on most venues).
        #[arg(value_parser = parse_symbol)]
        symbol: Option<Symbol>,
        /// Which markets when SYMBOL is omitted.
        #[arg(long, value_enum, default_value_t = MarketArg::Spot)]
        market: MarketArg,
        /// Closed and open orders instead of open orders only.
        #[arg(long)]
        history: bool,
    },
    /// Place, cancel or look up orders.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Turn a raw venue payload (stdin) into the unified JSON model.
    Decode(DecodeArgs),
    /// Live market data over the venue's WebSocket: one line per event until --count or Ctrl-C.
    Watch(WatchArgs),
}

/// `exch watch`.
#[derive(Debug, Args)]
#[command(
    after_help = "Data lines go to stdout; connection states (`* connected`, `* reconnecting`, \
`* resynced`) and stream errors (`! ...`) to stderr. With --json every event is one JSON object per line \
on stdout, states and errors included.\n\
With --sim a scripted market (not real data) moves the symbol on the in-process simulator every --tick ms."
)]
pub struct WatchArgs {
    /// The venue.
    #[command(flatten)]
    pub venue: VenueArg,
    /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
    #[arg(value_parser = parse_symbol)]
    pub symbol: Symbol,
    /// What to watch.
    #[arg(long, short = 'c', value_enum, default_value_t = ChannelArg::Ticker)]
    pub channel: ChannelArg,
    /// Candle interval (with --channel candles): 1m, 5m, 1h, ...
    #[arg(long, short = 'i', default_value = "1m", value_parser = parse_interval)]
    pub interval: exch::Interval,
    /// Book levels printed per side (with --channel book); the full book is kept locally.
    #[arg(long, default_value_t = 5)]
    pub depth: usize,
    /// Stop after this many data events (state events do not count).
    #[arg(long, short = 'n')]
    pub count: Option<usize>,
    /// With --sim: milliseconds between the scripted market's moves (default 1000).
    #[arg(long, value_name = "MS")]
    pub tick: Option<u64>,
}

/// The channels of `exch watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// The order book: a snapshot, then updates of the local book.
    Book,
    /// Public trades.
    Trades,
    /// 24 h ticker updates.
    Ticker,
    /// Candles of --interval (the forming bar as it changes).
    Candles,
}

/// `--venue V`.
#[derive(Debug, Clone, Args)]
pub struct VenueArg {
    /// The venue: binance, okx, bingx, ...
    #[arg(long, short = 'v', value_parser = parse_venue)]
    pub venue: Venue,
}

/// Spot or perpetual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MarketArg {
    /// Spot markets (the spot wallet).
    Spot,
    /// USDT-margined perpetual swaps (the derivatives wallet).
    Perp,
}

impl MarketArg {
    /// The core market kind.
    pub fn kind(self) -> MarketKind {
        match self {
            MarketArg::Spot => MarketKind::Spot,
            MarketArg::Perp => MarketKind::LinearPerpetual,
        }
    }
}

/// `exch candles`.
#[derive(Debug, Args)]
pub struct CandlesArgs {
    /// The venue.
    #[command(flatten)]
    pub venue: VenueArg,
    /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
    #[arg(value_parser = parse_symbol)]
    pub symbol: Symbol,
    /// Bar interval: 1m, 5m, 15m, 1h, 4h, 1d, 1w, 1M, ...
    #[arg(long, short = 'i', default_value = "1h", value_parser = parse_interval)]
    pub interval: exch::Interval,
    /// First open time: `2024-01-31`, `2024-01-31T12:00:00Z` or milliseconds since the epoch.
    #[arg(long, value_parser = time::parse_time)]
    pub since: Option<i64>,
    /// Last open time (inclusive; default now), same forms as --since.
    #[arg(long, value_parser = time::parse_time)]
    pub until: Option<i64>,
    /// At most this many candles.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Output format (default: a table on stdout; CSV when writing to --output).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of stdout (`.json` selects JSON, anything else CSV).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// How candles are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// A JSON array of unified candles.
    Json,
}

/// `exch order ...`.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Place an order (limit when --price is given, market otherwise).
    Place(PlaceArgs),
    /// Cancel an order by venue id or --client-id.
    Cancel(OrderRefArgs),
    /// Show one order by venue id or --client-id.
    Get(OrderRefArgs),
    /// Cancel every open order of SYMBOL.
    CancelAll {
        /// The venue.
        #[command(flatten)]
        venue: VenueArg,
        /// The market.
        #[arg(value_parser = parse_symbol)]
        symbol: Symbol,
    },
}

/// `exch order place`.
#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// The venue.
    #[command(flatten)]
    pub venue: VenueArg,
    /// `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual).
    #[arg(value_parser = parse_symbol)]
    pub symbol: Symbol,
    /// buy or sell.
    #[arg(value_enum)]
    pub side: SideArg,
    /// Quantity in base units (e.g. BTC), also on venues that trade contracts.
    pub qty: exch::Decimal,
    /// Limit price.
    #[arg(long)]
    pub price: Option<exch::Decimal>,
    /// Order type (default: limit with --price, market without).
    #[arg(long = "type", value_enum)]
    pub order_type: Option<TypeArg>,
    /// Trigger price of stop and take-profit orders.
    #[arg(long)]
    pub trigger: Option<exch::Decimal>,
    /// Time in force.
    #[arg(long, value_enum)]
    pub tif: Option<TifArg>,
    /// Only reduce a position.
    #[arg(long)]
    pub reduce_only: bool,
    /// Position side (hedge mode).
    #[arg(long, value_enum)]
    pub position_side: Option<PositionSideArg>,
    /// Client order id (one is generated when omitted).
    #[arg(long)]
    pub client_id: Option<String>,
}

/// Which order: a venue id or `--client-id`.
#[derive(Debug, Args)]
pub struct OrderRefArgs {
    /// The venue.
    #[command(flatten)]
    pub venue: VenueArg,
    /// The market.
    #[arg(value_parser = parse_symbol)]
    pub symbol: Symbol,
    /// The venue's order id.
    #[arg(required_unless_present = "client_id", conflicts_with = "client_id")]
    pub id: Option<String>,
    /// The client order id instead of the venue id.
    #[arg(long)]
    pub client_id: Option<String>,
}

/// buy / sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl From<SideArg> for Side {
    fn from(s: SideArg) -> Side {
        match s {
            SideArg::Buy => Side::Buy,
            SideArg::Sell => Side::Sell,
        }
    }
}

/// Order types on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    /// Market.
    Market,
    /// Limit (needs --price).
    Limit,
    /// Stop market (needs --trigger).
    StopMarket,
    /// Stop limit (needs --trigger and --price).
    StopLimit,
    /// Take-profit market (needs --trigger).
    TakeProfitMarket,
    /// Take-profit limit (needs --trigger and --price).
    TakeProfitLimit,
}

impl From<TypeArg> for OrderType {
    fn from(t: TypeArg) -> OrderType {
        match t {
            TypeArg::Market => OrderType::Market,
            TypeArg::Limit => OrderType::Limit,
            TypeArg::StopMarket => OrderType::StopMarket,
            TypeArg::StopLimit => OrderType::StopLimit,
            TypeArg::TakeProfitMarket => OrderType::TakeProfitMarket,
            TypeArg::TakeProfitLimit => OrderType::TakeProfitLimit,
        }
    }
}

/// Time in force on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TifArg {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// Maker only.
    PostOnly,
}

impl From<TifArg> for TimeInForce {
    fn from(t: TifArg) -> TimeInForce {
        match t {
            TifArg::Gtc => TimeInForce::Gtc,
            TifArg::Ioc => TimeInForce::Ioc,
            TifArg::Fok => TimeInForce::Fok,
            TifArg::PostOnly => TimeInForce::PostOnly,
        }
    }
}

/// long / short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PositionSideArg {
    /// Long.
    Long,
    /// Short.
    Short,
}

impl From<PositionSideArg> for PositionSide {
    fn from(s: PositionSideArg) -> PositionSide {
        match s {
            PositionSideArg::Long => PositionSide::Long,
            PositionSideArg::Short => PositionSide::Short,
        }
    }
}

/// `exch decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The venue that sent the payload.
    #[command(flatten)]
    pub venue: VenueArg,
    /// What the payload is: ticker, book, trades, candles, order, orders, balances, positions, markets.
    #[arg(long, value_parser = parse_decode_kind)]
    pub kind: exch::decode::DecodeKind,
    /// Whether the payload comes from the spot or the perpetual API.
    #[arg(long, value_enum, default_value_t = MarketArg::Spot)]
    pub market: MarketArg,
    /// The venue's raw markets payload, for payloads whose symbols and contract sizes need market data.
    #[arg(long, value_name = "FILE")]
    pub markets: Option<PathBuf>,
    /// The unified symbol of a payload that does not name its market (e.g. a book snapshot).
    #[arg(long, value_parser = parse_symbol)]
    pub symbol: Option<Symbol>,
    /// Read the payload from this file instead of stdin.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
}

fn parse_symbol(s: &str) -> Result<Symbol, String> {
    s.parse::<Symbol>().map_err(|e| e.message().to_string())
}

fn parse_venue(s: &str) -> Result<Venue, String> {
    s.parse::<Venue>().map_err(|e| {
        let names: Vec<&str> = Venue::ALL.iter().map(|v| v.as_str()).collect();
        format!("{} (one of {})", e.message(), names.join(", "))
    })
}

fn parse_interval(s: &str) -> Result<exch::Interval, String> {
    s.parse().map_err(|e: exch::Error| e.message().to_string())
}

fn parse_decode_kind(s: &str) -> Result<exch::decode::DecodeKind, String> {
    s.parse().map_err(|e: exch::Error| e.message().to_string())
}

/// `URL` (every API, stored under `*`) or `API=URL`.
fn parse_base_url(s: &str) -> Result<(String, String), String> {
    let (api, url) = match s.split_once('=') {
        Some((api, url)) if !api.contains("://") && !api.is_empty() => (api.to_string(), url.to_string()),
        _ => ("*".to_string(), s.to_string()),
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    Ok((api, url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:9").unwrap(),
            ("*".to_string(), "http://127.0.0.1:9".to_string())
        );
        assert_eq!(
            parse_base_url("futures=http://h/x?a=b").unwrap(),
            ("futures".to_string(), "http://h/x?a=b".to_string())
        );
        assert!(parse_base_url("ftp://h").is_err());
        assert!(parse_base_url("=http://h").is_err());
    }

    #[test]
    fn parses_a_place() {
        let cli = Cli::try_parse_from([
            "exch", "order", "place", "--venue", "binance", "BTC/USDT", "buy", "0.01", "--price", "50000", "--json",
        ])
        .unwrap();
        assert!(cli.global.json);
        match cli.command {
            Command::Order(OrderCommand::Place(p)) => {
                assert_eq!(p.venue.venue, Venue::Binance);
                assert_eq!(p.symbol.to_string(), "BTC/USDT");
                assert_eq!(p.side, SideArg::Buy);
                assert_eq!(p.qty.to_string(), "0.01");
                assert_eq!(p.price.map(|p| p.to_string()).as_deref(), Some("50000"));
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["exch", "ticker", "--venue", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["exch", "ticker", "--venue", "okx", "BTCUSDT"]).is_err());
        assert!(Cli::try_parse_from(["exch", "order", "cancel", "--venue", "okx", "BTC/USDT"]).is_err());
    }

    #[test]
    fn parses_a_watch() {
        let cli = Cli::try_parse_from([
            "exch",
            "watch",
            "--venue",
            "okx",
            "BTC/USDT:USDT",
            "--channel",
            "candles",
            "--interval",
            "5m",
            "--count",
            "3",
            "--sim",
            "--tick",
            "20",
        ])
        .unwrap();
        assert!(cli.global.sim);
        match cli.command {
            Command::Watch(w) => {
                assert_eq!(w.venue.venue, Venue::Okx);
                assert_eq!(w.symbol.to_string(), "BTC/USDT:USDT");
                assert_eq!(w.channel, ChannelArg::Candles);
                assert_eq!(w.interval, exch::Interval::M5);
                assert_eq!((w.count, w.tick, w.depth), (Some(3), Some(20), 5));
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["exch", "watch", "--venue", "okx", "BTC/USDT", "--channel", "quotes"]).is_err());
    }
}
