#pragma once
// Markets: listed firms whose market capitalisations follow factors driven by investors'
// beliefs about AI compute demand, plus correlated noise. Investors learn from the model's own
// events — how much compute released models needed, what adopters pay, how much China buys at
// home — so a repricing such as the one of 2025-01-27 comes out of the mechanism; no scenario
// writes a price. docs/model.md §3.3.7 "Markets" gives the equations, parameters and sources.

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "agents/exchanges.hpp"
#include "sim/core/params.hpp"
#include "sim/core/random.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// Random streams (sim/core/random.hpp): factor (entity 0) and firm (entity 1 + firm) noise per
// trading day.
inline constexpr Stream kMarketsStream{6};

// The factors firms are exposed to, in this order everywhere (loadings, correlation matrix).
enum class Factor : std::size_t { compute, margins, china_substitution, market };
inline constexpr std::size_t kFactorCount = 4;
inline constexpr std::array<const char*, kFactorCount> kFactorNames = {
    "compute", "margins", "china_substitution", "market"};

// A listed firm: its value at the start date and its exposures (loadings) to the factors.
struct FirmSpec {
  std::string id;
  std::string name;
  EntityRef country;
  Exchange exchange = Exchange::weekdays;    // where its price is quoted (its trading days)
  bool in_index = false;                     // member of the US index (a Nasdaq-100-like sum)
  double market_cap_usd = 0.0;               // USD at the start date
  double compute_exposure = 0.0;             // d ln cap / d compute factor
  double margins_exposure = 0.0;             // d ln cap / d margins factor
  double china_substitution_exposure = 0.0;  // d ln cap / d substitution factor
  double market_exposure = 1.0;              // d ln cap / d broad-market factor
  double idiosyncratic_volatility_per_year = 0.25;  // 1/sqrt(year), firm-specific noise
  double tail_dof = 0.0;  // Student-t degrees of freedom of that noise's innovations (0: normal)
  // docs/model.md §"Markets: earnings days": a trading day on which the market priced one of its
  // quarterly reports (the next recur every 3 months from it, before and after), and the sd of
  // the ln move a report brings beyond the day's noise (0: no earnings days)
  Date earnings_day = Date::from_ymd(9999, 12, 31);
  double earnings_day_volatility = 0.0;  // ln
  // docs/model.md §"Markets: firms": its first trading day, for a firm listed after the start (no
  // price before it); the default, before any run's start, is a firm listed all along
  Date listed = Date::from_ymd(1900, 1, 1);
  // largest daily move of its close (fraction; 0: none; NaN: its exchange's rule,
  // exchange_daily_price_limit)
  double daily_price_limit = std::numeric_limits<double>::quiet_NaN();
  // docs/model.md §"Markets: earnings anchor" (net_margin 0: no anchor, the factor formula alone)
  std::vector<EntityRef> producers;         // producers[] whose sales carry the firm's revenue
  double share_of_producer_sales = 1.0;     // USD/USD: 1, the designer's own; a supplier's content
  double attached_revenue_per_chip_usd = 0.0;  // USD per USD of its producers' chip sales
  double revenue_usd_per_year = 0.0;        // USD/year, the rest of its business at the start
  double revenue_growth_per_year = 0.0;     // ln/year, growth of that rest
  double revenue_growth_at_start_per_year = 0.0;  // ln/year, growth investors saw at the start
  double net_margin = 0.0;                  // fraction, net income per USD of revenue
  std::string source;
  SourceLocation where;
};

// A decision of the central bank on its policy rate: an exogenous input that moves the broad
// market by its surprise (docs/model.md §"Markets: prices").
struct RateChange {
  std::string id;
  Date date = Date::from_ymd(9999, 12, 31);
  double percent = 0.0;  // percent per year, from this date on
  // percent per year: the rate the market expected of this decision the day before (fed funds
  // futures); NaN: the decision was fully expected (expected_percent = percent)
  double expected_percent = std::numeric_limits<double>::quiet_NaN();
  std::string source;
  SourceLocation where;
  double expected() const { return std::isnan(expected_percent) ? percent : expected_percent; }
};

