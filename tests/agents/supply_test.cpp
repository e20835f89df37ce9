#include "agents/supply.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "tests/agents/module_input.hpp"

using namespace airace;
using namespace airace::testing;

namespace supply_test {

namespace {
const std::string kSmall = std::string(AIRACE_SOURCE_DIR) + "/tests/data/small.yaml";

// small.yaml's supply through the supply model's own schemas and resolve_supply. The labs are
// buyers too: their buyer keys are read with the clouds' schema, at the labs' training weight.
struct Supply {
  SupplySetup supply_setup;
};
Supply supply_of(const std::vector<std::string>& sets) {
  const ConfigNode tree = module_file_tree(kSmall, sets);
  Diagnostics diags;
  const auto params = read_section(tree, "supply_model", supply_model_schema(), diags);
  const auto chips = read_list(tree, "chips", chip_schema(), diags);
  const auto producers = read_list(tree, "producers", producer_schema(), diags);
  const std::vector<std::string> buyer_keys = cloud_schema().keys();
  ConfigNode labs = *tree.find("labs");
  for (ConfigNode& lab : labs.items)
    std::erase_if(lab.entries, [&](const ConfigEntry& e) {
      return std::find(buyer_keys.begin(), buyer_keys.end(), e.key) == buyer_keys.end();
    });
  BuyerSpec lab_defaults;
  lab_defaults.training_weight = 0.8;  // labs buy chips mostly to train (LabConfig)
  std::vector<BuyerSpec> buyers = read_entity_list(labs, "labs", cloud_schema(), lab_defaults, diags);
  const std::size_t n_labs = buyers.size();
  for (BuyerSpec& cloud : read_list(tree, "clouds", cloud_schema(), diags)) buyers.push_back(cloud);
  const auto makers = read_list(tree, "memory_makers", memory_maker_schema(), diags);
  Supply out{resolve_supply(params, chips, producers, buyers, n_labs, read_countries(tree),
                            Date::from_ymd(2022, 1, 1), diags, makers)};
  require_no_errors(diags);
  return out;
}

Supply quiet_small(std::vector<std::string> more = {}) {
  more.insert(more.begin(), "supply_model.demand_noise_sigma=0");
  return supply_of(more);
}

Tick tick_between(Date from, Date to, std::size_t index = 1) {
  return {to, from, index, years_between(from, to)};
}

const StreamKey kKey{1, 0, Stream::test};

// A policy with every chip allowed everywhere (or as given), no subsidy and no equipment control.
struct OpenPolicy {
  TradePolicy trade;
  SupplyPolicy policy;
  explicit OpenPolicy(const SupplySetup& s, double enforcement = 1.0) {
    trade.n_chips = s.n_chips;
    trade.n_countries = s.n_countries;
    trade.legal_share.assign(s.n_chips * s.n_countries, 1.0);
    trade.cut_soon.assign(s.n_chips * s.n_countries, 0.0);
    policy.trade = &trade;
    policy.enforcement = enforcement;
    policy.domestic_preference.assign(s.n_countries, 0.0);
    policy.subsidy_usd_per_year.assign(s.n_producers, 0.0);
    policy.capex_multiplier.assign(s.n_producers, 1.0);
    policy.node_floor_nm.assign(s.n_producers, 0.0);
  }
  void set(std::size_t chip, std::size_t country, double share) {
    trade.legal_share[chip * trade.n_countries + country] = share;
  }
};

constexpr std::size_t kA100 = 0, kH100 = 1, kAscend = 2;
constexpr std::size_t kUS = 0, kCN = 1;
constexpr std::size_t kUsLab = 0, kCnLab = 1, kCnCloud = 2;

// Steps the supply model weekly from `from` to `to`.
SupplyState run_weeks(const SupplySetup& s, SupplyState st, const SupplyPolicy& p, Date from,
                      Date to) {
  SupplyState next;
  std::size_t i = 0;
  for (Date d = from; d < to; d = d.plus_days(7)) {
    step_supply(s, st, next, p, tick_between(d, d.plus_days(7), ++i), kKey);
    std::swap(st, next);
  }
  return st;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// One week of supply from the initial state (2023-01-02), so that prices (the markup) are the
// same in every run, with `cut` of China's H100 demand under a coming rule.
const Date kWeekStart = Date::from_ymd(2023, 1, 2);
SupplyState week(const Supply& sc, double cut) {
  const Date from = kWeekStart;
  OpenPolicy p(sc.supply_setup);
  p.trade.cut_soon[kH100 * 2 + kCN] = cut;
  SupplyState next;
  step_supply(sc.supply_setup, initial_supply_state(sc.supply_setup), next, p.policy,
              tick_between(from, from.plus_days(7)), kKey);
  return next;
}
}  // namespace

TEST_CASE("allocation neither creates nor loses chips") {
  const Supply sc = quiet_small({"supply_model.depreciation_per_year=0"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s, 0.5);
  open.set(kH100, kCN, 0.0);  // some spending is blocked and leaks
  SupplyState st = initial_supply_state(s);
  st = run_weeks(s, st, open.policy, Date::from_ymd(2023, 6, 5), Date::from_ymd(2023, 9, 4));
  SupplyState next;
  step_supply(s, st, next, open.policy,
              tick_between(Date::from_ymd(2023, 9, 4), Date::from_ymd(2023, 9, 11)), kKey);
  // What producers delivered is what buyers' fleets received, chip by chip.
  double output = sum(next.output_chips);
  double delivered = 0.0;
  for (std::size_t c = 0; c < s.n_chips; ++c) {
    double by_country = 0.0;
    double by_buyer = 0.0;
    for (std::size_t k = 0; k < s.n_countries; ++k)
      by_country += next.sales[c * s.n_countries + k] + next.smuggled_sales[c * s.n_countries + k];
    for (std::size_t b = 0; b < s.n_buyers; ++b)
      by_buyer += next.installed[b * s.n_chips + c] + next.smuggled[b * s.n_chips + c] -
                  st.installed[b * s.n_chips + c] - st.smuggled[b * s.n_chips + c];
    CHECK(by_buyer == doctest::Approx(by_country).epsilon(1e-12));
    delivered += by_country;
  }
  CHECK(delivered == doctest::Approx(output).epsilon(1e-12));
  CHECK(delivered > 0.0);
  CHECK(sum(next.smuggled_sales) > 0.0);
  // Producers never ship more working chips than their capacity allows.
  for (std::size_t p = 0; p < s.n_producers; ++p)
    CHECK(next.output_chips[p] <= st.capacity[p] * st.yield[p] * 7.0 / 365.25 * (1 + 1e-12));
}

TEST_CASE("installed chips depreciate at the configured rate") {
  const Supply sc = quiet_small({"supply_model.depreciation_per_year=0.25"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s);
  const SupplyState start = initial_supply_state(s);
  SupplyState next;
  // us_lab starts spending in 2022-10: in 2022-01..2022-07 it only holds its 20,000 A100.
  step_supply(s, start, next, open.policy,
              tick_between(Date::from_ymd(2022, 1, 1), Date::from_ymd(2022, 7, 1)), kKey);
  const double years = years_between(Date::from_ymd(2022, 1, 1), Date::from_ymd(2022, 7, 1));
  CHECK(next.installed[kUsLab * 3 + kA100] == doctest::Approx(20000 * std::exp(-0.25 * years)));
  CHECK(buyer_compute_h100e(s, next, kUsLab) ==
        doctest::Approx(next.installed[kUsLab * 3 + kA100] * 312.0 / 989.0));
}

TEST_CASE("blocked buyers substitute toward allowed and domestic chips") {
  const Supply sc = quiet_small();
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s);
  OpenPolicy banned(s);
  banned.set(kA100, kCN, 0.0);
  banned.set(kH100, kCN, 0.0);
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 7, 3);
  const SupplyState a = run_weeks(s, start, open.policy, from, from.plus_days(28));
  const SupplyState b = run_weeks(s, start, banned.policy, from, from.plus_days(28));
  const double ascend_open = a.installed[kCnCloud * 3 + kAscend];
  const double ascend_banned = b.installed[kCnCloud * 3 + kAscend];
  CHECK(ascend_banned > 1.5 * ascend_open);
  // No legal Nvidia chip reached China.
  CHECK(b.installed[kCnCloud * 3 + kH100] == 0.0);
}

TEST_CASE("a rule announced ahead of its effective date makes buyers stockpile") {
  const Supply sc = quiet_small();
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy calm(s);
  OpenPolicy warned(s);
  warned.trade.cut_soon[kH100 * 2 + kCN] = 1.0;
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 1, 2);
  const SupplyState a = run_weeks(s, start, calm.policy, from, from.plus_days(28));
  const SupplyState b = run_weeks(s, start, warned.policy, from, from.plus_days(28));
  const double h100_calm = a.installed[kCnCloud * 3 + kH100];
  const double h100_warned = b.installed[kCnCloud * 3 + kH100];
  CHECK(h100_warned == doctest::Approx(h100_calm * (1.0 + s.params.stockpile_boost)));
  // US buyers see no rule coming and buy as before.
  CHECK(b.installed[kUsLab * 3 + kH100] == doctest::Approx(a.installed[kUsLab * 3 + kH100]));
}

TEST_CASE("buyers stockpile in proportion to the share of their demand a coming rule cuts") {
  const Supply sc = quiet_small();
  const SupplySetup& s = sc.supply_setup;
  // A coming ban cuts all of the H100 demand of China; a coming licence at approval rate 0.95
  // cuts a twentieth of it.
  OpenPolicy calm(s), ban(s), licence(s);
  ban.trade.cut_soon[kH100 * 2 + kCN] = 1.0;
  licence.trade.cut_soon[kH100 * 2 + kCN] = 0.05;
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 1, 2);
  auto h100_bought = [&](const OpenPolicy& p) {
    return run_weeks(s, start, p.policy, from, from.plus_days(28)).installed[kCnCloud * 3 + kH100];
  };
  const double calm_h100 = h100_bought(calm);
  const double extra_ban = h100_bought(ban) - calm_h100;
  const double extra_licence = h100_bought(licence) - calm_h100;
  CHECK(extra_licence > 0.0);
  CHECK(extra_licence == doctest::Approx(0.05 * extra_ban));
  CHECK(extra_licence < 0.1 * extra_ban);
}

