#include "agents/labs.hpp"

#include <cmath>

#include "sim/core/parallel.hpp"

namespace airace {

std::string_view archetype_name(LabArchetype a) {
  switch (a) {
    case LabArchetype::closed_frontier: return "closed_frontier";
    case LabArchetype::big_tech: return "big_tech";
    case LabArchetype::open_weight: return "open_weight";
    case LabArchetype::efficient_challenger: return "efficient_challenger";
    case LabArchetype::state_backed: return "state_backed";
  }
  return "?";
}

namespace {

// `chips: {H100: 20000, A100: 5000}`: chip id -> number of chips.
void read_chip_quantities(const ConfigNode& n, const std::string& path, LabConfig& lab,
                          Diagnostics& diags) {
  if (!n.is_map()) {
    diags.error(n.where, path,
                "expected a mapping of chip id to number of chips, found " + n.describe());
    return;
  }
  lab.initial_chips.clear();
  for (const ConfigEntry& entry : n.entries) {
    const std::string& chip = entry.key;
    const ConfigNode& count = entry.value;
    if (auto v = read_number(count, child_path(path, chip), at_least(0), "chips", diags))
      lab.initial_chips.push_back({EntityRef{chip, entry.key_where}, *v});
  }
}

void read_purchases(const ConfigNode& n, const std::string& path, LabConfig& lab,
                    Diagnostics& diags) {
  lab.purchases.clear();
  if (n.is_null()) return;
  if (!n.is_sequence()) {
    diags.error(n.where, path, "expected a list of purchase plans, found " + n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    PurchasePlan p;
    p.where = n.items[i].where;
    const std::string item = path + "[" + std::to_string(i) + "]";
    purchase_schema().read(n.items[i], item, p, diags);
    if (p.end < p.start)
      diags.error(p.where, item, "end " + p.end.iso() + " is before start " + p.start.iso());
    lab.purchases.push_back(std::move(p));
  }
}

}  // namespace

const Schema<PurchasePlan>& purchase_schema() {
  using P = PurchasePlan;
  static const Schema<PurchasePlan> schema(
      "labs[].purchases[]",
      {
          reference("chip", &P::chip, "chips[]", {"chip type bought", "", true}),
          number("units_per_year", &P::units_per_year, "chips/year", at_least(0),
                 {"delivery rate at the start of the plan", "", true}),
          number("growth_per_year", &P::growth_per_year, "x/year", above(0),
                 {"multiplicative growth of the delivery rate per year (1 = flat)"}),
          date("start", &P::start,
               {"first delivery date (deliveries never precede the chip's launch)"}),
          date("end", &P::end, {"last delivery date"}),
      });
  return schema;
}

const Schema<LabConfig>& lab_schema() {
  using L = LabConfig;
  static const Schema<LabConfig> schema(
      "labs[]",
      {
          text("id", &L::id, {"unique identifier", "", true}),
          text("name", &L::name, {"display name"}),
          reference("country", &L::country, "countries[]", {"home country", "", true}),
          choice("archetype", &L::archetype,
                 {{"closed_frontier", LabArchetype::closed_frontier},
                  {"big_tech", LabArchetype::big_tech},
                  {"open_weight", LabArchetype::open_weight},
                  {"efficient_challenger", LabArchetype::efficient_challenger},
                  {"state_backed", LabArchetype::state_backed}},
                 {"kind of lab (sets defaults in later model versions)"}),
          custom<L>({"chips", "mapping of chip id to number", "chips", "{}", ">= 0",
                     "chips installed at the start date, by chip type", "", false},
                    read_chip_quantities),
          custom<L>({"purchases", "list of purchase plans (see labs[].purchases[])", "", "[]", "",
                     "scheduled chip deliveries", "", false},
                    read_purchases),
          number("initial_efficiency", &L::initial_efficiency, "x 2022-01 algorithms", above(0),
                 {"algorithmic efficiency at the start date relative to the 2022-01 reference"}),
          number("efficiency_growth_per_year", &L::efficiency_growth_per_year, "x/year",
                 between(0.1, 100),
                 {"growth of algorithmic efficiency from the lab's research",
                  "Ho et al. 2024 (Epoch): compute for fixed performance halves every ~8 "
                  "months, ~2.8x/year (95% CI 5-14 months)"}),
          number("training_share", &L::training_share, "fraction", between(0, 1),
                 {"share of installed compute used for the frontier training run"}),
          text("source", &L::source, {"where the lab's figures come from"}),
      });
  return schema;
}

const Schema<LabModelParams>& lab_model_schema() {
  using M = LabModelParams;
  static const Schema<LabModelParams> schema(
      "lab_model",
      {
          number("training_run_days", &M::training_run_days, "days", between(1, 1000),
                 {"length of a frontier training run",
                  "Epoch: frontier LLM runs ~90-100 days, +1.4x/year (calibration §5)"}),
          number("model_flops_utilization", &M::model_flops_utilization, "fraction",
                 Range{0, 1, true, false},
                 {"achieved share of peak throughput during training",
                  "typical 30-50% for large runs (DeepSeek-V3 and Llama 3 reports)"}),
          number("depreciation_per_year", &M::depreciation_per_year, "1/year", between(0, 10),
                 {"continuous rate at which installed chips leave service",
                  "a 4-5 year accelerator life (hyperscaler depreciation schedules)"}),
          number("purchase_noise_sigma", &M::purchase_noise_sigma, "1/sqrt(year)", between(0, 5),
                 {"standard deviation of the log of deliveries over one year (mean-preserving "
                  "lognormal)"}),
          number("efficiency_noise_sigma", &M::efficiency_noise_sigma, "1/sqrt(year)",
                 between(0, 5),
                 {"standard deviation of the log of efficiency growth over one year"}),
      });
  return schema;
}

LabsSetup resolve_labs(const std::vector<LabConfig>& labs, const std::vector<ChipSpec>& chips,
                       const std::vector<std::string>& country_ids, const LabModelParams& params,
                       Date start, Diagnostics& diags) {
  std::vector<std::string> chip_ids;
  for (const ChipSpec& c : chips) chip_ids.push_back(c.id);

  LabsSetup s;
  s.n_labs = labs.size();
  s.n_chips = chips.size();
  s.params = params;
  for (const ChipSpec& c : chips) {
    s.chip_h100e.push_back(h100_equivalents(c));
    s.chip_launch.push_back(c.launch);
  }
  s.initial_chips.assign(s.n_labs * s.n_chips, 0.0);
  s.purchases.resize(s.n_labs);
  std::size_t plan_id = 0;
  for (std::size_t i = 0; i < labs.size(); ++i) {
    const LabConfig& lab = labs[i];
    const std::string path = "labs[" + lab.id + "]";
    resolve_reference(lab.country, path + ".country", country_ids, "country", diags);
    for (const ChipQuantity& q : lab.initial_chips) {
      const std::string qpath = path + ".chips." + q.chip.id;
      if (auto c = resolve_reference(q.chip, qpath, chip_ids, "chip", diags)) {
        if (q.units > 0.0 && start < chips[*c].launch)
          diags.error(q.chip.where, qpath,
                      "the " + q.chip.id + " launches on " + chips[*c].launch.iso() +
                          ", after the scenario starts (" + start.iso() +
                          "): it cannot be installed then");
        s.initial_chips[i * s.n_chips + *c] += q.units;
      }
    }
    for (std::size_t k = 0; k < lab.purchases.size(); ++k) {
      const PurchasePlan& p = lab.purchases[k];
      const std::string ppath = path + ".purchases[" + std::to_string(k) + "].chip";
      if (auto c = resolve_reference(p.chip, ppath, chip_ids, "chip", diags)) {
        if (p.end < chips[*c].launch)
          diags.error(p.where, path + ".purchases[" + std::to_string(k) + "]",
                      "the plan ends on " + p.end.iso() + ", before the " + p.chip.id +
                          " launches (" + chips[*c].launch.iso() + "): it would deliver nothing");
        s.purchases[i].push_back({plan_id++, *c, p.units_per_year, p.growth_per_year,
                                  std::max(p.start, chips[*c].launch), p.end});
      }
    }
    s.initial_efficiency.push_back(lab.initial_efficiency);
    s.efficiency_growth_per_year.push_back(lab.efficiency_growth_per_year);
    s.training_share.push_back(lab.training_share);
  }
  return s;
}

double effective_training_compute_flop(double compute_h100e, double efficiency,
                                       double training_share, const LabModelParams& p) {
  const double seconds = p.training_run_days * 86400.0;
  return compute_h100e * kH100DenseBf16Tflops * 1e12 * p.model_flops_utilization * training_share *
         seconds * efficiency;
}

double capability_from_compute(double effective_flop) {
  return effective_flop > 0.0 ? std::log10(effective_flop) : 0.0;
}

namespace {

double installed_h100e(const LabsSetup& s, const std::vector<double>& chips, std::size_t lab) {
  double sum = 0.0;
  for (std::size_t c = 0; c < s.n_chips; ++c) sum += chips[lab * s.n_chips + c] * s.chip_h100e[c];
  return sum;
}

// Chips delivered by plan p over [from, to): the integral of the growing rate over the days
// the plan is active, in years.
double planned_deliveries(const LabsSetup::Purchase& p, Date from, Date to) {
  const Date a = std::max(from, p.start);
  const Date b = std::min(to, p.end.plus_days(1));
  if (!(a < b)) return 0.0;
  const double t0 = years_between(p.start, a);
  const double t1 = years_between(p.start, b);
  if (p.growth_per_year == 1.0) return p.units_per_year * (t1 - t0);
  const double k = std::log(p.growth_per_year);
  return p.units_per_year * (std::exp(k * t1) - std::exp(k * t0)) / k;
}

// Labs per task: a lab's step costs well under a microsecond, so a handful of labs runs as one
// task and the parallelism comes from the replicates; hundreds of labs split across threads.
constexpr std::size_t kLabGrain = 32;

template <class F>
void for_each_lab(std::size_t n, F&& f) {
  parallel_for_each_index(n, kLabGrain, std::forward<F>(f));
}

}  // namespace

LabState initial_lab_state(const LabsSetup& s) {
  LabState st;
  st.chips = s.initial_chips;
  st.compute_h100e.resize(s.n_labs);
  st.efficiency = s.initial_efficiency;
  st.effective_compute_flop.resize(s.n_labs);
  st.capability.resize(s.n_labs);
  for (std::size_t i = 0; i < s.n_labs; ++i) {
    st.compute_h100e[i] = installed_h100e(s, st.chips, i);
    st.effective_compute_flop[i] = effective_training_compute_flop(
        st.compute_h100e[i], st.efficiency[i], s.training_share[i], s.params);
    st.capability[i] = capability_from_compute(st.effective_compute_flop[i]);
  }
  return st;
}

void step_lab_compute(const LabsSetup& s, const LabState& prev, LabState& next, const Tick& tick,
                      StreamKey key) {
  const double dt = tick.dt_years;
  // docs/model.md §"Labs: compute": K' = K·exp(-δ·dt) + deliveries·noise
  const double survive = std::exp(-s.params.depreciation_per_year * dt);
  const double sigma = s.params.purchase_noise_sigma * std::sqrt(dt);
  next = prev;
  for_each_lab(s.n_labs, [&](std::size_t i) {
    for (std::size_t c = 0; c < s.n_chips; ++c)
      next.chips[i * s.n_chips + c] = prev.chips[i * s.n_chips + c] * survive;
    for (const LabsSetup::Purchase& p : s.purchases[i]) {
      const double planned = planned_deliveries(p, tick.previous, tick.date);
      if (planned == 0.0) continue;
      // Mean-preserving lognormal: E[exp(σZ - σ²/2)] = 1. Each plan has its own stream, so a
      // draw never depends on which other plans delivered this period.
      const double z = sigma > 0.0 ? RandomStream(key, tick.index, p.id).normal() : 0.0;
      next.chips[i * s.n_chips + p.chip] += planned * std::exp(sigma * z - 0.5 * sigma * sigma);
    }
    next.compute_h100e[i] = installed_h100e(s, next.chips, i);
  });
}

void step_lab_research(const LabsSetup& s, const LabState& prev, LabState& next, const Tick& tick,
                       StreamKey key) {
  const double dt = tick.dt_years;
  const double sigma = s.params.efficiency_noise_sigma * std::sqrt(dt);
  next = prev;
  for_each_lab(s.n_labs, [&](std::size_t i) {
    RandomStream rng(key, tick.index, i);
    // docs/model.md §"Labs: capability": A' = A·g^dt·exp(σ√dt·Z)
    next.efficiency[i] = prev.efficiency[i] * std::pow(s.efficiency_growth_per_year[i], dt) *
                         std::exp(sigma * rng.normal());
    next.effective_compute_flop[i] = effective_training_compute_flop(
        prev.compute_h100e[i], next.efficiency[i], s.training_share[i], s.params);
    // The best model never gets worse: capability is a running maximum.
    next.capability[i] =
        std::max(prev.capability[i], capability_from_compute(next.effective_compute_flop[i]));
  });
}

}  // namespace airace