// Parameters of investors and prices (scenario section `market_model`).
struct MarketModelParams {
  // beliefs about algorithmic efficiency (log10 effective FLOP per physical FLOP)
  double efficiency_trend_per_year = 2.8;       // x/year investors expect
  double efficiency_prior_sd = 0.3;             // log10, uncertainty at the start
  double efficiency_process_sd_per_year = 0.2;  // log10/sqrt(year), how fast it regrows
  double growth_prior_sd = 0.2;                 // log10/year, uncertainty about a lab's pace
  double growth_process_sd_per_year = 0.1;      // log10/year/sqrt(year), drift of that pace
  double open_observation_sd = 0.15;            // log10, what an open release reveals
  double closed_observation_sd = 0.6;           // log10, a closed release's unverifiable claims
  double salience_log10 = 0.3;                  // log10 FLOP behind the frontier: attention / e
  // docs/model.md §"Markets: beliefs": Student-t degrees of freedom of the noise investors assign
  // to what a release reveals (0: normal); a claim far out of line is partly discounted
  double observation_tail_dof = 0.0;
  double belief_half_life_years = 1.0;          // years for a surprise to fade into the trend
  // docs/model.md §"Markets: beliefs": the trend grows at the pace investors have learned of the
  // lab that holds the frontier belief (true), or at efficiency_trend_per_year (false)
  bool trend_learns_pace = false;
  // investor types
  double fundamental_share = 0.6;          // fraction of the market's weight
  double jevons_share = 0.25;              // fraction: cheaper AI raises total demand
  double trend_share = 0.15;               // fraction: follow recent moves
  double compute_demand_elasticity = 1.0;  // fundamental: ln demand per ln compute needed
  double jevons_elasticity = 0.6;          // Jevons: ln demand per ln efficiency surprise
  double jevons_half_life_days = 3.0;      // days, how slowly Jevons investors come round
  int64_t trend_window_days = 5;           // trading days of momentum
  double trend_strength = 1.0;             // ln value per ln move over the window
  // observed fundamentals
  double spend_smoothing_years = 0.5;  // years, averaging of observed AI chip spending
  double margin_news_days = 0.0;  // days over which an observed API margin is taken in (0: at once)
  // days over which an observed change of China's domestic share is taken in (0: at once)
  double substitution_news_days = 0.0;
  double spend_elasticity = 1.0;       // ln expected demand per ln observed spending
  // noise
  double market_drift_per_year = 0.07;         // 1/year, ln broad market
  std::vector<RateChange> policy_rates;        // dated, in date order
  double rate_sensitivity = 0.0;               // ln broad market per percentage point of the rate
  double rate_effect_half_life_years = 100.0;  // years for the effect of a change to fade
  double rate_expectation_days = 45.0;         // days before a decision over which it is priced in
  std::array<double, kFactorCount> factor_volatility_per_year = {0.25, 0.15, 0.1, 0.18};
  double factor_tail_dof = 0.0;  // Student-t degrees of freedom of factor noise (0: normal)
  double sentiment_half_life_years = 100.0;  // years for noise (factor and firm) to revert halfway
  // docs/model.md §"Markets: prices": the share of each noise's daily variance that reverts
  // within months (the daily arrival of cash-flow news the earnings anchor takes in over months)
  double transitory_noise_share = 0.0;     // fraction, [0, 1); 0: one process, as before
  double transitory_half_life_days = 60.0;  // days (on the noise's clock) for it to revert halfway
  // docs/model.md §"Markets: prices": noise accrues over calendar days (false) or over weekdays
  // only (true: a Monday carries one weekday of it, not three days)
  bool noise_per_weekday = false;
  std::vector<std::vector<double>> factor_correlation;  // kFactorCount rows; empty: identity
  // attention (docs/model.md §"Markets: attention"); word of mouth 0: priced on the release day
  double attention_word_of_mouth_per_day = 0.0;  // 1/day, a frontier release's spread
  double attention_press_unknown_per_day = 0.01;  // 1/day, press rate of a lab nobody uses
  double attention_press_leader_per_day = 1.0;    // 1/day, press rate of the most-used lab
  // true: the press investors read is the index's country's, which covers a lab by its users
  // there; false: by its users in all countries
  bool attention_press_index_country = false;
  // fraction: weight in beliefs of a release of a lab nobody uses, against the most-used lab's
  // (1: adoption does not weigh releases)
  double attention_unused_weight = 1.0;
  // earnings anchor (docs/model.md §"Markets: earnings anchor")
  double equity_risk_premium = 0.0424;  // fraction/year, over the risk-free rate
  double long_run_growth_per_year = 0.04;  // ln/year, earnings growth expected in the long run
  double growth_fade_years = 2.0;  // years over which a firm's excess growth is expected to last
  int64_t drawdown_window_days = 20;  // trading days after a release over which drawdowns count
  SourceLocation where;               // of the section, for messages
  SourceLocation correlation_where;   // of factor_correlation
};

