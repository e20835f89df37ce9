#include "agents/export_rules.hpp"

#include <doctest/doctest.h>

#include "tests/agents/export_rules_data.hpp"
#include "tests/agents/module_input.hpp"

using namespace airace;
using namespace airace::testing;

namespace export_rules_test {

namespace {

enum Chip : std::size_t { A100, A800, H100, H800, H20, Ascend910B };
enum Where : std::size_t { US, CN, SG, JP };

// kRules, and `more` after it, through the rules' own schema and resolve_rules.
RuleBook rule_book(const std::string& more = "") {
  return read_rule_book(module_tree(kRules + more, {}, "rules.yaml"));
}

double share(const TradePolicy& p, Chip c, Where k) { return p.legal_share[c * p.n_countries + k]; }

TradePolicy policy_on(const RuleBook& b, Date d, std::vector<double> caps = {}) {
  if (caps.empty()) caps.assign(b.n_rules * b.n_countries, 0.0);
  TradePolicy p;
  compute_trade_policy(b, b.initial_times, d, caps, p);
  return p;
}

}  // namespace

TEST_CASE("rules cover chips by metrics computed from the catalogue") {
  const RuleBook b = rule_book();
  auto covers = [&](std::size_t rule, Chip c) { return b.covers[rule * b.n_chips + c] != 0; };
  // BIS 2022-10: TPP >= 4800 and interconnect >= 600 GB/s (calibration §1c).
  CHECK(covers(0, A100));
  CHECK(covers(0, H100));
  CHECK_FALSE(covers(0, A800));
  CHECK_FALSE(covers(0, H800));
  CHECK_FALSE(covers(0, H20));
  // BIS 2023-10 drops the interconnect test: the China variants are caught, the H20 is not.
  CHECK(covers(1, A100));
  CHECK(covers(1, A800));
  CHECK(covers(1, H800));
  CHECK_FALSE(covers(1, H20));
  // US rules control chips designed in the US and allied countries only.
  CHECK_FALSE(covers(0, Ascend910B));
}

TEST_CASE("treatment follows the rules in force on each date") {
  const RuleBook book = rule_book();
  const TradePolicy before = policy_on(book, Date::from_ymd(2022, 9, 1));
  CHECK(share(before, H100, CN) == 1.0);
  const TradePolicy y2022 = policy_on(book, Date::from_ymd(2022, 12, 1));
  CHECK(share(y2022, H100, CN) == 0.0);
  CHECK(share(y2022, H800, CN) == 1.0);
  CHECK(share(y2022, H100, US) == 1.0);
  // Announced 2023-10-17, in force 2023-11-17: buyers are warned in between.
  const TradePolicy warned = policy_on(book, Date::from_ymd(2023, 11, 1));
  CHECK(share(warned, H800, CN) == 1.0);
  CHECK(warned.cut_soon[H800 * 4 + CN] == 1.0);  // a coming ban cuts all legal demand
  CHECK(warned.cut_soon[H100 * 4 + CN] == 0.0);  // already banned: nothing to fear
  CHECK(warned.cut_soon[H800 * 4 + SG] == doctest::Approx(0.5));  // a licence at 0.5: half
  CHECK(warned.cut_soon[H800 * 4 + US] == 0.0);
  const TradePolicy y2023 = policy_on(book, Date::from_ymd(2023, 12, 1));
  CHECK(share(y2023, H800, CN) == 0.0);
  CHECK(share(y2023, H20, CN) == 1.0);
  CHECK(share(y2023, H100, JP) == 1.0);
  CHECK(share(y2023, H100, SG) == 0.5);  // a country named beats its tier
  CHECK(y2023.cut_soon[H800 * 4 + CN] == 0.0);
}

TEST_CASE("an order placed less than the lead time before a ban is not delivered") {
  // docs/model.md §"Rules, stockpiling": stockpiled orders count only if they can arrive
  // before the rule is in force; 6 weeks = 42 days before 2024-04-01 is 2024-02-19.
  const RuleBook book = rule_book(R"(
  - id: lead
    announced: 2024-01-01
    effective: 2024-04-01
    order_lead_time_weeks: 6
    covers: memory_bandwidth_tbps >= 4 and tpp < 4800
    destinations: [{to: china, treatment: banned}]
)");
  auto cut = [&](Date d) { return policy_on(book, d).cut_soon[H20 * 4 + CN]; };
  CHECK(cut(Date::from_ymd(2024, 1, 15)) == 1.0);   // 11 weeks ahead: delivered in time
  CHECK(cut(Date::from_ymd(2024, 2, 18)) == 1.0);   // 43 days ahead: arrives the day before
  CHECK(cut(Date::from_ymd(2024, 2, 19)) == 0.0);   // 42 days ahead: arrives as the ban starts
  CHECK(cut(Date::from_ymd(2024, 3, 15)) == 0.0);   // 17 days ahead: too late
  // Without a lead time, every order placed before the rule is in force is delivered.
  const RuleBook now = rule_book(R"(
  - id: lead
    announced: 2024-01-01
    effective: 2024-04-01
    covers: memory_bandwidth_tbps >= 4 and tpp < 4800
    destinations: [{to: china, treatment: banned}]
)");
  CHECK(policy_on(now, Date::from_ymd(2024, 3, 31)).cut_soon[H20 * 4 + CN] == 1.0);
  CHECK(book.lead_time_days[book.n_rules - 1] == 42.0);
}

TEST_CASE("a licence requirement passes the approval rate and a later rule can supersede it") {
  const RuleBook book = rule_book();
  CHECK(share(policy_on(book, Date::from_ymd(2025, 3, 1)), H20, CN) == 1.0);
  CHECK(share(policy_on(book, Date::from_ymd(2025, 5, 1)), H20, CN) == 0.0);
  CHECK(share(policy_on(book, Date::from_ymd(2025, 9, 1)), H20, CN) == 0.6);
  const auto& times = book.initial_times;
  CHECK(rule_status(book, times, 2, Date::from_ymd(2025, 9, 1)) == RuleStatus::ended);
  CHECK(rule_status(book, times, 3, Date::from_ymd(2025, 9, 1)) == RuleStatus::in_force);
  CHECK(rule_status(book, times, 3, Date::from_ymd(2025, 1, 1)) == RuleStatus::pending);
}

TEST_CASE("a country cap bans covered chips once legal deliveries reach it") {
  const RuleBook book = rule_book();
  const Date d = Date::from_ymd(2025, 2, 1);
  std::vector<double> caps(book.n_rules * 4, 0.0);
  CHECK(share(policy_on(book, d, caps), H100, SG) == 0.5);  // the 2023 licence still binds SG
  // Deliveries of 600 H100 to SG count against the diffusion cap of 1,000 H100e.
  std::vector<double> sales(6 * 4, 0.0);
  sales[H100 * 4 + SG] = 600;
  sales[H100 * 4 + US] = 1e6;  // no cap for the US
  const std::vector<double> h100e = {312 / 989.0, 312 / 989.0, 1, 1, 148 / 989.0, 320 / 989.0};
  count_against_caps(book, book.initial_times, d, sales, h100e, caps);
  CHECK(caps[4 * 4 + SG] == doctest::Approx(600));
  CHECK(caps[4 * 4 + US] == 0.0);
  CHECK(share(policy_on(book, d, caps), H100, SG) == 0.5);
  count_against_caps(book, book.initial_times, d, sales, h100e, caps);
  CHECK(share(policy_on(book, d, caps), H100, SG) == 0.0);
  // Rescinded on 2025-05-13: the cap no longer binds.
  CHECK(share(policy_on(book, Date::from_ymd(2025, 6, 1), caps), H100, SG) == 0.5);
}

TEST_CASE("equipment controls scale with the allies' alignment") {
  const RuleBook book = rule_book(R"(
producers:
  - {id: smic, country: CN, capacity_chips_per_year: 1000}
  - {id: tsmc, country: JP, capacity_chips_per_year: 1000}
equipment_controls:
  - {id: sme, announced: 2022-10-07, effective: 2022-10-07, capex_multiplier: 3, node_floor_nm: 7}
)");
  std::vector<double> capex, floor;
  equipment_limits(book, Date::from_ymd(2022, 1, 1), 1.0, capex, floor);
  CHECK(capex[0] == 1.0);
  equipment_limits(book, Date::from_ymd(2023, 1, 1), 1.0, capex, floor);
  CHECK(capex[0] == 3.0);
  CHECK(floor[0] == 7.0);
  CHECK(capex[1] == 1.0);  // an allied fab is not restricted
  equipment_limits(book, Date::from_ymd(2023, 1, 1), 0.4, capex, floor);
  CHECK(capex[0] == doctest::Approx(1.8));
  CHECK(floor[0] == doctest::Approx(2.8));
}

}  // namespace export_rules_test
