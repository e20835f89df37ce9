#include "agents/talent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace airace {

const Schema<TalentParams>& talent_schema() {
  using P = TalentParams;
  static const Schema<TalentParams> s(
      "talent",
      {
          number("mobility_per_year", &P::mobility_per_year, "1/year", between(0, 12),
                 {"rate at which a lab's researchers reconsider where they work (some choose "
                  "their own lab again)",
                  "SignalFire State of Talent 2025: two-year retention 67-80% at OpenAI, "
                  "DeepMind and Anthropic, i.e. 10-18%/year leave; judgement range 0.1-0.35"}),
          number("pay_weight", &P::pay_weight, "utility per ln(USD/year)", between(0, 10),
                 {"weight of ln(pay per researcher) in a lab's attractiveness: 1 doubles the "
                  "odds of a lab whose pay doubles",
                  "assumption, range 0.5-2: 2025 offers of 10-100x pay moved only dozens of "
                  "researchers (pay offers reported by The Information and Reuters, 2024-25), so "
                  "pay is one term among several"}),
          number("compute_weight", &P::compute_weight, "utility per ln(H100e/researcher)",
                 between(0, 10),
                 {"weight of ln(installed compute per researcher) in a lab's attractiveness",
                  "assumption, range 0.2-1: labs recruit with compute per researcher (Meta "
                  "Superintelligence Labs 2025); a weaker pull than pay"}),
          number("standing_weight", &P::standing_weight, "utility per log10 FLOP", between(0, 10),
                 {"utility lost per order of magnitude of effective compute (capability) the "
                  "lab's best model is behind the best lab's",
                  "assumption, range 0.5-2: one log10 unit is about 11 months of frontier "
                  "progress at 12x/year"}),
          number("home_preference", &P::home_preference, "utility", between(0, 20),
                 {"utility of a lab in the country where the researcher works now (family, "
                  "language, clearances)",
                  "assumption, range 2-4: 87-90% of Chinese-origin top researchers in the US "
                  "stayed 5-6 years despite offers at home (Carnegie Endowment 2025; NYT 2020)"}),
          number(
              "us_visa_openness", &P::us_visa_openness, "fraction", between(0, 1),
              changeable({"fraction of would-be moves into US labs from abroad that a visa allows; "
                          "the refused stay where they are",
                          "assumption from the H-1B cap: 85,000 a year (65,000 + 20,000 US "
                          "advanced degrees, USCIS) against ~442,000 registered beneficiaries "
                          "(USCIS FY2025), odds ~25-30%, raised by uncapped routes (O-1, "
                          "universities, L-1, F-1 graduates): 0.5; range 0.3-0.8"})),
          number("other_visa_openness", &P::other_visa_openness, "fraction", between(0, 1),
                 changeable({"fraction of would-be moves from abroad into labs outside the US "
                             "that happen",
                             "assumption: movers into Chinese labs are mostly Chinese-origin "
                             "returnees who need no visa"})),
          number(
              "cn_returnee_programme", &P::cn_returnee_programme, "utility", between(-10, 10),
              changeable(
                  {"utility added to Chinese labs for researchers working abroad: talent "
                   "programmes' signing bonuses, housing, research funds",
                   "assumption, range 0.5-2.5: 10 of 100 Chinese-origin top researchers in "
                   "the US in 2019 had moved to China by 2025 (Carnegie Endowment, Sheehan & "
                   "Zhuang 2025) against a 2-4x pay gap (estimate); 1.5 gives ~0.2-0.4%/year "
                   "of US lab staff"})),
          number("us_entry_per_year", &P::us_entry_per_year, "1/year", between(0, 5),
                 {"new researchers entering US labs per year, per researcher already there "
                  "(new PhDs, engineers from outside AI labs)",
                  "assumption, range 0.1-0.3: the US share of top-tier AI researchers by "
                  "country of work fell from ~60% to ~42% 2019-2022 in a growing pool "
                  "(MacroPolo Global AI Talent Tracker)"}),
          number("cn_entry_per_year", &P::cn_entry_per_year, "1/year", between(0, 5),
                 {"new researchers entering Chinese labs per year, per researcher already there",
                  "assumption, range 0.2-0.4: China's share rose from ~11% to ~28% 2019-2022; "
                  "~47% of top-tier researchers did their undergraduate degree in China "
                  "(MacroPolo Global AI Talent Tracker)"}),
          number("other_entry_per_year", &P::other_entry_per_year, "1/year", between(0, 5),
                 {"new researchers entering other countries' labs per year, per researcher",
                  "assumption: as the US"}),
          number("max_headcount_growth_per_year", &P::max_headcount_growth_per_year, "x/year",
                 between(1, 100),
                 {"most a lab's research staff can grow in a year at full pay: the staff budget "
                  "follows the payroll, and a lab hires at most this fast",
                  "OpenAI ~1,500 staff (2024-07) to ~4,500 (2026-03), x1.9/year (headcounts "
                  "reported by The Information); range 1.5-4"}),
          number("unpaid_leave_per_year", &P::unpaid_leave_per_year, "1/year", between(0, 365),
                 {"rate at which the staff a lab cannot pay (1 - pay_factor of them) leave",
                  "assumption: unpaid researchers leave within months (6/year: 39% a month)"}),
      });
  return s;
}