const Schema<FirmSpec>& firm_schema();
const Schema<RateChange>& rate_change_schema();
// The policy rate in force on a date (percent), NaN before the first change.
double policy_rate_percent(const std::vector<RateChange>& changes, Date date);
// docs/model.md §"Markets: prices": the policy rate the market has priced in on a date
// (percent/year). Over the `expectation_days` before a decision (or from the previous decision,
// if later) it moves in proportion to the days passed from the rate in force to the rate
// expected of the decision; on a decision's date it is the rate decided, so that day prices
// only the surprise. NaN before the first change.
double priced_policy_rate_percent(const std::vector<RateChange>& changes, Date date,
                                  double expectation_days);
const Schema<MarketModelParams>& market_model_schema();

// Resolved for a run.
struct MarketsSetup {
  MarketModelParams params;
  std::vector<FirmSpec> firms;
  std::size_t n_firms = 0;
  std::vector<double> loadings;  // [firm * kFactorCount + factor]
  std::array<double, kFactorCount * kFactorCount> factor_cholesky{};  // lower, row-major
  std::vector<uint8_t> in_index;                                      // [firm]
  std::vector<std::vector<std::size_t>> firm_producers;  // [firm] producer indices
  std::vector<uint8_t> anchored;                          // [firm] 1: net_margin > 0
  std::vector<double> price_limit;  // [firm] largest daily move of its close (fraction; 0: none)
  std::size_t n_labs = 0;  // labs whose efficiency investors track
  // the country (index into the scenario's countries) of most index members, the first such on
  // a tie; SIZE_MAX when no firm is in the index
  std::size_t index_country = SIZE_MAX;
  Date start;
  TradingCalendar calendar;  // each exchange's trading days from start to the scenario's end
  bool enabled() const { return n_firms > 0; }
};

MarketsSetup resolve_markets(const MarketModelParams& params, const std::vector<FirmSpec>& firms,
                             const std::vector<std::string>& country_ids, std::size_t n_labs,
                             Date start, Date end, Diagnostics& diags,
                             const std::vector<std::string>& producer_ids = {});

// What investors see of a release (from the labs' Release record).
struct ReleaseNews {
  std::size_t lab = 0;
  Date date;
  double capability = 0.0;     // log10 FLOP (effective)
  double training_flop = 0.0;  // FLOP, physical
  bool open = false;
  double post_training_gain = 1.0;  // x, compute-equivalent gain of reasoning post-training
  double attention_lag_days = 0.0;  // days from the release to the peak of its attention
  // docs/model.md §"Markets: beliefs": the attention its benchmark position drew when it came out
  // (1: at the frontier then; release_salience), which weighs it when it is priced
  double salience = 1.0;
  // docs/model.md §"Markets: attention": the weight of the release in beliefs beside its
  // salience, from its lab's adoption (1: the most-used lab's; release_attention_weight)
  double attention_weight = 1.0;
};

// What markets observe of the rest of the world on a trading day.
struct MarketInputs {
  std::span<const ReleaseNews> releases;    // since the previous trading day
  double ai_chip_spend_usd_per_year = 0.0;  // producers' revenue, last supply tick
  double api_margin = 0.0;         // API margin of closed labs, the same for all (0: no adoption)
  double cn_domestic_share = 0.0;  // fraction of China's compute on domestic chips
  std::span<const double> producer_revenue_usd_per_year;  // [producer], last supply tick
  // docs/model.md §3.3.8 "Incidents": ln of expected AI compute demand that incidents have cost
  // (0 without a safety module); subtracted from the compute factor.
  double compute_demand_loss = 0.0;
};

// Investor types, in the order of MarketState::type_belief.
enum class Investor : std::size_t { fundamental, jevons, trend };
inline constexpr std::size_t kInvestorCount = 3;

