#include "agents/markets.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numbers>

namespace airace {
namespace {

const double kLn10 = std::numbers::ln10;
const double kLn2 = std::numbers::ln2;

void read_factor_volatility(const ConfigNode& n, const std::string& path, MarketModelParams& out,
                            Diagnostics& diags) {
  if (!n.is_map()) {
    diags.error(n.where, path,
                "expected a mapping of factor to volatility, such as {compute: "
                "0.25, market: 0.18}, found " +
                    n.describe());
    return;
  }
  const std::vector<std::string> names(kFactorNames.begin(), kFactorNames.end());
  for (const ConfigEntry& e : n.entries) {
    const auto at = std::find(names.begin(), names.end(), e.key);
    if (at == names.end()) {
      diags.error(e.key_where, child_path(path, e.key), "unknown factor",
                  suggest(e.key, names, "factors"));
      continue;
    }
    if (auto v = read_number(e.value, child_path(path, e.key), at_least(0), "1/sqrt(year)", diags))
      out.factor_volatility_per_year[static_cast<std::size_t>(at - names.begin())] = *v;
  }
}

void read_policy_rates(const ConfigNode& n, const std::string& path, MarketModelParams& out,
                       Diagnostics& diags) {
  out.policy_rates = read_entity_list(n, path, rate_change_schema(), RateChange{}, diags);
  for (std::size_t i = 1; i < out.policy_rates.size(); ++i)
    if (out.policy_rates[i].date < out.policy_rates[i - 1].date)
      diags.error(out.policy_rates[i].where, path + "[" + std::to_string(i) + "].date",
                  "rate changes must be in date order; this one is earlier than '" +
                      out.policy_rates[i - 1].id + "'");
}

void read_factor_correlation(const ConfigNode& n, const std::string& path, MarketModelParams& out,
                             Diagnostics& diags) {
  out.factor_correlation.clear();
  out.correlation_where = n.where;
  const std::string expected = "a list of " + std::to_string(kFactorCount) + " rows of " +
                               std::to_string(kFactorCount) + " numbers (factors " +
                               join_words({kFactorNames.begin(), kFactorNames.end()}) + ")";
  if (!n.is_sequence() || n.items.size() != kFactorCount) {
    diags.error(n.where, path, "expected " + expected + ", found " + n.describe());
    return;
  }
  for (std::size_t i = 0; i < kFactorCount; ++i) {
    const ConfigNode& row = n.items[i];
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!row.is_sequence() || row.items.size() != kFactorCount) {
      diags.error(row.where, p, "expected " + expected + ", found " + row.describe());
      out.factor_correlation.clear();
      return;
    }
    std::vector<double> values;
    for (std::size_t j = 0; j < kFactorCount; ++j)
      if (auto v = read_number(row.items[j], p + "[" + std::to_string(j) + "]", between(-1, 1), "-",
                               diags))
        values.push_back(*v);
    out.factor_correlation.push_back(values);
  }
  for (const std::vector<double>& row : out.factor_correlation)
    if (row.size() != kFactorCount) {  // an entry was refused above: no matrix to check
      out.factor_correlation.clear();
      break;
    }
}

}  // namespace

const Schema<FirmSpec>& firm_schema() {
  using F = FirmSpec;
  const std::string S = "per firm: its source field";
  static const Schema<FirmSpec> s(
      "firms[]",
      {
          text("id", &F::id, {"unique identifier, e.g. nvidia", "", true}),
          text("name", &F::name, {"display name"}),
          reference("country", &F::country, "countries[]",
                    {"where the firm is listed: a countries[] id, or for a firm listed outside "
                     "the scenario's countries its exchange's (krx: KR, xetra: DE, hkex: HK)",
                     "", true}),
          choice("exchange", &F::exchange,
                 {{"nyse", Exchange::nyse},
                  {"nasdaq", Exchange::nasdaq},
                  {"euronext", Exchange::euronext},
                  {"xetra", Exchange::xetra},
                  {"hkex", Exchange::hkex},
                  {"sse", Exchange::sse},
                  {"twse", Exchange::twse},
                  {"krx", Exchange::krx},
                  {"weekdays", Exchange::weekdays}},
                 {"exchange whose trading days the firm's price follows (xetra: Frankfurt; hkex: Hong "
                  "Kong; sse: Shanghai, STAR Market included; twse: Taiwan; krx: Korea; weekdays: "
                  "Monday to Friday, for an exchange whose holiday calendar the model lacks)"}),
          flag("index", &F::in_index,
               {"member of the US index (a Nasdaq-100-like sum of market capitalisations)"}),
          number("market_cap_usd", &F::market_cap_usd, "USD", above(0),
                 {"market capitalisation at the start date (at its listing, for a firm listed "
                  "after it)",
                  S, true}),
          date("listed", &F::listed,
               {"first trading day of a firm listed after the start: before it the firm has no "
                "price (market value NaN, not trading); left out, listed before the start",
                S}),
          number("compute_exposure", &F::compute_exposure, "-", between(-10, 10),
                 {"loading on the compute factor: ln change of value per ln change of expected AI "
                  "compute demand",
                  S}),
          number("margins_exposure", &F::margins_exposure, "-", between(-10, 10),
                 {"loading on the model-layer margins factor (ln of the mean API margin)", S}),
          number("china_substitution_exposure", &F::china_substitution_exposure, "-",
                 between(-10, 10),
                 {"loading on Chinese substitution (change of the domestic share of China's "
                  "compute)",
                  S}),
          number("market_exposure", &F::market_exposure, "-", between(-10, 10),
                 {"loading on the broad market (beta)", S}),
          number("idiosyncratic_volatility_per_year", &F::idiosyncratic_volatility_per_year,
                 "1/sqrt(year)", at_least(0), {"firm-specific noise of ln value", S}),
          number("daily_price_limit", &F::daily_price_limit, "fraction", Range{0.0, 1.0, false, true},
                 {"largest move of the firm's daily close from the previous close; the rest of a "
                  "larger move comes on the next trading days (0: none; left out: its exchange's "
                  "rule, 10 % on twse and sse, none elsewhere)",
                  "TWSE 10 % (since 2015-06-01); SSE main board 10 %, STAR Market 20 % (SSE "
                  "trading rules)"}),
          number("tail_dof", &F::tail_dof, "-", Range{},
                 {"Student-t degrees of freedom of the firm's daily noise (fat tails; 0: normal; "
                  "otherwise above 2)",
                  S}),
          date("earnings_day", &F::earnings_day,
               {"a trading day on which the market priced one of the firm's quarterly reports; "
                "its other reports recur every 3 months from it, before and after, each priced "
                "on the firm's first trading day on or after its date",
                S}),
          number("earnings_day_volatility", &F::earnings_day_volatility, "ln", at_least(0),
                 {"sd of the ln move a quarterly report brings on its day, beyond the day's noise "
                  "(0: no earnings days; needs earnings_day)",
                  S}),
          reference_list("producers", &F::producers, "producers[]",
                         {"chip producers whose sales carry the firm's revenue in the model (its "
                          "earnings anchor)"}),
          number("share_of_producer_sales", &F::share_of_producer_sales, "USD/USD",
                 Range{0.0, 1.0, true, false},
                 {"the part of each USD of its producers' chip sales that is the firm's revenue: "
                  "1 for the chips' designer, a supplier's content for a foundry (its wafers and "
                  "packaging)",
                  S}),
          number("attached_revenue_per_chip_usd", &F::attached_revenue_per_chip_usd, "USD/USD",
                 between(0, 2),
                 {"revenue the firm makes with each USD of its producers' chip sales beyond the "
                  "chips (networking, systems), counted with them in its earnings anchor",
                  S}),
          number("revenue_usd_per_year", &F::revenue_usd_per_year, "USD/year", at_least(0),
                 {"revenue of the rest of the firm's business at the start (what the model does "
                  "not make: its producers' sales excluded)",
                  S}),
          number("revenue_growth_per_year", &F::revenue_growth_per_year, "ln/year",
                 between(-1, 1), {"growth of that rest of business", S}),
          number("revenue_growth_at_start_per_year", &F::revenue_growth_at_start_per_year,
                 "ln/year", between(-2, 3),
                 {"growth of revenue investors saw at the start (the last fiscal year's)", S}),
          number("net_margin", &F::net_margin, "fraction", between(0, 1),
                 {"net income per USD of revenue; above 0 anchors the firm's value on its "
                  "expected discounted earnings (0: the factor formula alone)",
                  S}),
          text("source", &F::source, {"where the firm's figures come from"}),
      });
  return s;
}