TEST_CASE("stockpile orders queue behind ordinary orders: they get only the supply those leave") {
  const std::string queue = "supply_model.stockpile_orders_queue=true";
  const std::string binding = "producers.nvidia.capacity_chips_per_year=20000";
  // With supply to spare, a queued stockpile is delivered in full, as one filled pro rata.
  {
    const Supply sc = quiet_small({queue});
    const double calm = week(sc, 0.0).installed[kCnCloud * 3 + kH100];
    const double warned = week(sc, 1.0).installed[kCnCloud * 3 + kH100];
    const double pro_rata = week(quiet_small(), 1.0).installed[kCnCloud * 3 + kH100];
    CHECK(warned > calm);
    CHECK(warned == doctest::Approx(pro_rata).epsilon(1e-12));
  }
  // Nvidia's 20k starts a year do not meet the ordinary orders: in the queue the stockpile gets
  // nothing and everyone's ordinary deliveries are as without the coming rule; filled pro rata
  // with the ordinary orders it takes slots from the US lab.
  const Supply queued = quiet_small({queue, binding});
  const Supply pro_rata = quiet_small({binding});
  const SupplyState calm = week(queued, 0.0);
  const SupplyState q = week(queued, 1.0);
  const SupplyState p = week(pro_rata, 1.0);
  const SupplyState p_calm = week(pro_rata, 0.0);
  CHECK(p_calm.installed[kCnCloud * 3 + kH100] ==
        doctest::Approx(calm.installed[kCnCloud * 3 + kH100]).epsilon(1e-12));
  CHECK(q.installed[kCnCloud * 3 + kH100] ==
        doctest::Approx(calm.installed[kCnCloud * 3 + kH100]).epsilon(1e-12));
  CHECK(q.installed[kUsLab * 3 + kH100] ==
        doctest::Approx(calm.installed[kUsLab * 3 + kH100]).epsilon(1e-12));
  CHECK(p.installed[kCnCloud * 3 + kH100] > 1.5 * calm.installed[kCnCloud * 3 + kH100]);
  CHECK(p.installed[kUsLab * 3 + kH100] < 0.95 * calm.installed[kUsLab * 3 + kH100]);
  // The stockpile money that found no slot is unmet; no more chips are made than the supply.
  CHECK(q.unmet_usd[kCnCloud] > calm.unmet_usd[kCnCloud]);
  CHECK(q.output_chips[0] == doctest::Approx(calm.output_chips[0]).epsilon(1e-12));
  CHECK(q.output_chips[0] == doctest::Approx(p.output_chips[0]).epsilon(1e-12));
}