struct MarketState {
  // beliefs: each lab's algorithmic efficiency (log10 × 2022-01 algorithms) and its variance,
  // and the best of them, which sets the compute investors believe a capability needs
  std::vector<double> lab_efficiency_log10;    // [lab] level
  std::vector<double> lab_growth_log10;        // [lab] believed pace, log10/year
  std::vector<std::array<double, 3>> lab_cov;  // [lab] covariance: level², level·pace, pace²
  double efficiency_log10 = 0.0;  // max over labs: the best algorithms anyone has shown
  double efficiency_var = 0.0;    // variance of the lab that holds the max
  double trend_log10 = 0.0;       // the trend investors anchor on (log10)
  std::array<double, kInvestorCount> type_belief{};  // ln expected compute demand, by type
  // factors
  double spend_log = 0.0;  // ln observed AI chip spending, smoothed
  double spend_log0 = 0.0;
  double margin_log0 = 0.0;
  double cn_domestic0 = 0.0;
  bool observed = false;             // spending seen at least once
  bool margin_observed = false;      // an API margin seen at least once
  double margin_priced_log = 0.0;    // ln API margin investors price (taken in gradually)
  double cn_domestic_priced = 0.0;   // China's domestic share investors price (the same)
  double priced_rate_percent = 0.0;  // percent/year, the policy rate priced in (NaN: no rates)
  double rate_effect_points = 0.0;   // percentage points, priced-in rate changes, fading
  std::array<double, kFactorCount> factor{};        // factor levels
  std::array<double, kFactorCount> factor_noise{};  // correlated random walks
  // with a transitory share: the persistent and transitory parts of factor_noise (their sum)
  std::array<double, kFactorCount> factor_noise_persistent{};
  std::array<double, kFactorCount> factor_noise_transitory{};
  std::vector<double> compute_history;  // compute factor on past trading days (trend window)
  std::vector<double> idiosyncratic;    // [firm] random walks
  std::vector<double> listing_offset;   // [firm] ln: sets a firm's value to its cap at listing
  std::vector<double> idiosyncratic_persistent;  // [firm] with a transitory share: its parts
  std::vector<double> idiosyncratic_transitory;  // [firm]
  std::vector<double> log_cap;          // [firm] ln USD
  std::vector<double> daily_return;     // [firm] fraction, since the day before
  std::vector<uint8_t> trading;         // [firm] 1: its exchange is open today
  // earnings days (docs/model.md §"Markets: earnings days"), per firm: the report due next, as a
  // count of quarters from its earnings_day, and the ln move today's trading priced of reports
  std::vector<int> next_report;
  std::vector<double> earnings_move_ln;
  // earnings anchor, per firm (docs/model.md §"Markets: earnings anchor")
  bool anchor_started = false;          // the first trading day has been seen
  std::vector<double> revenue_log;      // [firm] ln USD/year, observed revenue, smoothed
  std::vector<double> expected_growth;  // [firm] ln/year, the growth investors extrapolate
  std::vector<double> start_sentiment;  // [firm] ln, value at the start above the anchor's
  std::vector<double> anchor_log_value; // [firm] ln USD, expected discounted earnings
  double index_usd = 0.0;
  double index_return = 0.0;
};

MarketState initial_market_state(const MarketsSetup& setup);

// docs/model.md §"Markets: earnings days": a firm's k-th report from its `earnings_day` (k of
// either sign; every 3 calendar months, the day of the month clamped to the month's length),
// and the count of its first report on or after `date`.
inline Date report_date(Date earnings_day, int k) { return earnings_day.plus_months(3 * k); }
int first_report_on_or_after(Date earnings_day, Date date);

// The efficiency (log10) a release reveals (its pre-training's: capability less log10 of its
// post-training gain and of its FLOP), and the weight investors give it (salience:
// near-frontier releases draw attention).
double release_efficiency_log10(const ReleaseNews& r);
double release_salience(const MarketModelParams& p, const ReleaseNews& r,
                        double frontier_capability);