TalentSetup resolve_talent(const TalentParams& params, const LabsSetup& labs,
                           const std::vector<std::string>& country_ids) {
  TalentSetup s;
  s.params = params;
  s.n_labs = labs.n_labs;
  s.n_countries = country_ids.size();
  s.lab_country = labs.country;
  s.start = labs.start;
  for (const LabConfig& l : labs.labs) {
    s.initial_researchers.push_back(l.researchers);
    s.founded.push_back(l.founded);
    s.full_pay_usd_per_year.push_back(l.talent_cost_usd_per_year / l.researchers);
  }
  for (const std::string& id : country_ids) {
    const bool us = id == "US", cn = id == "CN";
    s.visa_openness.push_back(us ? params.us_visa_openness : params.other_visa_openness);
    s.returnee_utility.push_back(cn ? params.cn_returnee_programme : 0.0);
    s.entry_per_year.push_back(us   ? params.us_entry_per_year
                               : cn ? params.cn_entry_per_year
                                    : params.other_entry_per_year);
  }
  return s;
}

TalentState initial_talent_state(const TalentSetup& setup) {
  const std::size_t k = setup.n_countries;
  TalentState st;
  st.researchers = setup.initial_researchers;
  // docs/model.md §"Labs: founding": a lab founded later has no staff until then.
  for (std::size_t j = 0; j < setup.founded.size(); ++j)
    if (setup.start < setup.founded[j]) st.researchers[j] = 0.0;
  st.moves.assign(k * k, 0.0);
  st.moves_per_year.assign(k * k, 0.0);
  st.entrants.assign(k, 0.0);
  st.entrants_per_year.assign(k, 0.0);
  st.exits.assign(k, 0.0);
  st.exits_per_year.assign(k, 0.0);
  return st;
}

namespace {

// Floors that keep the logs finite: pay of a lab that pays nothing, compute of a lab with none.
constexpr double kPayFloorUsd = 1e3;      // USD/year
constexpr double kPayScaleUsd = 1e6;      // USD/year, the unit pay is measured in
constexpr double kComputeFloor = 1e-3;    // H100e per researcher
constexpr double kComputeScale = 10.0;    // H100e per researcher
constexpr double kStandingFloor = -10.0;  // log10 FLOP behind the best (a lab with no model)

double clamp01(double x) { return std::isfinite(x) ? std::clamp(x, 0.0, 1.0) : 0.0; }

}  // namespace

std::vector<double> lab_attractiveness(const TalentSetup& setup,
                                       std::span<const double> researchers,
                                       const TalentInputs& in) {
  const TalentParams& p = setup.params;
  const std::size_t n = setup.n_labs;
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < n; ++j)
    if (std::isfinite(in.capability[j])) best = std::max(best, in.capability[j]);
  std::vector<double> u(n);
  for (std::size_t j = 0; j < n; ++j) {
    // docs/model.md §"Talent: attractiveness".
    const double pay = setup.full_pay_usd_per_year[j] * clamp01(in.pay_factor[j]);
    const double compute = std::isfinite(in.compute_h100e[j]) ? in.compute_h100e[j] : 0.0;
    const double per_head = std::max(compute, 0.0) / std::max(researchers[j], 1.0);
    const double behind = std::isfinite(in.capability[j])
                              ? std::max(in.capability[j] - best, kStandingFloor)
                              : kStandingFloor;
    u[j] = p.pay_weight * std::log(std::max(pay, kPayFloorUsd) / kPayScaleUsd) +
           p.compute_weight * std::log(std::max(per_head, kComputeFloor) / kComputeScale) +
           p.standing_weight * behind;
  }
  return u;
}