TEST_CASE(
    "orders count every chip ordered legally, delivered or not: a queued stockpile is ordered but "
    "not delivered") {
  const std::string queue = "supply_model.stockpile_orders_queue=true";
  const std::string binding = "producers.nvidia.capacity_chips_per_year=20000";
  const std::size_t h100_cn = kH100 * 2 + kCN;
  auto never_fewer_than_sales = [](const SupplyState& st) {
    REQUIRE(st.orders.size() == st.sales.size());
    for (std::size_t i = 0; i < st.sales.size(); ++i) {
      CAPTURE(i);
      CHECK(st.orders[i] >= st.sales[i] * (1 - 1e-12));
    }
  };
  // With supply to spare every order is delivered, the stockpile with it.
  {
    const Supply sc = quiet_small({queue});
    const SupplyState calm = week(sc, 0.0);
    const SupplyState warned = week(sc, 1.0);
    never_fewer_than_sales(warned);
    CHECK(warned.orders[h100_cn] == doctest::Approx(warned.sales[h100_cn]).epsilon(1e-12));
    CHECK(warned.orders[h100_cn] ==
          doctest::Approx(calm.orders[h100_cn] * (1.0 + sc.supply_setup.params.stockpile_boost))
              .epsilon(1e-12));
  }
  // Nvidia's 20k starts a year do not meet the ordinary orders: the stockpile is ordered (the
  // orders grow by the boost) but, queued behind the ordinary ones, not delivered. Filled pro
  // rata the same orders are placed; only the deliveries differ.
  const Supply queued = quiet_small({queue, binding});
  const SupplyState calm = week(queued, 0.0);
  const SupplyState q = week(queued, 1.0);
  const SupplyState p = week(quiet_small({binding}), 1.0);
  never_fewer_than_sales(calm);
  never_fewer_than_sales(q);
  never_fewer_than_sales(p);
  const double boost = queued.supply_setup.params.stockpile_boost;
  CHECK(calm.orders[h100_cn] > calm.sales[h100_cn]);  // rationed: not every order is filled
  CHECK(q.orders[h100_cn] == doctest::Approx(calm.orders[h100_cn] * (1.0 + boost)).epsilon(1e-12));
  CHECK(q.sales[h100_cn] == doctest::Approx(calm.sales[h100_cn]).epsilon(1e-12));
  CHECK(p.orders[h100_cn] == doctest::Approx(q.orders[h100_cn]).epsilon(1e-12));
  CHECK(p.sales[h100_cn] > 1.5 * q.sales[h100_cn]);
  // An order not filled in its week is not carried over: once the rule is in force, nothing
  // ordered before it is delivered.
  OpenPolicy banned(queued.supply_setup);
  banned.set(kH100, kCN, 0.0);
  SupplyState after;
  step_supply(queued.supply_setup, q, after, banned.policy,
              tick_between(kWeekStart.plus_days(7), kWeekStart.plus_days(14), 2), kKey);
  CHECK(after.sales[h100_cn] == 0.0);
  CHECK(after.orders[h100_cn] == 0.0);
}

// The Ascend needs 4 HBM stacks; a domestic maker offers huawei 52,000 stacks a year (1,000 a
// week: 250 chips a week, far below huawei's capacity).
const std::vector<std::string> kHbm = {
    "chips.Ascend910B.hbm_stacks=4",
    "memory_makers=[{id: cx, tier: china, buyers: [huawei], supply: [{from: 2022-01-01, "
    "stacks_per_year: 52000}]}, {id: kr, tier: ally, buyers: [huawei], supply: [{from: "
    "2022-01-01, stacks_per_year: 0}]}]"};