// docs/model.md §"Markets: attention": the days from a release to the peak of the attention it
// draws (Bass 1969: the flow of a diffusion with innovation rate p and imitation rate q peaks
// after ln(q/p)/(p+q)). p, the press, grows with the lab's users (`usage_share`, 0-1 of the
// most-used lab's, lab_user_shares); q, word of mouth, is attention_word_of_mouth_per_day for
// every release (its salience sets how much attention it draws, not how fast it spreads).
// 0 when word of mouth does not outpace the press.
double attention_peak_days(const MarketModelParams& p, double usage_share);
// docs/model.md §"Markets: attention": the weight of a release in investors' beliefs beside its
// salience, growing with its lab's adoption: attention_unused_weight for a lab nobody uses, 1 for
// the most-used lab, linear in between (`usage_share`, 0-1 of the most-used lab's users).
double release_attention_weight(const MarketModelParams& p, double usage_share);
// docs/model.md §"Markets: attention": each lab's users over the most-used lab's, the
// `usage_share` of the two functions above: the adopting units on its closed and open models in
// all countries (`units`, adoption's [country * (1 + 2 n_labs) + option]; NaN counts 0). Users,
// not tokens: the reach the press reports is users and downloads, while tokens follow how much
// organisations run and how cheap a model is to run. All 0 before anyone adopts.
// With `country` (an index into the countries) only that country's units count.
std::vector<double> lab_user_shares(std::span<const double> units, std::size_t n_labs,
                                    std::size_t country = SIZE_MAX);

// docs/model.md §"Markets": one trading day. Beliefs take in the releases, investors revalue,
// factors move, firms are repriced.
void step_markets(const MarketsSetup& setup, MarketState& state, const MarketInputs& in,
                  const Tick& tick, StreamKey key);

// How each firm fared after a release: its return on the release's trading day (the first day
// on or after the release that its exchange is open) and its worst fall over the next
// drawdown_window_days trading days, both relative to the day before.
struct ReleaseWatch {
  ReleaseNews release;
  double surprise_log10 = 0.0;  // efficiency revealed minus the belief about its lab before it
  double salience = 0.0;
  std::vector<double> log_cap_before;  // [firm]
  std::vector<double> day_return;      // [firm] fraction
  std::vector<uint8_t> priced;         // [firm] 1: day_return is set
  std::vector<double> worst;           // [firm] fraction, most negative cap / cap before − 1
  int days = 0;                        // trading days watched
};

// Starts watching the releases of this trading day (call before step_markets) ...
void watch_releases(const MarketsSetup& setup, const MarketState& state,
                    std::span<const ReleaseNews> releases, std::vector<ReleaseWatch>& watches);
// ... and updates the watches after it; those that have run their window move to `finished`.
void update_watches(const MarketsSetup& setup, const MarketState& state,
                    std::vector<ReleaseWatch>& watches, std::vector<ReleaseWatch>& finished);

// docs/model.md §"Markets: largest moves". What a firm's trading day prices: the news since its
// exchange last traded (releases investors saw, the central bank's rate decisions).
struct MoveNews {
  int releases = 0;                   // releases seen since the firm's previous trading day
  std::size_t lab = 0;                // the most salient of them: its lab ...
  double salience = -1.0;             // ... its salience (fraction; -1: no release)
  double surprise_log10 = 0.0;        // ... and its efficiency surprise (log10)
  bool open = false;                  // ... open weights
  int rate_decisions = 0;             // policy-rate changes since the firm's previous trading day
  double rate_change_points = 0.0;    // their sum, percentage points
  double rate_surprise_points = 0.0;  // their sum less what was expected, percentage points
  double earnings_move_ln = 0.0;      // the move its quarterly report brought that day (ln; 0: none)
  double incident_move_ln = 0.0;      // the firm's move incidents imply since then: its compute
                                      // loading times the rises of the demand investors expect
                                      // lost to them (ln, <= 0; docs/model.md §3.3.8)
};
void note_release(MoveNews& news, std::size_t lab, double salience, double surprise_log10,
                  bool open);
void note_rate_decision(MoveNews& news, double change_points, double surprise_points);
// A change of the demand investors expect lost to incidents (ln), for a firm with this compute
// loading: a rise is incident news, a fall (the memory fading) is not.
void note_incident(MoveNews& news, double loss_change_ln, double compute_exposure);
// The rate decisions dated after `after` and on or before `until`, not counting those on or
// before `start` (they set the rate in force at the start): each one's change and surprise
// (percentage points).
struct RateDecision {
  double change_points = 0.0;
  double surprise_points = 0.0;
};
std::vector<RateDecision> rate_decisions_between(const std::vector<RateChange>& changes, Date start,
                                                 Date after, Date until);