const Schema<RateChange>& rate_change_schema() {
  using R = RateChange;
  static const Schema<RateChange> s(
      "market_model.policy_rates[]",
      {
          text("id", &R::id, {"unique identifier", "", true}),
          date("date", &R::date, {"date the rate changes", "", true}),
          number("percent", &R::percent, "percent/year", between(-10, 100),
                 {"the policy rate from this date on", "per change: its source field", true}),
          number("expected_percent", &R::expected_percent, "percent/year", between(-10, 100),
                 {"the rate the market expected of this decision the day before (fed funds "
                  "futures); left out: fully expected, the same as percent",
                  "per change: its source field"}),
          text("source", &R::source, {"where the decision is published"}),
      });
  return s;
}

double policy_rate_percent(const std::vector<RateChange>& changes, Date date) {
  double rate = std::nan("");
  for (const RateChange& c : changes)
    if (!(date < c.date)) rate = c.percent;
  return rate;
}

double priced_policy_rate_percent(const std::vector<RateChange>& changes, Date date,
                                  double expectation_days) {
  double rate = std::nan("");
  for (std::size_t j = 0; j < changes.size(); ++j) {
    const RateChange& c = changes[j];
    if (!(date < c.date)) {
      rate = c.percent;
      continue;
    }
    // Before this decision the market learns what it will be.
    if (j == 0) break;
    const double span = std::min(
        expectation_days,
        static_cast<double>(c.date.days_since_epoch() - changes[j - 1].date.days_since_epoch()));
    const double passed =
        span - static_cast<double>(c.date.days_since_epoch() - date.days_since_epoch());
    if (span > 0.0 && passed > 0.0) rate += (c.expected() - rate) * passed / span;
    break;
  }
  return rate;
}