TEST_CASE("a chip that needs HBM is made only from the stacks its producer holds") {
  const Supply free_sc = quiet_small();
  const Supply sc = quiet_small(kHbm);
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy banned(s);  // Chinese buyers can only buy Ascends
  banned.set(kA100, kCN, 0.0);
  banned.set(kH100, kCN, 0.0);
  OpenPolicy banned_free(free_sc.supply_setup);
  banned_free.set(kA100, kCN, 0.0);
  banned_free.set(kH100, kCN, 0.0);
  const Date from = Date::from_ymd(2023, 7, 3);
  const SupplyState a = run_weeks(s, initial_supply_state(s), banned.policy, from,
                                  from.plus_days(28));
  const SupplyState b = run_weeks(free_sc.supply_setup, initial_supply_state(free_sc.supply_setup),
                                  banned_free.policy, from, from.plus_days(28));
  const double made = a.cumulative_output[1] - s.producers[1].experience_chips;
  const double made_free = b.cumulative_output[1] - s.producers[1].experience_chips;
  // Four weeks of 1,000 stacks make at most 1,000 Ascends; without tracking, many more.
  CHECK(made <= 1000.0 + 1e-6);
  CHECK(made > 900.0);
  CHECK(made_free > 1.5 * made);
  CHECK(a.hbm_stock_stacks[1] >= 0.0);
  CHECK(a.hbm_stock_stacks[1] < 1e-6);  // every stack bought went into a chip
  CHECK(a.hbm_limited_chips[1] < a.die_limited_chips[1]);  // HBM binds, not the dies
}