// The cause of a move of `day_return` (fraction), as an index into the ids cause_ids() gives:
// the most salient release when its salience is at least 1/e (a release near the frontier);
// otherwise incidents, when the fall they imply for the firm is at least half the day's (ln);
// otherwise the firm's quarterly report, when its move has the day's sign and at least half its
// size (ln); otherwise a rate decision that surprised the market if there was one; otherwise a
// less salient release; otherwise none (the move is noise and fundamentals).
inline constexpr std::size_t kCauseNone = 0, kCauseRateDecision = 1, kCauseIncident = 2,
                             kCauseEarnings = 3, kCauseFirstRelease = 4;
std::size_t move_cause(const MoveNews& news, double day_return);
// "none", "rate_decision", "incident", "earnings", then "release:<lab id>" for each lab.
std::vector<std::string> cause_ids(const std::vector<std::string>& lab_ids);

// One trading day of one firm: its return and what it priced.
struct MarketMove {
  std::size_t firm = 0;
  Date date;
  double day_return = 0.0;    // fraction
  double index_return = 0.0;  // fraction, the index the same day
  MoveNews news;
};
// The largest moves a replicate records per firm in /markets/events.
inline constexpr std::size_t kLargestMovesPerFirm = 10;
// Keeps in `moves` (largest absolute return first; of equal ones the earlier) at most `keep`.
void keep_largest_move(std::vector<MarketMove>& moves, const MarketMove& move, std::size_t keep);

// The years of noise a trading day carries: dt (calendar) or, per weekday, the weekdays after
// `previous` up to `date` over 365.25 × 5/7.
double noise_years(const MarketModelParams& p, Date previous, Date date);

// A draw with mean 0 and variance 1: normal (dof 0) or Student-t with `dof` > 2 degrees of
// freedom, scaled to unit variance.
double unit_innovation(RandomStream& rng, double dof);
// One step of mean-reverting noise (Ornstein-Uhlenbeck, exact): x·2^(−Δ/h) + σ·√(Δ_eff)·z, with
// Δ_eff = (1 − 2^(−2Δ/h)) · h / (2 ln 2) (Δ when h is large).
double revert_noise(double x, double volatility_per_year, double years, double half_life_years,
                    double z);
// The factors of that step that depend only on Δ and h, shared by every noise of a tick:
// keep = 2^(−Δ/h) and root = √(Δ_eff).
struct NoiseReversion {
  double keep = 1.0;
  double root = 0.0;
};
NoiseReversion noise_reversion(double years, double half_life_years);
// The same step as revert_noise, from those factors (bit for bit the same value).
double revert_noise(double x, double volatility_per_year, const NoiseReversion& r, double z);

// docs/model.md §"Markets: earnings anchor": ln of expected discounted earnings, USD, of a firm
// with revenue `revenue_log` (ln USD/year) growing at `expected_growth` (ln/year), the excess over
// long_run_growth_per_year fading over growth_fade_years, discounted at market_exposure ×
// equity_risk_premium while it fades and at equity_risk_premium (beta 1) in the long run (plus
// the priced-in rate change) over the long-run growth.
// `rate_points` (percentage points, the rate effect R) widens the discount rate's spread over the
// long-run growth, which keeps at least half of equity_risk_premium.
double anchor_log_value(const MarketModelParams& p, const FirmSpec& firm, double revenue_log,
                        double expected_growth, double rate_points = 0.0);
// The firm's revenue (USD/year): its share of its producers' sales (share_of_producer_sales)
// with what it sells along with them (attached_revenue_per_chip_usd), plus the rest of its
// business, grown since the start.
double firm_revenue_usd_per_year(const MarketsSetup& setup, std::size_t firm,
                                 std::span<const double> producer_revenue, double years);

// Market value (ln USD) of each firm implied by the factor levels, before firm noise.
double firm_log_value(const MarketsSetup& setup, std::size_t firm,
                      const std::array<double, kFactorCount>& factor);

}  // namespace airace