const Schema<MarketModelParams>& market_model_schema() {
  using M = MarketModelParams;
  const std::string A = "assumption, docs/model.md §3.3.7";
  static const Schema<MarketModelParams> s(
      "market_model",
      {
          number("efficiency_trend_per_year", &M::efficiency_trend_per_year, "x/year", above(0),
                 {"growth of algorithmic efficiency investors expect",
                  "~2.8x/year (Ho et al. 2024, calibration §5)"}),
          number("efficiency_prior_sd", &M::efficiency_prior_sd, "log10", at_least(0),
                 {"investors' uncertainty about efficiency at the start", A}),
          number("efficiency_process_sd_per_year", &M::efficiency_process_sd_per_year,
                 "log10/sqrt(year)", at_least(0),
                 {"growth of that uncertainty between releases (keeps investors learning)", A}),
          number("growth_prior_sd", &M::growth_prior_sd, "log10/year", at_least(0),
                 {"investors' uncertainty about each lab's pace of algorithmic progress", A}),
          number("growth_process_sd_per_year", &M::growth_process_sd_per_year,
                 "log10/year/sqrt(year)", at_least(0),
                 {"how fast a lab's pace may change, as investors see it", A}),
          number("open_observation_sd", &M::open_observation_sd, "log10", above(0),
                 {"noise of what an open-weight release reveals about efficiency (anyone can "
                  "check it)",
                  A}),
          number("closed_observation_sd", &M::closed_observation_sd, "log10", above(0),
                 {"noise of what a closed release reveals (its compute is a claim)", A}),
          number("observation_tail_dof", &M::observation_tail_dof, "-", at_least(0),
                 {"Student-t degrees of freedom of the noise investors assign to what a release "
                  "reveals about efficiency (0: normal): a claim far out of "
                  "line with beliefs is partly discounted (robust Kalman update)",
                  "Meinhold & Singpurwalla 1989 (JASA 84:479); judgement, docs/model.md §3.3.7"}),
          number("salience_log10", &M::salience_log10, "log10 FLOP", above(0),
                 {"capability behind the frontier at which a release draws 1/e of the attention "
                  "of a frontier release",
                  A}),
          number("belief_half_life_years", &M::belief_half_life_years, "years", above(0),
                 {"time for the trend investors expect to absorb a surprise", A}),
          flag("trend_learns_pace", &M::trend_learns_pace,
               {"the trend investors anchor on grows at the pace they have learned of the lab "
                "holding the frontier belief (the expected path priced in), not at "
                "efficiency_trend_per_year",
                A}),
          number("fundamental_share", &M::fundamental_share, "fraction", between(0, 1),
                 {"weight of investors for whom less compute per capability means less compute "
                  "demand",
                  A}),
          number("jevons_share", &M::jevons_share, "fraction", between(0, 1),
                 {"weight of investors who expect cheaper AI to raise total demand", A}),
          number("trend_share", &M::trend_share, "fraction", between(0, 1),
                 {"weight of investors who follow recent moves", A}),
          number("compute_demand_elasticity", &M::compute_demand_elasticity, "-", at_least(0),
                 {"fundamental investors: ln expected compute demand lost per ln of efficiency "
                  "surprise",
                  A}),
          number("jevons_elasticity", &M::jevons_elasticity, "-", at_least(0),
                 {"Jevons investors: ln expected compute demand gained per ln of efficiency "
                  "surprise",
                  A}),
          number("jevons_half_life_days", &M::jevons_half_life_days, "days", above(0),
                 {"how long Jevons investors take to come round (partial recovery)", A}),
          integer("trend_window_days", &M::trend_window_days, "trading days", between(1, 250),
                  {"window of the trend followers' momentum", A}),
          number(
              "trend_strength", &M::trend_strength, "-", at_least(0),
              {"trend followers: ln value per ln move of the compute factor over the window", A}),
          number("spend_smoothing_years", &M::spend_smoothing_years, "years", above(0),
                 {"averaging time of observed AI chip spending (producers' revenue)", A}),
          number("margin_news_days", &M::margin_news_days, "days", at_least(0),
                 {"time constant over which investors take in a newly observed API margin (0: "
                  "the day it is observed); the model computes margins once per adoption tick, "
                  "where news of them arrives all month",
                  "price cuts, earnings and analysts' notes spread news of model-layer margins "
                  "over weeks; prices take in earnings news over about 60 trading days (Bernard "
                  "& Thomas 1989); assumption (docs/model.md §3.3.7 \"Factors\")"}),
          number("substitution_news_days", &M::substitution_news_days, "days", at_least(0),
                 {"time constant over which investors take in a newly observed China's domestic "
                  "share of compute (0: the day it is observed); the model computes it once per "
                  "indicators tick, where news of it (shipments, customs data, orders) arrives "
                  "all month",
                  "as margin_news_days: prices take in news over weeks (Bernard & Thomas 1989); "
                  "assumption (docs/model.md §3.3.7 \"Observed fundamentals\")"}),
          number("spend_elasticity", &M::spend_elasticity, "-", at_least(0),
                 {"ln expected compute demand per ln of observed AI chip spending (below 1: "
                  "investors expect part of today's growth to fade)",
                  A}),
          number("market_drift_per_year", &M::market_drift_per_year, "1/year", Range{},
                 {"drift of the ln broad-market factor", "long-run equity return ~7%/year"}),
          custom<M>({"policy_rates", "list of rate changes (see market_model.policy_rates[])", "",
                     "[]", "", "the central bank's policy rate over time (an exogenous input)",
                     "FOMC statements (federalreserve.gov)", false},
                    read_policy_rates),
          number("rate_sensitivity", &M::rate_sensitivity, "1/percentage point", Range{},
                 {"fall of the ln broad-market factor per percentage point the policy rate "
                  "stands above its level at the start date",
                  "Nasdaq-100 -33% in 2022 while the Fed's target rose 4.25 points; assumption"}),
          number("rate_effect_half_life_years", &M::rate_effect_half_life_years, "years", above(0),
                 {"time for half the effect of a rate change on the market to fade, as "
                  "nominal earnings catch up (100: it stays)",
                  "assumption: the Nasdaq-100 regained its 2022 losses by 2024 with rates "
                  "still high"}),
          number("rate_expectation_days", &M::rate_expectation_days, "days", above(0),
                 {"days before a rate decision over which the market prices in what it expects "
                  "of it (from the previous decision, if that is later)",
                  "the FOMC meets eight times a year, about 45 days apart: fed funds futures "
                  "price the next meeting over the weeks between meetings"}),
          custom<M>({"factor_volatility_per_year", "mapping of factor to number", "1/sqrt(year)",
                     "{compute: 0.25, margins: 0.15, china_substitution: 0.1, market: 0.18}",
                     ">= 0", "volatility of each factor's noise (0: no noise)", A, false},
                    read_factor_volatility),
          custom<M>({"factor_correlation", "4 x 4 matrix (list of rows)", "-", "identity",
                     "[-1, 1], positive definite",
                     "correlation of the factors' daily noise, in the order compute, margins, "
                     "china_substitution, market",
                     A, false},
                    read_factor_correlation),
          number("factor_tail_dof", &M::factor_tail_dof, "-", Range{},
                 {"Student-t degrees of freedom of the factors' daily innovations (fat tails; 0: "
                  "normal; otherwise above 2)",
                  "S&P 500 daily returns 2015-01 to 2024-07: excess kurtosis 12.7 (stocknear.com "
                  "NVDA stats), a t with 4 + 6/12.7 = 4.5 degrees of freedom"}),
          number("sentiment_half_life_years", &M::sentiment_half_life_years, "years", above(0),
                 {"time for the factors' and firms' noise (sentiment around what investors "
                  "believe) to revert halfway to 0 (100: a random walk)",
                  "Poterba & Summers 1988, Fama & French 1988: a transitory part of prices that "
                  "decays over 3-5 years; assumption"}),
          number("transitory_noise_share", &M::transitory_noise_share, "fraction",
                 Range{0.0, 1.0, false, true},
                 {"share of each noise's daily variance (factors' and firms') that reverts "
                  "within months, over transitory_half_life_days: the daily arrival of "
                  "cash-flow news that an earnings-anchored value takes in over months (0: one "
                  "process)",
                  "Vuolteenaho 2002 (J. Finance 57:233): a typical stock's cash-flow news has "
                  "more than twice the variance of its expected-return news (> 2/3); "
                  "assumption"}),
          number("transitory_half_life_days", &M::transitory_half_life_days, "days", above(0),
                 {"time for the transitory part of the noise to revert halfway (days on the "
                  "noise's clock)",
                  "earnings are reported quarterly and investors smooth revenue over "
                  "spend_smoothing_years; assumption"}),
          number("attention_word_of_mouth_per_day", &M::attention_word_of_mouth_per_day, "1/day",
                 at_least(0),
                 {"imitation rate (Bass q) of the attention a release draws, whatever its "
                  "salience (0: every release is priced on its day)",
                  "DeepSeek's app went from launch (2025-01-20) to first in the US App Store "
                  "(2025-01-26/27), downloads about doubling daily (Appfigures, Sensor Tower "
                  "via press, 2025-01-27): ~0.7/day; assumption"}),
          number("attention_press_unknown_per_day", &M::attention_press_unknown_per_day, "1/day",
                 above(0),
                 {"innovation rate (Bass p) of the attention a release draws from the press "
                  "when nobody uses its lab's models",
                  A}),
          number("attention_press_leader_per_day", &M::attention_press_leader_per_day, "1/day",
                 above(0),
                 {"the same for the lab with the most users, closed and open (the press covers "
                  "its releases the day they come out); labs in between by their share",
                  A}),
          flag("attention_press_index_country", &M::attention_press_index_country,
               {"true: the press investors read is that of the country where the index trades, "
                "which covers a lab's release by the lab's users there; false: by its users in "
                "all countries",
                "investors in a US index read the US press; DeepSeek had few US users before "
                "R1's app topped the US App Store on 2025-01-26/27 (Appfigures via TechCrunch); "
                "assumption"}),
          number(
              "attention_unused_weight", &M::attention_unused_weight, "fraction",
              Range{0.0, 1.0, true, false},
              {"weight in investors' beliefs of a release by a lab nobody uses, against one "
               "by the most-used lab (by users), on the day it is priced; linear in the "
               "lab's share in between (1: adoption does not weigh releases)",
               "DeepSeek's releases before R1 (LLM 67B 2023-11, V2 2024-05, V3 2024-12, "
               "before its app was used) gave Nvidia no large fall; R1, after its app topped the "
               "charts, did; assumption"}),
          number("equity_risk_premium", &M::equity_risk_premium, "fraction/year", above(0),
                 {"expected return of equities over the risk-free rate; an anchored firm's "
                  "earnings are discounted at market_exposure times it while its growth fades "
                  "and at it (beta 1) in the long run, over the long-run growth",
                  "Damodaran, implied ERP on 2022-01-01: 4.24% (pages.stern.nyu.edu/~adamodar)"}),
          number("long_run_growth_per_year", &M::long_run_growth_per_year, "ln/year",
                 between(-0.5, 0.5),
                 {"growth of earnings investors expect in the long run, to which a firm's "
                  "growth fades",
                  "nominal GDP: CBO Long-Term Budget Outlook 2022, ~4%/year (2% real, 2% "
                  "inflation)"}),
          number("growth_fade_years", &M::growth_fade_years, "years", above(0),
                 {"time over which investors expect a firm's growth above the long-run growth "
                  "to last, and its beta above 1 with it (its level gains (excess growth − "
                  "excess premium) × this)",
                  "Chan, Karceski & Lakonishok 2003 (J. Finance 58:643): growth above the median "
                  "persists no more than chance beyond a few years; assumption"}),
          flag("noise_per_weekday", &M::noise_per_weekday,
               {"noise (factor and firm) accrues per weekday rather than per calendar day, so a "
                "Monday carries one day of it, not three",
                "French & Roll 1986 (J. Financial Economics 17:5): the variance of returns over a "
                "weekend is close to a weekday's, not three times it"}),
          integer("drawdown_window_days", &M::drawdown_window_days, "trading days", between(1, 250),
                  {"days after a release over which each firm's drawdown counts"}),
      });
  return s;
}