TEST_CASE("a memory rule stops the makers it covers and an announced one makes producers stockpile HBM") {
  const Supply sc = quiet_small({"chips.Ascend910B.hbm_stacks=4",
                                 "memory_makers=[{id: kr, tier: ally, buyers: [huawei], supply: "
                                 "[{from: 2022-01-01, stacks_per_year: 52000}]}]"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s), banned(s), coming(s);
  const std::size_t nk = s.n_countries;
  for (OpenPolicy* p : {&open, &banned, &coming}) {
    p->trade.hbm_legal_share.assign(kTierCount * nk, 1.0);
    p->trade.hbm_cut_soon.assign(kTierCount * nk, 0.0);
  }
  const std::size_t ally = static_cast<std::size_t>(ExportTier::ally);
  banned.trade.hbm_legal_share[ally * nk + kCN] = 0.0;
  coming.trade.hbm_cut_soon[ally * nk + kCN] = 1.0;
  const Date from = Date::from_ymd(2023, 7, 3);
  auto bought = [&](const OpenPolicy& p) {
    SupplyState st = run_weeks(s, initial_supply_state(s), p.policy, from, from.plus_days(28));
    return st.hbm_bought_stacks[1];
  };
  const double week = 52000.0 * years_between(from, from.plus_days(7));  // stacks
  CHECK(bought(open) == doctest::Approx(week));
  CHECK(bought(banned) == 0.0);
  CHECK(bought(coming) == doctest::Approx(week * (1.0 + s.params.hbm_stockpile_boost)));
}

TEST_CASE("a die bank shipped over a window can be used only as its dies arrive") {
  ProducerConfig p;
  p.die_bank_dies = 1000.0;
  p.die_bank_from = Date::from_ymd(2023, 1, 1);
  // All at once on die_bank_from when no window is given.
  CHECK(die_bank_usable(p, 1000.0, Date::from_ymd(2022, 12, 31)) == 0.0);
  CHECK(die_bank_usable(p, 1000.0, Date::from_ymd(2023, 1, 1)) == 1000.0);
  CHECK(die_bank_usable(p, 400.0, Date::from_ymd(2023, 6, 1)) == 400.0);
  // Shipped pro rata over 2023: by 2023-07-02 (182 of 364 days) half has arrived.
  p.die_bank_until = Date::from_ymd(2023, 12, 31);
  CHECK(die_bank_usable(p, 1000.0, Date::from_ymd(2022, 12, 31)) == 0.0);
  CHECK(die_bank_usable(p, 1000.0, Date::from_ymd(2023, 7, 2)) == doctest::Approx(500.0));
  // 300 of the 500 arrived used: 200 left to use; none if more than had arrived was used.
  CHECK(die_bank_usable(p, 700.0, Date::from_ymd(2023, 7, 2)) == doctest::Approx(200.0));
  CHECK(die_bank_usable(p, 400.0, Date::from_ymd(2023, 7, 2)) == 0.0);
  CHECK(die_bank_usable(p, 700.0, Date::from_ymd(2024, 3, 1)) == 700.0);
}

// Nvidia's chips packaged on 10 interposer wafers a month until 2023-07, then 20; half of them
// Nvidia's, 30 chips a wafer: 1,800 chips a year, then 3,600, far below its orders.
const std::vector<std::string> kPackaging = {
    "producers.nvidia.packaging_capacity=[{from: 2022-01-01, wafers_per_month: 10}, {from: "
    "2023-07-01, wafers_per_month: 20}]",
    "producers.nvidia.packaging_share=0.5", "producers.nvidia.packages_per_wafer=30"};

TEST_CASE("a packaging ceiling caps a producer's chips and rises with the packager's wafers") {
  CHECK(std::isinf(packaging_ceiling_chips_per_year(ProducerConfig{}, Date::from_ymd(2023, 1, 1))));
  const Supply free_sc = quiet_small();
  const Supply sc = quiet_small(kPackaging);
  const SupplySetup& s = sc.supply_setup;
  CHECK(packaging_ceiling_chips_per_year(s.producers[0], Date::from_ymd(2021, 12, 31)) == 0.0);
  CHECK(packaging_ceiling_chips_per_year(s.producers[0], Date::from_ymd(2022, 1, 1)) == 1800.0);
  CHECK(packaging_ceiling_chips_per_year(s.producers[0], Date::from_ymd(2023, 7, 1)) == 3600.0);
  const OpenPolicy open(s);
  const OpenPolicy open_free(free_sc.supply_setup);
  auto made = [&](const SupplySetup& setup, const OpenPolicy& p, Date from, SupplyState* last) {
    const SupplyState st = run_weeks(setup, initial_supply_state(setup), p.policy, from,
                                     from.plus_days(28));
    if (last) *last = st;
    return st.cumulative_output[0] - setup.producers[0].experience_chips;
  };
  const Date june = Date::from_ymd(2023, 6, 5), july = Date::from_ymd(2023, 7, 3);
  SupplyState a;
  const double before = made(s, open, june, &a);
  const double after = made(s, open, july, nullptr);
  const double free = made(free_sc.supply_setup, open_free, june, nullptr);
  const double ceiling = 1800.0 * years_between(june, june.plus_days(28));
  CHECK(before <= ceiling * (1 + 1e-9));
  CHECK(before > 0.99 * ceiling);  // orders far exceed it: it binds
  CHECK(after == doctest::Approx(2.0 * before));
  CHECK(free > 5.0 * before);
  // The series of the last tick: the ceiling for a week, below what the dies allowed; no
  // ceiling for huawei, which has none.
  CHECK(a.packaging_limited_chips[0] == doctest::Approx(1800.0 * years_between(june, june.plus_days(7))));
  CHECK(a.die_limited_chips[0] > a.packaging_limited_chips[0]);
  CHECK(a.output_chips[0] <= a.packaging_limited_chips[0] * (1 + 1e-9));
  CHECK(std::isinf(a.packaging_limited_chips[1]));
}

TEST_CASE("a packaging ceiling caps dies from the die bank too") {
  const Supply sc = quiet_small(
      {"producers.huawei.die_bank_dies=100000", "producers.huawei.die_bank_from=2022-01-01",
       "producers.huawei.packaging_capacity=[{from: 2022-01-01, wafers_per_month: 10}]",
       "producers.huawei.packaging_share=0.5", "producers.huawei.packages_per_wafer=30"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy banned(s);  // Chinese buyers can only buy Ascends
  banned.set(kA100, kCN, 0.0);
  banned.set(kH100, kCN, 0.0);
  const Date from = Date::from_ymd(2023, 7, 3);
  const SupplyState a =
      run_weeks(s, initial_supply_state(s), banned.policy, from, from.plus_days(28));
  const double made = a.cumulative_output[1] - s.producers[1].experience_chips;
  const double banked = 100000.0 - a.die_bank_dies[1];
  CHECK(made + banked <= 1800.0 * years_between(from, from.plus_days(28)) * (1 + 1e-9));
  CHECK(a.die_limited_chips[1] > 10.0 * a.packaging_limited_chips[1]);  // dies are plentiful
  CHECK(a.die_bank_dies[1] > 99000.0);
}

TEST_CASE("packaging capacities out of date order are an error at the item's line") {
  const ConfigNode tree = module_file_tree(
      kSmall, {"producers.nvidia.packaging_capacity=[{from: 2023-01-01, wafers_per_month: 10}, "
               "{from: 2022-01-01, wafers_per_month: 20}]"});
  Diagnostics diags;
  read_list(tree, "producers", producer_schema(), diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.all()[0].message.find("date order") != std::string::npos);
  CHECK(diags.all()[0].key_path.find("packaging_capacity[1].from") != std::string::npos);
  CHECK(diags.all()[0].where.line > 0);
}

TEST_CASE("a die bank whose last arrival is not after its first is an error") {
  const ConfigNode tree = module_file_tree(
      kSmall, {"producers.huawei.die_bank_dies=1000", "producers.huawei.die_bank_from=2024-01-01",
               "producers.huawei.die_bank_until=2023-06-01"});
  Diagnostics diags;
  const auto chips = read_list(tree, "chips", chip_schema(), diags);
  const auto producers = read_list(tree, "producers", producer_schema(), diags);
  REQUIRE(diags.empty());
  resolve_supply({}, chips, producers, {}, 0, read_countries(tree), Date::from_ymd(2022, 1, 1),
                 diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.all()[0].message.find("not after its first") != std::string::npos);
  CHECK(diags.all()[0].where.line > 0);
}

TEST_CASE("a memory maker that sells to a producer without HBM chips is an error") {
  const ConfigNode tree = module_file_tree(
      kSmall, {"memory_makers=[{id: kr, tier: ally, buyers: [nvidia], supply: [{from: "
               "2022-01-01, stacks_per_year: 1}]}]"});
  Diagnostics diags;
  const auto makers = read_list(tree, "memory_makers", memory_maker_schema(), diags);
  REQUIRE(diags.empty());
  const auto chips = read_list(tree, "chips", chip_schema(), diags);
  const auto producers = read_list(tree, "producers", producer_schema(), diags);
  resolve_supply({}, chips, producers, {}, 0, read_countries(tree), Date::from_ymd(2022, 1, 1),
                 diags, makers);
  REQUIRE(diags.size() == 1);
  CHECK(diags.all()[0].message.find("no chip with hbm_stacks > 0") != std::string::npos);
  CHECK(diags.all()[0].where.line > 0);
}

TEST_CASE("an importer's own rule refuses imports without leakage and a licence's revenue share goes to the exporting government") {
  const Supply sc = quiet_small();
  const SupplySetup& s = sc.supply_setup;
  const std::size_t nk = s.n_countries;
  // The US bans the A100 and H100 for China: some of that spending leaks into smuggling.
  OpenPolicy us_ban(s, 0.0);
  us_ban.set(kA100, kCN, 0.0);
  us_ban.set(kH100, kCN, 0.0);
  // China refuses them itself: nothing leaks, the money goes to the Ascend.
  OpenPolicy cn_refuses(s, 0.0);
  cn_refuses.trade.import_share.assign(s.n_chips * nk, 1.0);
  cn_refuses.trade.import_share[kA100 * nk + kCN] = 0.0;
  cn_refuses.trade.import_share[kH100 * nk + kCN] = 0.0;
  const Date from = Date::from_ymd(2023, 7, 3);
  const SupplyState a = run_weeks(s, initial_supply_state(s), us_ban.policy, from, from.plus_days(28));
  const SupplyState b =
      run_weeks(s, initial_supply_state(s), cn_refuses.policy, from, from.plus_days(28));
  CHECK(a.smuggled[kCnCloud * 3 + kH100] > 0.0);
  CHECK(b.smuggled[kCnCloud * 3 + kH100] == 0.0);
  CHECK(b.installed[kCnCloud * 3 + kH100] == a.installed[kCnCloud * 3 + kH100]);  // initial only
  CHECK(b.remote_h100e[kCnCloud] == 0.0);
  CHECK(b.installed[kCnCloud * 3 + kAscend] > a.installed[kCnCloud * 3 + kAscend]);

  // A licence with a 25% revenue share: the producer keeps 75% of the price of those sales.
  OpenPolicy open(s), shared(s);
  shared.trade.revenue_share.assign(s.n_chips * nk, 0.0);
  shared.trade.revenue_share[kH100 * nk + kCN] = 0.25;
  const SupplyState c = run_weeks(s, initial_supply_state(s), open.policy, from, from.plus_days(7));
  const SupplyState d = run_weeks(s, initial_supply_state(s), shared.policy, from, from.plus_days(7));
  const double fee = 0.25 * d.sales[kH100 * nk + kCN] * d.price_usd[kH100];
  CHECK(fee > 0.0);
  CHECK(d.licence_fees_usd[kCN] == doctest::Approx(fee));
  CHECK(d.licence_fees_usd[kUS] == 0.0);
  CHECK(c.revenue_usd[0] - d.revenue_usd[0] == doctest::Approx(fee));
}

TEST_CASE("demand beyond capacity is rationed and raises the price") {
  const Supply sc = quiet_small({"producers.huawei.capacity_chips_per_year=1000"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy banned(s);
  banned.set(kA100, kCN, 0.0);
  banned.set(kH100, kCN, 0.0);
  SupplyState st = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 7, 3);
  SupplyState next;
  step_supply(s, st, next, banned.policy, tick_between(from, from.plus_days(7)), kKey);
  const double available = 1000 * st.yield[1] * 7 / 365.25;
  CHECK(next.output_chips[1] == doctest::Approx(available));
  CHECK(sum(next.unmet_usd) > 0.0);
  CHECK(next.scarcity[1] > 1.0);
  st = run_weeks(s, next, banned.policy, from.plus_days(7), from.plus_days(70));
  CHECK(st.price_usd[kAscend] > 1.2 * s.chip_price_usd[kAscend]);
  CHECK(st.scarcity[1] <= s.params.max_scarcity_markup);
}

TEST_CASE("chips with slow interconnect are worth less for training") {
  ChipSpec h100;
  h100.bf16_dense_tflops = 989;
  h100.memory_bandwidth_tbps = 3.35;
  h100.interconnect_gbps = 900;
  ChipSpec h800 = h100;
  h800.interconnect_gbps = 400;
  CHECK(training_h100e(h100, 0.25) == doctest::Approx(1.0));
  CHECK(training_h100e(h800, 0.25) == doctest::Approx(std::pow(400.0 / 900.0, 0.25)));
  CHECK(training_h100e(h800, 0.0) == doctest::Approx(1.0));  // exponent 0: no penalty
  ChipSpec h20 = h100;
  h20.bf16_dense_tflops = 148;
  h20.memory_bandwidth_tbps = 4.0;
  // The H20 is weak for training and strong for (memory-bound) inference.
  CHECK(training_h100e(h20, 0.25) < 0.2);
  CHECK(inference_h100e(h20) > 1.0);
}

TEST_CASE("subsidies raise a producer's capacity growth") {
  const Supply sc = quiet_small({"producers.huawei.reinvestment_share=0"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy plain(s);
  OpenPolicy funded(s);
  funded.policy.subsidy_usd_per_year[1] = 5e9;
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 1, 2);
  const SupplyState a = run_weeks(s, start, plain.policy, from, from.plus_days(364));
  const SupplyState b = run_weeks(s, start, funded.policy, from, from.plus_days(364));
  // 5 B USD/year for a year at the default 10,000 USD per chip start/year: +500,000 starts/year.
  CHECK(b.capacity[1] - a.capacity[1] == doctest::Approx(5e9 * 364 / 365.25 / 10000));
}

TEST_CASE("equipment controls slow capacity and stop the node shrinking") {
  const Supply sc = quiet_small({"producers.huawei.reinvestment_share=0"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy plain(s);
  OpenPolicy controlled(s);
  controlled.policy.subsidy_usd_per_year[1] = 5e9;
  plain.policy.subsidy_usd_per_year[1] = 5e9;
  controlled.policy.capex_multiplier[1] = 2.0;
  controlled.policy.node_floor_nm[1] = 3.0;
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2023, 1, 2);
  const SupplyState a = run_weeks(s, start, plain.policy, from, from.plus_days(5 * 364));
  const SupplyState b = run_weeks(s, start, controlled.policy, from, from.plus_days(5 * 364));
  CHECK(b.capacity[1] - start.capacity[1] ==
        doctest::Approx(0.5 * (a.capacity[1] - start.capacity[1])).epsilon(0.01));
  CHECK(a.node_nm[1] == doctest::Approx(5.0 * std::pow(0.85, 5 * 364 / 365.25)));
  CHECK(b.node_nm[1] == doctest::Approx(3.0));
}

TEST_CASE("a fab outage cuts output while it lasts") {
  const Supply base = quiet_small();
  const Supply hit = quiet_small(
      {"producers.nvidia.disruptions=[{id: quake, start: 2023-03-06, end: 2023-03-19, "
       "capacity_lost: 1}]"});
  OpenPolicy open(base.supply_setup);
  const SupplyState start = initial_supply_state(base.supply_setup);
  const Date from = Date::from_ymd(2023, 3, 6);
  SupplyState a, b;
  step_supply(base.supply_setup, start, a, open.policy, tick_between(from, from.plus_days(7)),
              kKey);
  step_supply(hit.supply_setup, start, b, open.policy, tick_between(from, from.plus_days(7)),
              kKey);
  CHECK(a.output_chips[0] > 0.0);
  CHECK(b.output_chips[0] == 0.0);
  CHECK(b.output_chips[1] == a.output_chips[1]);
}

TEST_CASE("spending follows the growing demand plan whatever the step length") {
  const Supply sc =
      quiet_small({"producers.nvidia.capacity_chips_per_year=1e9", "producers.nvidia.progress_ratio=1",
                   "supply_model.depreciation_per_year=0", "clouds=[]", "labs.cn_lab.demand=[]",
                   "chips.Ascend910B.offered_to=[CN]"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s);
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2022, 10, 3);
  const SupplyState weekly = run_weeks(s, start, open.policy, from, from.plus_days(7 * 52));
  SupplyState once;
  step_supply(s, start, once, open.policy, tick_between(from, from.plus_days(7 * 52)), kKey);
  double spent_weekly = 0.0, spent_once = 0.0;
  for (std::size_t c = 0; c < s.n_chips; ++c) {
    const double bought_w = weekly.installed[kUsLab * 3 + c] - start.installed[kUsLab * 3 + c];
    const double bought_o = once.installed[kUsLab * 3 + c] - start.installed[kUsLab * 3 + c];
    spent_weekly += bought_w * s.chip_price_usd[c];
    spent_once += bought_o * s.chip_price_usd[c];
  }
  // 500 M USD/year from 2022-10-01 growing 2x/year, over 364 days from 2022-10-03.
  const double t0 = years_between(Date::from_ymd(2022, 10, 1), from);
  const double t1 = years_between(Date::from_ymd(2022, 10, 1), from.plus_days(364));
  const double expected = 5e8 * (std::pow(2.0, t1) - std::pow(2.0, t0)) / std::log(2.0);
  CHECK(spent_once == doctest::Approx(expected));
  CHECK(spent_weekly == doctest::Approx(expected));
}

TEST_CASE("demand noise preserves mean spending") {
  const std::vector<std::string> unlimited = {"producers.nvidia.capacity_chips_per_year=1e9",
                                              "producers.nvidia.progress_ratio=1",
                                              "supply_model.depreciation_per_year=0"};
  std::vector<std::string> noisy = unlimited;
  noisy.push_back("supply_model.demand_noise_sigma=0.5");
  const Supply sc = supply_of(noisy);
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s);
  const SupplyState start = initial_supply_state(s);
  const Tick year = tick_between(Date::from_ymd(2023, 1, 1), Date::from_ymd(2024, 1, 1));
  auto spent = [&](const SupplyState& st) {
    double usd = 0.0;
    for (std::size_t c = 0; c < 2; ++c)
      usd += (st.installed[kUsLab * 3 + c] - start.installed[kUsLab * 3 + c]) * st.price_usd[c];
    return usd;
  };
  double total = 0.0;
  const int n = 2000;
  SupplyState next;
  for (int r = 0; r < n; ++r) {
    step_supply(s, start, next, open.policy, year, {5, static_cast<uint32_t>(r), kBuyerDemandStream});
    total += spent(next);
  }
  const Supply q = quiet_small(unlimited);
  step_supply(q.supply_setup, start, next, open.policy, year, kKey);
  CHECK(total / n == doctest::Approx(spent(next)).epsilon(0.03));
}

}  // namespace supply_test

namespace supply_test {

namespace {
double chip_sales(const SupplySetup& s, const SupplyState& st, std::size_t chip) {
  double units = 0.0;
  for (std::size_t k = 0; k < s.n_countries; ++k)
    units += st.sales[chip * s.n_countries + k] + st.smuggled_sales[chip * s.n_countries + k];
  return units;
}

// Nvidia's 20k chip starts a year cannot meet the labs' orders: every slot is spoken for.
const std::string kBinding = "producers.nvidia.capacity_chips_per_year=20000";
const std::string kEnds = "producers.nvidia.ends_outearned_chips=true";

// The product-mix tests' market: the small scenario with `overrides`, every chip legal
// everywhere, stepped week by week from its initial state. Not copied: the policy points into
// itself.
struct Mix {
  Supply sc;
  OpenPolicy open;
  SupplyState st;
  explicit Mix(std::vector<std::string> overrides)
      : sc(quiet_small(std::move(overrides))),
        open(sc.supply_setup),
        st(initial_supply_state(sc.supply_setup)) {}
  Mix(const Mix&) = delete;
  Mix& operator=(const Mix&) = delete;
  const SupplySetup& s() const { return sc.supply_setup; }
  void run(Date from, Date to) { st = run_weeks(sc.supply_setup, st, open.policy, from, to); }
  double sales(std::size_t chip) const { return chip_sales(s(), st, chip); }
};
}  // namespace

TEST_CASE("a producer whose capacity binds ends a chip that a later chip of its own outearns per slot") {
  Mix m({kBinding, kEnds});
  // Before the H100 launches the A100 is Nvidia's only chip: scarce slots end nothing.
  m.run(Date::from_ymd(2022, 6, 6), Date::from_ymd(2022, 9, 26));
  CHECK(m.st.chip_ended[kA100] == 0);
  CHECK(m.sales(kA100) > 0.0);
  // Once the H100 ($28k a slot against $10k) is on sale, the first binding week ends the A100.
  m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2022, 10, 24));
  CHECK(m.st.chip_ended[kA100] == 1);
  CHECK(m.st.chip_ended[kH100] == 0);
  CHECK_FALSE(
      chip_on_sale(m.s(), m.st, kA100, Date::from_ymd(2022, 10, 24), Date::from_ymd(2022, 10, 31)));
  SupplyState next;
  step_supply(m.s(), m.st, next, m.open.policy,
              tick_between(Date::from_ymd(2022, 10, 24), Date::from_ymd(2022, 10, 31)), kKey);
  CHECK(chip_sales(m.s(), next, kA100) == 0.0);
  CHECK(chip_sales(m.s(), next, kH100) > 0.0);
  // The A100's buyers now buy H100s: all of the producer's supply is sold at the H100's price.
  CHECK(next.utilisation[0] == doctest::Approx(1.0));
}

TEST_CASE("a producer makes an older chip beside a later one for its generation overlap") {
  Mix m({kBinding, kEnds, "producers.nvidia.generation_overlap_years=0.5"});
  // The H100 launches on 2022-10-01; the capacity binds all along.
  m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 3, 27));
  CHECK(m.st.scarcity[0] > 1.0);
  CHECK(m.st.chip_ended[kA100] == 0);
  CHECK(m.sales(kA100) > 0.0);
  m.run(Date::from_ymd(2023, 3, 27), Date::from_ymd(2023, 4, 24));
  CHECK(m.st.chip_ended[kA100] == 1);
}

TEST_CASE("a producer that does not end outearned chips makes them while they sell") {
  Mix m({kBinding});
  m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 1, 2));
  CHECK(m.st.scarcity[0] > 1.0);
  CHECK(m.st.chip_ended[kA100] == 0);
  CHECK(m.sales(kA100) > 0.0);
}