void step_talent(const TalentSetup& setup, const TalentState& prev, TalentState& next,
                 const TalentInputs& in, const Tick& tick) {
  const TalentParams& p = setup.params;
  const std::size_t n = setup.n_labs;
  const std::size_t k = setup.n_countries;
  const double dt = tick.dt_years;
  const std::vector<double>& r = prev.researchers;
  std::vector<double> u = lab_attractiveness(setup, r, in);
  // A lab not yet founded, or one that has exited, takes no one (it is out of every logit).
  for (std::size_t j = 0; j < setup.founded.size(); ++j)
    if (tick.date < setup.founded[j]) u[j] = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < in.exited_on.size(); ++j)
    if (!(tick.date < in.exited_on[j])) u[j] = -std::numeric_limits<double>::infinity();
  const std::vector<std::size_t>& home = setup.lab_country;

  // docs/model.md §"Talent: moves": who reconsiders (V) and who is unpaid and must go (F).
  const double reconsider = 1.0 - std::exp(-p.mobility_per_year * dt);
  const double unpaid_go = 1.0 - std::exp(-p.unpaid_leave_per_year * dt);
  std::vector<double> base(n), want(n * n, 0.0), forced_want(n * n, 0.0), arrivals(n, 0.0);
  std::vector<double> exits(k, 0.0), entrants(k, 0.0), w(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = reconsider * r[i];
    const double f = (1.0 - reconsider) * (1.0 - clamp01(in.pay_factor[i])) * unpaid_go * r[i];
    base[i] = r[i] - v - f;
    // Logit over all labs; the highest utility is subtracted before exp.
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < n; ++j) {
      w[j] = u[j] + (home[j] == home[i] ? p.home_preference : setup.returnee_utility[home[j]]);
      top = std::max(top, w[j]);
    }
    double all = 0.0;
    for (std::size_t j = 0; j < n; ++j) all += (w[j] = std::exp(w[j] - top));
    const double others = all - w[i];
    base[i] += v * w[i] / all;               // chose their own lab again
    if (others <= 0.0) exits[home[i]] += f;  // nowhere else to go
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      // Borders: the refused stay (reconsidering) or leave the labs (unpaid).
      const double open = home[j] == home[i] ? 1.0 : clamp01(setup.visa_openness[home[j]]);
      const double wv = v * w[j] / all;
      const double wf = others > 0.0 ? f * w[j] / others : 0.0;
      base[i] += wv * (1.0 - open);
      exits[home[i]] += wf * (1.0 - open);
      want[i * n + j] = wv * open;
      forced_want[i * n + j] = wf * open;
      arrivals[j] += (wv + wf) * open;
    }
  }
  // docs/model.md §"Talent: entrants": new researchers join the country's labs by the same logit.
  std::vector<double> entry(n, 0.0);
  for (std::size_t c = 0; c < k; ++c) {
    double pool = 0.0, top = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < n; ++j)
      if (home[j] == c) pool += r[j], top = std::max(top, u[j]);
    const double e = setup.entry_per_year[c] * dt * pool;
    if (e <= 0.0) continue;
    double all = 0.0;
    for (std::size_t j = 0; j < n; ++j)
      if (home[j] == c) all += std::exp(u[j] - top);
    for (std::size_t j = 0; j < n; ++j)
      if (home[j] == c) entry[j] = e * std::exp(u[j] - top) / all;
  }
  // docs/model.md §"Talent: hiring cap": a lab takes arrivals up to pay_factor × R × G^dt.
  std::vector<double> taken(n, 1.0);
  for (std::size_t j = 0; j < n; ++j) {
    const double cap =
        clamp01(in.pay_factor[j]) * r[j] * std::pow(p.max_headcount_growth_per_year, dt);
    const double come = arrivals[j] + entry[j];
    if (come > 0.0) taken[j] = std::clamp((cap - base[j]) / come, 0.0, 1.0);
  }

  next.researchers = base;
  next.moves = prev.moves;
  next.entrants = prev.entrants;
  next.exits = prev.exits;
  std::vector<double> moved_between(k * k, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double v = want[i * n + j], f = forced_want[i * n + j];
      if (v + f <= 0.0) continue;
      const double moved = (v + f) * taken[j];
      next.researchers[j] += moved;
      next.researchers[i] += v * (1.0 - taken[j]);  // refused: they stay
      exits[home[i]] += f * (1.0 - taken[j]);       // refused and unpaid: they leave
      moved_between[home[i] * k + home[j]] += moved;
    }
  for (std::size_t j = 0; j < n; ++j) {
    next.researchers[j] += entry[j] * taken[j];
    entrants[home[j]] += entry[j] * taken[j];
  }
  // docs/model.md §"Labs: founding": the founding team joins the day the lab is founded, as
  // entrants of its country.
  for (std::size_t j = 0; j < setup.founded.size(); ++j)
    if (setup.start < setup.founded[j] && tick.covers(setup.founded[j])) {
      next.researchers[j] += setup.initial_researchers[j];
      entrants[home[j]] += setup.initial_researchers[j];
    }
  auto per_year = [dt](double x) { return dt > 0.0 ? x / dt : 0.0; };
  next.moves_per_year.assign(k * k, 0.0);
  next.entrants_per_year.assign(k, 0.0);
  next.exits_per_year.assign(k, 0.0);
  for (std::size_t c = 0; c < k; ++c) {
    next.entrants[c] += entrants[c];
    next.exits[c] += exits[c];
    next.entrants_per_year[c] = per_year(entrants[c]);
    next.exits_per_year[c] = per_year(exits[c]);
  }
  for (std::size_t m = 0; m < k * k; ++m) {
    next.moves[m] += moved_between[m];
    next.moves_per_year[m] = per_year(moved_between[m]);
  }
  for (double& x : next.researchers) x = std::max(x, 0.0);  // rounding below zero
}

}  // namespace airace