MarketsSetup resolve_markets(const MarketModelParams& params, const std::vector<FirmSpec>& firms,
                             const std::vector<std::string>& country_ids, std::size_t n_labs,
                             Date start, Date end, Diagnostics& diags,
                             const std::vector<std::string>& producer_ids) {
  MarketsSetup s;
  s.n_labs = n_labs;
  s.params = params;
  s.firms = firms;
  s.n_firms = firms.size();
  s.start = start;
  if (s.n_firms > 0) s.calendar = TradingCalendar(start, end);
  // The index's country is where most of its members are (the first such country on a tie):
  // ASML and Alibaba trade in New York, but the index's investors read the US press.
  // A firm listed outside the model's countries names its exchange's (SK hynix: krx, KR); it
  // counts for no country's index.
  std::vector<std::size_t> members(country_ids.size(), 0);
  for (const FirmSpec& f : firms) {
    const bool known = std::find(country_ids.begin(), country_ids.end(), f.country.id) !=
                       country_ids.end();
    if (!known && f.country.id == exchange_country(f.exchange)) continue;
    Diagnostics unknown;
    const std::optional<std::size_t> k = resolve_reference(
        f.country, "firms[" + f.id + "].country", country_ids, "country", unknown);
    for (const Diagnostic& e : unknown.all())
      diags.error(e.where, e.key_path, e.message,
                  e.hint + (e.hint.empty() ? "" : "; ") +
                      "a firm listed outside the scenario's countries names its exchange's "
                      "country (nyse, nasdaq: US; xetra: DE; hkex: HK; sse: CN; twse: TW; krx: "
                      "KR)");
    if (f.in_index && k) ++members[*k];
  }
  const auto most = std::max_element(members.begin(), members.end());
  if (most != members.end() && *most > 0)
    s.index_country = static_cast<std::size_t>(most - members.begin());
  if (!params.policy_rates.empty() && start < params.policy_rates.front().date)
    diags.error(params.policy_rates.front().where, "market_model.policy_rates[0].date",
                "the first rate change is after the start date " + start.iso() +
                    "; list the rate in force on the start date first (prices start from it)");
  const auto bad_dof = [](double v) { return v != 0.0 && !(v > 2.0); };
  if (bad_dof(params.factor_tail_dof))
    diags.error(params.where, "market_model.factor_tail_dof",
                "degrees of freedom must be 0 (normal) or above 2 (finite variance), found " +
                    format_number(params.factor_tail_dof));
  // A firm listed after the start: not an index member (the index is a sum, so a listing would
  // read as a rise) and not valued on its earnings (the anchor starts with the run).
  for (const FirmSpec& f : firms)
    if (start < f.listed && (f.in_index || f.net_margin > 0.0))
      diags.error(f.where, "firms[" + f.id + "].listed",
                  "a firm listed after the start date (" + f.listed.iso() + ") cannot be " +
                      (f.in_index ? "a member of the index (a listing would read as the index "
                                    "rising)"
                                  : "valued on its earnings (net_margin above 0; the anchor "
                                    "starts with the run)") +
                      "; leave listed out, or price the firm on the factors alone outside the "
                      "index");
  for (const FirmSpec& f : firms)
    if (f.earnings_day_volatility > 0.0 && f.earnings_day == Date::from_ymd(9999, 12, 31))
      diags.error(f.where, "firms[" + f.id + "].earnings_day_volatility",
                  "a move on earnings days needs the day of one report; expected "
                  "firms[" + f.id + "].earnings_day, a date such as 2022-02-03");
  for (const FirmSpec& f : firms)
    if (bad_dof(f.tail_dof))
      diags.error(f.where, "firms[" + f.id + "].tail_dof",
                  "degrees of freedom must be 0 (normal) or above 2 (finite variance), found " +
                      format_number(f.tail_dof));
  if (!(params.attention_unused_weight > 0.0 && params.attention_unused_weight <= 1.0))
    diags.error(params.where, "market_model.attention_unused_weight",
                "the weight of a release of a lab nobody uses must be in (0, 1], found " +
                    format_number(params.attention_unused_weight));
  if (!(params.transitory_noise_share >= 0.0 && params.transitory_noise_share < 1.0))
    diags.error(params.where, "market_model.transitory_noise_share",
                "the transitory share of the noise's variance must be in [0, 1), found " +
                    format_number(params.transitory_noise_share));
  const double shares = params.fundamental_share + params.jevons_share + params.trend_share;
  if (std::abs(shares - 1.0) > 1e-6)
    diags.error(params.where, "market_model.fundamental_share",
                "fundamental_share + jevons_share + trend_share is " + format_number(shares) +
                    ", expected 1");
  Eigen::Matrix4d corr = Eigen::Matrix4d::Identity();
  if (!params.factor_correlation.empty()) {
    bool symmetric = true;
    for (std::size_t i = 0; i < kFactorCount; ++i)
      for (std::size_t j = 0; j < kFactorCount; ++j) {
        corr(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            params.factor_correlation[i][j];
        symmetric = symmetric && params.factor_correlation[i][j] == params.factor_correlation[j][i];
      }
    for (std::size_t i = 0; i < kFactorCount; ++i)
      if (params.factor_correlation[i][i] != 1.0)
        diags.error(params.correlation_where, "market_model.factor_correlation",
                    "the diagonal must be 1 (a factor's correlation with itself), found " +
                        format_number(params.factor_correlation[i][i]) + " for " + kFactorNames[i]);
    if (!symmetric)
      diags.error(params.correlation_where, "market_model.factor_correlation",
                  "the matrix must be symmetric (row i, column j equal to row j, column i)");
  }
  Eigen::LLT<Eigen::Matrix4d> llt(corr);
  if (llt.info() != Eigen::Success)
    diags.error(params.correlation_where, "market_model.factor_correlation",
                "the correlation matrix is not positive definite (no set of factors can have these "
                "correlations); lower the largest correlations");
  else
    Eigen::Map<Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(s.factor_cholesky.data()) =
        llt.matrixL();
  for (const FirmSpec& f : firms) {
    std::vector<std::size_t> producers;
    for (std::size_t k = 0; k < f.producers.size(); ++k)
      if (auto j = resolve_reference(f.producers[k],
                                     "firms[" + f.id + "].producers[" + std::to_string(k) + "]",
                                     producer_ids, "producer", diags))
        producers.push_back(*j);
    s.firm_producers.push_back(std::move(producers));
    s.anchored.push_back(f.net_margin > 0.0 ? 1 : 0);
    s.price_limit.push_back(std::isnan(f.daily_price_limit) ? exchange_daily_price_limit(f.exchange)
                                                             : f.daily_price_limit);
    if (f.net_margin > 0.0 && !(f.market_exposure > 0.0))
      diags.error(f.where, "firms[" + f.id + "].market_exposure",
                  "a firm anchored on its earnings (net_margin > 0) is discounted at "
                  "market_exposure x equity_risk_premium, which must be above 0; found " +
                      format_number(f.market_exposure));
    if (f.net_margin > 0.0 && f.revenue_usd_per_year <= 0.0 && f.producers.empty())
      diags.error(f.where, "firms[" + f.id + "].revenue_usd_per_year",
                  "a firm anchored on its earnings (net_margin > 0) needs revenue: "
                  "revenue_usd_per_year above 0 or producers");
    s.loadings.insert(s.loadings.end(), {f.compute_exposure, f.margins_exposure,
                                         f.china_substitution_exposure, f.market_exposure});
    s.in_index.push_back(f.in_index ? 1 : 0);
  }
  return s;
}

MarketState initial_market_state(const MarketsSetup& s) {
  MarketState st;
  st.efficiency_var = s.params.efficiency_prior_sd * s.params.efficiency_prior_sd;
  // A common prior: 2022-01 algorithms, improving at the expected trend.
  st.lab_efficiency_log10.assign(s.n_labs, 0.0);
  st.lab_growth_log10.assign(s.n_labs, std::log10(s.params.efficiency_trend_per_year));
  st.lab_cov.assign(s.n_labs,
                    {st.efficiency_var, 0.0, s.params.growth_prior_sd * s.params.growth_prior_sd});
  st.idiosyncratic.assign(s.n_firms, 0.0);
  st.listing_offset.assign(s.n_firms, 0.0);
  st.idiosyncratic_persistent.assign(s.n_firms, 0.0);
  st.idiosyncratic_transitory.assign(s.n_firms, 0.0);
  st.log_cap.resize(s.n_firms);
  st.daily_return.assign(s.n_firms, 0.0);
  st.trading.assign(s.n_firms, 0);
  st.earnings_move_ln.assign(s.n_firms, 0.0);
  st.next_report.assign(s.n_firms, 0);
  for (std::size_t i = 0; i < s.n_firms; ++i)
    if (s.firms[i].earnings_day_volatility > 0.0)
      st.next_report[i] = first_report_on_or_after(s.firms[i].earnings_day, s.start);
  st.revenue_log.assign(s.n_firms, 0.0);
  st.expected_growth.assign(s.n_firms, 0.0);
  st.start_sentiment.assign(s.n_firms, 0.0);
  st.anchor_log_value.assign(s.n_firms, std::nan(""));
  st.priced_rate_percent =
      priced_policy_rate_percent(s.params.policy_rates, s.start, s.params.rate_expectation_days);
  for (std::size_t i = 0; i < s.n_firms; ++i) {
    // A firm listed after the start has no price until its listing day.
    st.log_cap[i] = s.start < s.firms[i].listed ? std::nan("") : std::log(s.firms[i].market_cap_usd);
    if (s.in_index[i]) st.index_usd += s.firms[i].market_cap_usd;
  }
  return st;
}

int first_report_on_or_after(Date earnings_day, Date date) {
  const int months = 12 * (date.year() - earnings_day.year()) + date.month() - earnings_day.month();
  int k = months / 3 - (months < 0 ? 1 : 0) - 1;  // a quarter or two before, then forward
  while (report_date(earnings_day, k) < date) ++k;
  return k;
}

double release_efficiency_log10(const ReleaseNews& r) {
  // C = log10(FLOP × efficiency × G), so the efficiency a release reveals is
  // C − log10 G − log10 FLOP. A reasoning gain G is not read as efficiency: it is bought with
  // inference compute (longer answers), not a sign that a capability needs less compute
  // (docs/model.md §3.3.7 "Beliefs").
  return r.capability - std::log10(r.post_training_gain) -
         std::log10(std::max(r.training_flop, 1.0));
}

double release_salience(const MarketModelParams& p, const ReleaseNews& r,
                        double frontier_capability) {
  return std::exp(-std::max(0.0, frontier_capability - r.capability) / p.salience_log10);
}

double attention_peak_days(const MarketModelParams& p, double usage_share) {
  const double q = p.attention_word_of_mouth_per_day;
  const double share = std::clamp(usage_share, 0.0, 1.0);
  const double press = p.attention_press_unknown_per_day +
                       (p.attention_press_leader_per_day - p.attention_press_unknown_per_day) * share;
  return q > press ? std::log(q / press) / (press + q) : 0.0;
}

std::vector<double> lab_user_shares(std::span<const double> units, std::size_t n_labs,
                                    std::size_t country) {
  std::vector<double> users(n_labs, 0.0);
  const std::size_t n_options = 1 + 2 * n_labs;
  for (std::size_t k = 0; k + n_options <= units.size(); k += n_options)
    if (country == SIZE_MAX || k == country * n_options)
      for (std::size_t l = 0; l < n_labs; ++l)
        for (std::size_t j : {1 + 2 * l, 2 + 2 * l})  // its closed, then its open option
          if (std::isfinite(units[k + j]) && units[k + j] > 0.0) users[l] += units[k + j];
  const double most = users.empty() ? 0.0 : *std::max_element(users.begin(), users.end());
  for (double& x : users) x = most > 0.0 ? x / most : 0.0;
  return users;
}

double release_attention_weight(const MarketModelParams& p, double usage_share) {
  const double w = p.attention_unused_weight;
  return w + (1.0 - w) * std::clamp(usage_share, 0.0, 1.0);
}

void note_release(MoveNews& news, std::size_t lab, double salience, double surprise_log10,
                  bool open) {
  ++news.releases;
  if (salience > news.salience) {
    news.lab = lab;
    news.salience = salience;
    news.surprise_log10 = surprise_log10;
    news.open = open;
  }
}

void note_rate_decision(MoveNews& news, double change_points, double surprise_points) {
  ++news.rate_decisions;
  news.rate_change_points += change_points;
  news.rate_surprise_points += surprise_points;
}

void note_incident(MoveNews& news, double loss_change_ln, double compute_exposure) {
  if (loss_change_ln > 0.0) news.incident_move_ln -= compute_exposure * loss_change_ln;
}

std::vector<RateDecision> rate_decisions_between(const std::vector<RateChange>& changes, Date start,
                                                 Date after, Date until) {
  std::vector<RateDecision> decisions;
  double rate = policy_rate_percent(changes, start);
  for (const RateChange& c : changes) {
    if (!(start < c.date)) continue;
    if (until < c.date) break;
    if (after < c.date) decisions.push_back({c.percent - rate, c.percent - c.expected()});
    rate = c.percent;
  }
  return decisions;
}

std::size_t move_cause(const MoveNews& news, double day_return) {
  const bool salient = news.releases > 0 && news.salience >= std::exp(-1.0);
  if (salient) return kCauseFirstRelease + news.lab;
  const double day_ln = std::log1p(day_return);
  if (news.incident_move_ln < 0.0 && day_ln < 0.0 && news.incident_move_ln <= 0.5 * day_ln)
    return kCauseIncident;
  if (news.earnings_move_ln * day_ln > 0.0 &&
      std::abs(news.earnings_move_ln) >= 0.5 * std::abs(day_ln))
    return kCauseEarnings;
  if (news.rate_decisions > 0 && news.rate_surprise_points != 0.0) return kCauseRateDecision;
  if (news.releases > 0) return kCauseFirstRelease + news.lab;
  return kCauseNone;
}

std::vector<std::string> cause_ids(const std::vector<std::string>& lab_ids) {
  std::vector<std::string> ids = {"none", "rate_decision", "incident", "earnings"};
  for (const std::string& lab : lab_ids) ids.push_back("release:" + lab);
  return ids;
}

void keep_largest_move(std::vector<MarketMove>& moves, const MarketMove& move, std::size_t keep) {
  const auto larger = [](const MarketMove& a, const MarketMove& b) {
    const double x = std::abs(a.day_return), y = std::abs(b.day_return);
    return x > y || (x == y && a.date < b.date);
  };
  if (moves.size() >= keep && (keep == 0 || !larger(move, moves.back()))) return;
  moves.insert(std::upper_bound(moves.begin(), moves.end(), move, larger), move);
  if (moves.size() > keep) moves.pop_back();
}

double noise_years(const MarketModelParams& p, Date previous, Date date) {
  if (!p.noise_per_weekday) return years_between(previous, date);
  int weekdays = 0;
  for (Date d = previous.plus_days(1); !(date < d); d = d.plus_days(1))
    if (d.weekday() <= 5) ++weekdays;
  return weekdays / (365.25 * 5.0 / 7.0);
}

double unit_innovation(RandomStream& rng, double dof) {
  const double z = rng.normal();
  if (dof == 0.0) return z;
  // Student-t: z / sqrt(chi2 / dof), chi2 = 2 Gamma(dof / 2) by Marsaglia & Tsang (2000),
  // scaled by sqrt((dof − 2) / dof) to unit variance.
  const double a = dof / 2.0;  // > 1
  const double d = a - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  double gamma = 0.0;
  for (;;) {
    const double x = rng.normal();
    const double v = std::pow(1.0 + c * x, 3);
    if (v <= 0.0) continue;
    if (std::log(rng.uniform()) < 0.5 * x * x + d - d * v + d * std::log(v)) {
      gamma = d * v;
      break;
    }
  }
  return z * std::sqrt((dof - 2.0) / (2.0 * gamma));
}

NoiseReversion noise_reversion(double years, double half_life_years) {
  const double keep = std::exp2(-years / half_life_years);
  const double effective =
      -std::expm1(-2.0 * kLn2 * years / half_life_years) * half_life_years / (2.0 * kLn2);
  return {keep, std::sqrt(effective)};
}

double revert_noise(double x, double volatility_per_year, const NoiseReversion& r, double z) {
  return x * r.keep + volatility_per_year * r.root * z;
}

double revert_noise(double x, double volatility_per_year, double years, double half_life_years,
                    double z) {
  return revert_noise(x, volatility_per_year, noise_reversion(years, half_life_years), z);
}

double anchor_log_value(const MarketModelParams& p, const FirmSpec& f, double revenue_log,
                        double expected_growth, double rate_points) {
  // Earnings E = margin × revenue grow at g(s) = g_L + (ĝ − g_L)·e^(−s/τ), and the firm's beta
  // fades to the market's with its growth, β(s) = 1 + (β − 1)·e^(−s/τ) (Damodaran's stable
  // growth; Blume 1975): over the long-run path the level gains (ĝ − g_L)·τ and loses the
  // excess premium's (β − 1)·ERP·τ; the Gordon formula values that path at E / (k − g_L) with
  // k − g_L = the equity risk premium (beta 1, growth at the risk-free rate in the long run),
  // plus the rate change priced in that nominal growth has not caught up with (R, points); the
  // spread keeps at least half of the premium (a cut does not make the value unbounded).
  const double premium = p.equity_risk_premium;
  const double excess_premium = (f.market_exposure - 1.0) * premium;
  const double spread = std::max(premium + 0.01 * rate_points, 0.5 * premium);
  return std::log(f.net_margin) + revenue_log +
         (expected_growth - p.long_run_growth_per_year - excess_premium) * p.growth_fade_years -
         std::log(spread);
}

double firm_revenue_usd_per_year(const MarketsSetup& s, std::size_t firm,
                                 std::span<const double> producer_revenue, double years) {
  const FirmSpec& f = s.firms[firm];
  double r = f.revenue_usd_per_year * std::exp(f.revenue_growth_per_year * years);
  for (std::size_t j : s.firm_producers[firm])
    if (j < producer_revenue.size())
      r += producer_revenue[j] * f.share_of_producer_sales *
           (1.0 + f.attached_revenue_per_chip_usd);
  return r;
}

double firm_log_value(const MarketsSetup& s, std::size_t firm,
                      const std::array<double, kFactorCount>& factor) {
  double v = std::log(s.firms[firm].market_cap_usd);
  for (std::size_t f = 0; f < kFactorCount; ++f)
    v += s.loadings[firm * kFactorCount + f] * factor[f];
  return v;
}

void step_markets(const MarketsSetup& s, MarketState& st, const MarketInputs& in, const Tick& tick,
                  StreamKey key) {
  const MarketModelParams& p = s.params;
  const double dt = tick.dt_years;
  const double days =
      static_cast<double>(tick.date.days_since_epoch() - tick.previous.days_since_epoch());

  // docs/model.md §"Markets: beliefs": a Kalman filter per lab on its log10 efficiency and its
  // pace (a local linear trend), so a lab that keeps outpacing the trend stops surprising.
  // Between releases beliefs follow each lab's believed pace and grow more uncertain.
  const double trend = std::log10(p.efficiency_trend_per_year);
  const double q_level = p.efficiency_process_sd_per_year * p.efficiency_process_sd_per_year;
  const double q_pace = p.growth_process_sd_per_year * p.growth_process_sd_per_year;
  for (std::size_t l = 0; l < s.n_labs; ++l) {
    std::array<double, 3>& c = st.lab_cov[l];
    st.lab_efficiency_log10[l] += st.lab_growth_log10[l] * dt;
    c = {c[0] + 2.0 * dt * c[1] + dt * dt * c[2] + q_level * dt, c[1] + dt * c[2],
         c[2] + q_pace * dt};
  }
  // The expected path: the prior trend, or the pace investors have learned of the lab that holds
  // the frontier belief (its level and pace as of the previous trading day, moved along).
  double expected_pace = trend;
  if (p.trend_learns_pace && s.n_labs > 0) {
    const auto lead = static_cast<std::size_t>(
        std::max_element(st.lab_efficiency_log10.begin(), st.lab_efficiency_log10.end()) -
        st.lab_efficiency_log10.begin());
    expected_pace = st.lab_growth_log10[lead];
  }
  st.trend_log10 += expected_pace * dt;
  for (const ReleaseNews& r : in.releases) {
    const double sd = r.open ? p.open_observation_sd : p.closed_observation_sd;
    // attention: an unnoticed release tells little (its benchmark position, its lab's adoption)
    double noise_var = sd * sd / (r.salience * r.attention_weight);
    std::array<double, 3>& c = st.lab_cov[r.lab];
    const double surprise = release_efficiency_log10(r) - st.lab_efficiency_log10[r.lab];
    // Student-t noise (docs/model.md §"Markets: beliefs"): the noise is scaled by how far out of
    // line the claim is, (nu + d^2) / (nu + 1) with d the surprise in innovation sds, so the
    // belief a surprise moves is bounded (Meinhold & Singpurwalla 1989).
    if (p.observation_tail_dof > 0.0) {
      const double d2 = surprise * surprise / (c[0] + noise_var);
      noise_var *= (p.observation_tail_dof + d2) / (p.observation_tail_dof + 1.0);
    }
    const double innovation_var = c[0] + noise_var;
    const double k_level = c[0] / innovation_var;
    const double k_pace = c[1] / innovation_var;
    st.lab_efficiency_log10[r.lab] += k_level * surprise;
    st.lab_growth_log10[r.lab] += k_pace * surprise;
    c = {c[0] - k_level * c[0], c[1] - k_level * c[1], c[2] - k_pace * c[1]};
  }
  // The compute a capability needs is set by the best algorithms anyone has shown.
  if (s.n_labs > 0) {
    const auto best = static_cast<std::size_t>(
        std::max_element(st.lab_efficiency_log10.begin(), st.lab_efficiency_log10.end()) -
        st.lab_efficiency_log10.begin());
    st.efficiency_log10 = st.lab_efficiency_log10[best];
    st.efficiency_var = st.lab_cov[best][0];
  } else {
    st.efficiency_log10 += trend * dt;
  }
  // The trend investors anchor on absorbs surprises over belief_half_life_years.
  st.trend_log10 += (st.efficiency_log10 - st.trend_log10) *
                    (1.0 - std::exp(-kLn2 * dt / p.belief_half_life_years));
  const double gap = st.efficiency_log10 - st.trend_log10;  // > 0: less compute needed

  // Investor types (docs/model.md §"Markets: investors"): ln expected compute demand.
  auto& b = st.type_belief;
  b[static_cast<std::size_t>(Investor::fundamental)] = -p.compute_demand_elasticity * kLn10 * gap;
  double& jevons = b[static_cast<std::size_t>(Investor::jevons)];
  jevons += (p.jevons_elasticity * kLn10 * gap - jevons) *
            (1.0 - std::exp(-kLn2 * days / p.jevons_half_life_days));
  const auto window = static_cast<std::size_t>(p.trend_window_days);
  const std::vector<double>& h = st.compute_history;
  b[static_cast<std::size_t>(Investor::trend)] =
      h.size() > window ? p.trend_strength * (h.back() - h[h.size() - 1 - window]) : 0.0;

  // Observed fundamentals, relative to their first observation.
  if (in.ai_chip_spend_usd_per_year > 0.0) {
    const double spend = std::log(in.ai_chip_spend_usd_per_year);
    if (!st.observed) {
      st.observed = true;
      st.spend_log = st.spend_log0 = spend;
      st.cn_domestic0 = std::isfinite(in.cn_domestic_share) ? in.cn_domestic_share : 0.0;
      st.cn_domestic_priced = st.cn_domestic0;
    }
    st.spend_log += (spend - st.spend_log) * (1.0 - std::exp(-dt / p.spend_smoothing_years));
  }

  // Correlated factor noise (docs/model.md §"Markets: prices"): Cholesky factor of the
  // correlation matrix times independent normals, scaled by each factor's volatility.
  // Noise accrues over calendar time since the previous tick and reverts to 0 with
  // sentiment_half_life_years; innovations are normal or Student-t (fat tails), unit variance.
  const double noise_dt = noise_years(p, tick.previous, tick.date);
  // The same reversion for every factor and firm this tick: worked out once.
  const NoiseReversion reversion = noise_reversion(noise_dt, p.sentiment_half_life_years);
  RandomStream rng(key, tick.index, 0);
  Eigen::Vector4d z;
  for (Eigen::Index f = 0; f < 4; ++f) z(f) = unit_innovation(rng, p.factor_tail_dof);
  const Eigen::Vector4d shock =
      Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(s.factor_cholesky.data()) * z;
  // With a transitory share, the noise is the sum of a persistent part (reverting with
  // sentiment_half_life_years) and a transitory one (transitory_half_life_days) that share the
  // daily variance, each with its own innovations, drawn after the persistent ones.
  const double transitory = p.transitory_noise_share;
  const double persistent_scale = std::sqrt(1.0 - transitory);
  const double transitory_scale = std::sqrt(transitory);
  const NoiseReversion fast_reversion =
      noise_reversion(noise_dt, p.transitory_half_life_days / 365.25);
  if (transitory == 0.0) {
    for (std::size_t f = 0; f < kFactorCount; ++f)
      st.factor_noise[f] =
          revert_noise(st.factor_noise[f], p.factor_volatility_per_year[f], reversion,
                       shock(static_cast<Eigen::Index>(f)));
  } else {
    Eigen::Vector4d z_fast;
    for (Eigen::Index f = 0; f < 4; ++f) z_fast(f) = unit_innovation(rng, p.factor_tail_dof);
    const Eigen::Vector4d fast_shock =
        Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(s.factor_cholesky.data()) *
        z_fast;
    for (std::size_t f = 0; f < kFactorCount; ++f) {
      const auto e = static_cast<Eigen::Index>(f);
      const double vol = p.factor_volatility_per_year[f];
      st.factor_noise_persistent[f] = revert_noise(
          st.factor_noise_persistent[f], vol * persistent_scale, reversion, shock(e));
      st.factor_noise_transitory[f] = revert_noise(
          st.factor_noise_transitory[f], vol * transitory_scale, fast_reversion, fast_shock(e));
      st.factor_noise[f] = st.factor_noise_persistent[f] + st.factor_noise_transitory[f];
    }
  }

  const double years = years_between(s.start, tick.date);
  auto factor = [](Factor f) { return static_cast<std::size_t>(f); };
  st.factor[factor(Factor::compute)] =
      p.spend_elasticity * (st.spend_log - st.spend_log0) +
      p.fundamental_share * b[static_cast<std::size_t>(Investor::fundamental)] +
      p.jevons_share * b[static_cast<std::size_t>(Investor::jevons)] +
      p.trend_share * b[static_cast<std::size_t>(Investor::trend)] - in.compute_demand_loss +
      st.factor_noise[factor(Factor::compute)];
  if (in.api_margin > 0.0 && !st.margin_observed) {
    st.margin_observed = true;
    st.margin_log0 = std::log(in.api_margin);
    st.margin_priced_log = st.margin_log0;
  }
  // Adoption computes the margin and the indicators China's domestic share once a tick;
  // investors take each value in over margin_news_days and substitution_news_days, as news of
  // them arrives all month (docs/model.md §3.3.7 "Observed fundamentals").
  const double elapsed_days = dt * 365.25;
  auto take_in = [elapsed_days](double priced, double seen, double news_days) {
    return news_days > 0.0
               ? priced + (seen - priced) * (1.0 - std::exp(-elapsed_days / news_days))
               : seen;
  };
  if (st.margin_observed && in.api_margin > 0.0)
    st.margin_priced_log =
        take_in(st.margin_priced_log, std::log(in.api_margin), p.margin_news_days);
  const bool share_seen = std::isfinite(in.cn_domestic_share) && st.observed;
  if (share_seen)
    st.cn_domestic_priced =
        take_in(st.cn_domestic_priced, in.cn_domestic_share, p.substitution_news_days);
  st.factor[factor(Factor::margins)] =
      (st.margin_observed && in.api_margin > 0.0 ? st.margin_priced_log - st.margin_log0 : 0.0) +
      st.factor_noise[factor(Factor::margins)];
  st.factor[factor(Factor::china_substitution)] =
      (share_seen ? st.cn_domestic_priced - st.cn_domestic0 : 0.0) +
      st.factor_noise[factor(Factor::china_substitution)];
  // docs/model.md §"Markets: prices": the broad market falls as the rate it prices in rises
  // (the expected path between decisions, the surprise on a decision's day), and the effect
  // fades as nominal earnings catch up.
  const double priced_rate =
      priced_policy_rate_percent(p.policy_rates, tick.date, p.rate_expectation_days);
  st.rate_effect_points = st.rate_effect_points * std::exp2(-dt / p.rate_effect_half_life_years) +
                          (std::isnan(priced_rate) || std::isnan(st.priced_rate_percent)
                               ? 0.0
                               : priced_rate - st.priced_rate_percent);
  st.priced_rate_percent = priced_rate;
  st.factor[factor(Factor::market)] = p.market_drift_per_year * years -
                                      p.rate_sensitivity * st.rate_effect_points +
                                      st.factor_noise[factor(Factor::market)];
  // Momentum looks at the compute factor without the trend followers' own contribution, as
  // the prices they watch show it: on the days the index trades (any firm's, without an index).
  const bool has_index = std::find(s.in_index.begin(), s.in_index.end(), 1) != s.in_index.end();
  bool watched_open = false;
  for (std::size_t i = 0; i < s.n_firms; ++i) {
    const bool listed = !(tick.date < s.firms[i].listed);
    st.trading[i] = listed && s.calendar.is_trading_day(s.firms[i].exchange, tick.date) ? 1 : 0;
    watched_open = watched_open || (st.trading[i] && (s.in_index[i] || !has_index));
  }
  if (watched_open) {
    st.compute_history.push_back(st.factor[factor(Factor::compute)] -
                                 p.trend_share * b[static_cast<std::size_t>(Investor::trend)]);
    if (st.compute_history.size() > window + 1)
      st.compute_history.erase(st.compute_history.begin());
  }

  // docs/model.md §"Markets: earnings anchor": an anchored firm's value is its expected
  // discounted earnings, plus what investors believe beyond them (the factors less observed
  // spending and the market's drift, which its own earnings replace), plus sentiment: its value
  // at the start above the anchor, fading with sentiment_half_life_years, and the noise.
  // Rates enter its discount rate (anchor_log_value), not the market factor's rate effect; its
  // producers' sales carry China's substitution, so a firm with producers keeps only the noise of
  // that factor.
  std::array<double, kFactorCount> beliefs = st.factor;
  beliefs[factor(Factor::compute)] -= p.spend_elasticity * (st.spend_log - st.spend_log0);
  beliefs[factor(Factor::market)] +=
      p.rate_sensitivity * st.rate_effect_points - p.market_drift_per_year * years;
  std::array<double, kFactorCount> beliefs_with_sales = beliefs;
  beliefs_with_sales[factor(Factor::china_substitution)] =
      st.factor_noise[factor(Factor::china_substitution)];
  const double smooth = 1.0 - std::exp(-dt / p.spend_smoothing_years);
  const double sentiment_left = std::exp2(-dt / p.sentiment_half_life_years);
  std::vector<double> value(s.n_firms);
  for (std::size_t i = 0; i < s.n_firms; ++i) {
    value[i] = firm_log_value(s, i, st.factor);
    if (!s.anchored[i] || !st.observed) continue;
    const double revenue =
        std::log(std::max(1.0, firm_revenue_usd_per_year(s, i, in.producer_revenue_usd_per_year,
                                                         years)));
    // Investors smooth the revenue they see, and extrapolate its smoothed growth. The smoothed
    // level lags by about the smoothing time, so they read today's level as the smoothed one
    // moved on by that time at the growth they extrapolate (on the first day it is today's: the
    // smoothed level starts that far behind it, as if revenue had grown at the growth seen).
    if (!st.anchor_started) {
      st.expected_growth[i] = s.firms[i].revenue_growth_at_start_per_year;
      st.revenue_log[i] = revenue - st.expected_growth[i] * p.spend_smoothing_years;
    } else if (dt > 0.0) {
      const double before = st.revenue_log[i];
      st.revenue_log[i] += (revenue - st.revenue_log[i]) * smooth;
      st.expected_growth[i] += ((st.revenue_log[i] - before) / dt - st.expected_growth[i]) * smooth;
    }
    st.anchor_log_value[i] = anchor_log_value(
        p, s.firms[i], st.revenue_log[i] + st.expected_growth[i] * p.spend_smoothing_years,
        st.expected_growth[i], st.rate_effect_points);
    const double believed =
        firm_log_value(s, i, s.firm_producers[i].empty() ? beliefs : beliefs_with_sales) -
        std::log(s.firms[i].market_cap_usd);
    // Sentiment at the start: continuous with the factor formula on the first day; it fades.
    if (!st.anchor_started)
      st.start_sentiment[i] = value[i] - st.anchor_log_value[i] - believed;
    else
      st.start_sentiment[i] *= sentiment_left;
    value[i] = st.anchor_log_value[i] + believed + st.start_sentiment[i];
  }
  if (st.observed) st.anchor_started = true;

  double index = 0.0;
  for (std::size_t i = 0; i < s.n_firms; ++i) {
    // Not listed yet: no price, no noise, no move.
    if (tick.date < s.firms[i].listed) {
      st.daily_return[i] = 0.0;
      continue;
    }
    RandomStream firm_rng(key, tick.index, 1 + i);
    const double vol = s.firms[i].idiosyncratic_volatility_per_year;
    if (transitory == 0.0) {
      st.idiosyncratic[i] = revert_noise(st.idiosyncratic[i], vol, reversion,
                                         unit_innovation(firm_rng, s.firms[i].tail_dof));
    } else {
      const double z_firm = unit_innovation(firm_rng, s.firms[i].tail_dof);
      const double z_fast = unit_innovation(firm_rng, s.firms[i].tail_dof);
      st.idiosyncratic_persistent[i] =
          revert_noise(st.idiosyncratic_persistent[i], vol * persistent_scale, reversion, z_firm);
      st.idiosyncratic_transitory[i] = revert_noise(st.idiosyncratic_transitory[i],
                                                    vol * transitory_scale, fast_reversion, z_fast);
      st.idiosyncratic[i] = st.idiosyncratic_persistent[i] + st.idiosyncratic_transitory[i];
    }
    // docs/model.md §"Markets: earnings days": a quarterly report moves the firm's value on its
    // first trading day on or after the report's date, by news that stays (its persistent part).
    st.earnings_move_ln[i] = 0.0;
    const FirmSpec& firm = s.firms[i];
    if (firm.earnings_day_volatility > 0.0 && st.trading[i] &&
        !(tick.date < report_date(firm.earnings_day, st.next_report[i]))) {
      const double jump = firm.earnings_day_volatility * firm_rng.normal();
      st.earnings_move_ln[i] = jump;
      st.idiosyncratic[i] += jump;
      if (transitory != 0.0) st.idiosyncratic_persistent[i] += jump;
      st.next_report[i] = first_report_on_or_after(firm.earnings_day, tick.date.plus_days(1));
    }
    // docs/model.md §"Markets: exchange calendars": a closed exchange keeps yesterday's price;
    // what happened meanwhile is priced on its next trading day. Under a daily price limit the
    // close moves at most the limit, and the rest of the move comes on the next trading days.
    double log_cap =
        st.trading[i] ? value[i] + st.listing_offset[i] + st.idiosyncratic[i] : st.log_cap[i];
    // Its first trading day it is worth its market_cap_usd; from there the factors move it.
    if (std::isnan(st.log_cap[i])) {
      if (st.trading[i]) {
        st.listing_offset[i] = std::log(s.firms[i].market_cap_usd) - log_cap;
        log_cap = std::log(s.firms[i].market_cap_usd);
      }
      st.daily_return[i] = 0.0;
      st.log_cap[i] = log_cap;
      continue;
    }
    if (const double limit = s.price_limit[i]; limit > 0.0 && st.trading[i])
      log_cap = std::clamp(log_cap, st.log_cap[i] + std::log1p(-limit),
                           st.log_cap[i] + std::log1p(limit));
    st.daily_return[i] = std::expm1(log_cap - st.log_cap[i]);
    st.log_cap[i] = log_cap;
    if (s.in_index[i]) index += std::exp(log_cap);
  }
  st.index_return = st.index_usd > 0.0 ? index / st.index_usd - 1.0 : 0.0;
  st.index_usd = index;
}

void watch_releases(const MarketsSetup& s, const MarketState& st,
                    std::span<const ReleaseNews> releases, std::vector<ReleaseWatch>& watches) {
  for (const ReleaseNews& r : releases) {
    ReleaseWatch w;
    w.release = r;
    w.surprise_log10 = release_efficiency_log10(r) - st.lab_efficiency_log10[r.lab];
    w.salience = r.salience;
    w.log_cap_before = st.log_cap;
    w.day_return.assign(s.n_firms, 0.0);
    w.priced.assign(s.n_firms, 0);
    w.worst.assign(s.n_firms, 0.0);
    watches.push_back(std::move(w));
  }
}

void update_watches(const MarketsSetup& s, const MarketState& st,
                    std::vector<ReleaseWatch>& watches, std::vector<ReleaseWatch>& finished) {
  for (ReleaseWatch& w : watches) {
    for (std::size_t i = 0; i < s.n_firms; ++i) {
      const double change = std::expm1(st.log_cap[i] - w.log_cap_before[i]);
      // The release's trading day for this firm: the first day its exchange is open.
      if (!w.priced[i] && st.trading[i]) {
        w.day_return[i] = change;
        w.priced[i] = 1;
      }
      w.worst[i] = std::min(w.worst[i], change);
    }
    ++w.days;
  }
  const auto done = [&s](const ReleaseWatch& w) {
    return w.days >= static_cast<int>(s.params.drawdown_window_days);
  };
  for (ReleaseWatch& w : watches)
    if (done(w)) finished.push_back(std::move(w));
  std::erase_if(watches, done);
}

}  // namespace airace