TEST_CASE("a producer with spare capacity keeps making its older chips") {
  Mix m({kEnds});  // 1M starts/yr
  m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 3, 27));
  CHECK(m.st.chip_ended[kA100] == 0);
  CHECK(m.sales(kA100) > 0.0);
  CHECK(m.sales(kH100) > 0.0);
}

TEST_CASE("an ended chip stays ended when capacity frees up") {
  Mix m({});
  m.st.chip_ended[kA100] = 1;  // ended in an earlier shortage
  m.run(Date::from_ymd(2023, 1, 2), Date::from_ymd(2023, 3, 27));
  CHECK(m.st.chip_ended[kA100] == 1);
  CHECK(m.sales(kA100) == 0.0);
  CHECK(m.sales(kH100) > 0.0);
}

TEST_CASE("a later chip that earns less per slot or may be sold in fewer places ends nothing") {
  SUBCASE("cheaper per slot") {
    // An H100 that takes two slots at $18k earns $9k a slot, less than the A100's $10k.
    Mix m({kBinding, kEnds, "chips.H100.capacity_per_chip=2", "chips.H100.price_usd=18000"});
    m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 1, 2));
    CHECK(m.st.scarcity[0] > 1.0);  // the capacity binds
    CHECK(m.st.chip_ended[kA100] == 0);
    CHECK(m.sales(kA100) > 0.0);
  }
  SUBCASE("sold to fewer countries") {
    Mix m({kBinding, kEnds, "chips.H100.offered_to=[china]"});
    m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 1, 2));
    CHECK(m.st.scarcity[0] > 1.0);
    CHECK(m.st.chip_ended[kA100] == 0);
  }
  SUBCASE("banned where the older chip may be sold") {
    Mix m({kBinding, kEnds});
    m.open.set(kH100, kCN, 0.0);  // China may buy A100s, not H100s
    m.run(Date::from_ymd(2022, 9, 26), Date::from_ymd(2023, 1, 2));
    CHECK(m.st.scarcity[0] > 1.0);
    CHECK(m.st.chip_ended[kA100] == 0);
  }
}

}  // namespace supply_test

namespace supply_test {

TEST_CASE("a buyer's plans stand exactly before plans_until and spend nothing from it on") {
  const Supply sc = quiet_small({"producers.nvidia.capacity_chips_per_year=1e9"});
  const SupplySetup& s = sc.supply_setup;
  OpenPolicy open(s);
  const SupplyState start = initial_supply_state(s);
  const Date from = Date::from_ymd(2022, 1, 3);
  const Tick week = tick_between(from, from.plus_days(7));
  auto step = [&](const SupplyPolicy& p) {
    SupplyState next;
    step_supply(s, start, next, p, week, kKey);
    return next;
  };
  auto spending = [&](const SupplyState& st, std::size_t b) {
    return st.spent_usd[b] + st.blocked_usd[b] + st.unmet_usd[b];
  };
  const SupplyState plain = step(open.policy);
  REQUIRE(spending(plain, kCnCloud) > 0.0);
  // Plans stopping after the tick: bit for bit what no stop gives.
  SupplyPolicy later = open.policy;
  later.plans_until.assign(s.n_buyers, Date::from_ymd(2026, 1, 1));
  const SupplyState same = step(later);
  CHECK(same.installed == plain.installed);
  CHECK(same.spent_usd == plain.spent_usd);
  // Plans stopping within the tick: the cloud's flat $300M/year for 3 of its 7 days.
  SupplyPolicy within = open.policy;
  within.plans_until.assign(s.n_buyers, Date::from_ymd(9999, 12, 31));
  within.plans_until[kCnCloud] = from.plus_days(3);
  const SupplyState cut = step(within);
  CHECK(spending(cut, kCnCloud) == doctest::Approx(3e8 * years_between(from, from.plus_days(3))));
  CHECK(spending(cut, kUsLab) == doctest::Approx(spending(plain, kUsLab)));
  // Plans stopped before the tick: only what is added (the clouds' demand-driven spending).
  SupplyPolicy after = open.policy;
  after.plans_until.assign(s.n_buyers, from);
  after.added_usd_per_year.assign(s.n_buyers, 0.0);
  CHECK(spending(step(after), kCnCloud) == 0.0);
  after.added_usd_per_year[kCnCloud] = 5.2e8;
  CHECK(spending(step(after), kCnCloud) == doctest::Approx(5.2e8 * week.dt_years));
}

}  // namespace supply_test
