#include "agents/export_rules.hpp"

#include <algorithm>
#include <cmath>

namespace airace {

std::size_t country_index(const std::vector<CountrySpec>& countries, std::string_view id) {
  return static_cast<std::size_t>(
      std::find_if(countries.begin(), countries.end(),
                   [id](const CountrySpec& c) { return c.id == id; }) -
      countries.begin());
}

std::string_view tier_name(ExportTier t) {
  switch (t) {
    case ExportTier::us: return "us";
    case ExportTier::ally: return "ally";
    case ExportTier::china: return "china";
    case ExportTier::rest: return "rest";
  }
  return "?";
}

std::vector<std::pair<std::string, ExportTier>> tier_options() {
  return {{"us", ExportTier::us},
          {"ally", ExportTier::ally},
          {"china", ExportTier::china},
          {"rest", ExportTier::rest}};
}

namespace {

template <class Rule>
void read_destinations(const ConfigNode& n, const std::string& path, Rule& rule,
                       Diagnostics& diags) {
  rule.destinations.clear();
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of destinations such as [{to: china, treatment: banned}], found " +
                    n.describe());
    return;
  }
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    RuleDestination d;
    d.where = n.items[i].where;
    const std::string item = path + "[" + std::to_string(i) + "]";
    rule_destination_schema().read(n.items[i], item, d, diags);
    if (d.treatment != Treatment::licence && n.items[i].is_map() &&
        n.items[i].find("approval_rate") != nullptr)
      diags.error(n.items[i].key_location("approval_rate"), item + ".approval_rate",
                  "an approval rate applies only to treatment 'licence'");
    rule.destinations.push_back(std::move(d));
  }
}

void read_covers(const ConfigNode& n, const std::string& path, ExportRule& rule,
                 Diagnostics& diags) {
  if (auto c = parse_condition(n, path, chip_metric_names(), diags)) rule.covers = std::move(*c);
}

// A date whose location is kept, so that an error about date order points at it.
template <class T>
Field<T> located_date(std::string key, Date T::*member, SourceLocation T::*where, Doc doc) {
  Field<T> f = date(std::move(key), member, std::move(doc));
  auto read = f.read;
  f.read = [read, where](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
    read(n, path, out, d);
    out.*where = n.where;
  };
  return f;
}

// The fields every dated rule shares (DatedRule): id, name and the three dates first, the
// rule's own fields, then its source. The date docs differ by kind of rule.
template <class R>
std::vector<Field<R>> dated_rule_fields(Doc announced, Doc effective, Doc ends,
                                        std::vector<Field<R>> own) {
  std::vector<Field<R>> f;
  f.reserve(own.size() + 6);
  f.push_back(text<R>("id", &DatedRule::id, {"unique identifier", "", true}));
  f.push_back(text<R>("name", &DatedRule::name, {"display name"}));
  f.push_back(date<R>("announced", &DatedRule::announced, std::move(announced)));
  f.push_back(located_date<R>("effective", &DatedRule::effective, &DatedRule::effective_where,
                              std::move(effective)));
  f.push_back(located_date<R>("ends", &DatedRule::ends, &DatedRule::ends_where, std::move(ends)));
  for (Field<R>& x : own) f.push_back(std::move(x));
  f.push_back(text<R>("source", &DatedRule::source, {"Federal Register citation or report"}));
  return f;
}

}  // namespace

const Schema<RuleDestination>& rule_destination_schema() {
  using D = RuleDestination;
  static const Schema<RuleDestination> schema(
      "export_rules[].destinations[]",
      {
          reference("to", &D::to, "countries[] or an export tier",
                    {"destination: a country id or a tier (us, ally, china, rest)", "", true}),
          choice("treatment", &D::treatment,
                 {{"allowed", Treatment::allowed},
                  {"licence", Treatment::licence},
                  {"banned", Treatment::banned}},
                 changeable({"what an exporter needs to sell a covered chip there"})),
          number("approval_rate", &D::approval_rate, "fraction", between(0, 1),
                 changeable({"share of licence applications granted (treatment licence)",
                             "per rule: its source field"})),
          number("revenue_share", &D::revenue_share, "fraction", between(0, 1),
                 changeable({"share of the price of each legal sale of a covered chip there that "
                             "the exporter pays its government (the 2025-08 H20 licences: 15%; "
                             "the 2025-12 H200 decision: 25%)",
                             "per rule: its source field"})),
          number("cap_h100e", &D::cap_h100e, "H100e", above(0),
                 {"legal deliveries of covered chips per destination country while the rule is in "
                  "force; beyond it the chips are banned there (AI Diffusion rule: 49,901 H100e per "
                  "tier-2 country, 2025-2027)",
                  "calibration/facts.md §1b", false, true}),
      });
  return schema;
}

const Schema<ExportRule>& export_rule_schema() {
  using R = ExportRule;
  static const Schema<ExportRule> schema(
      "export_rules[]",
      dated_rule_fields<R>(
          {"date the rule is published; buyers stockpile until it is in force (required "
           "unless adaptive)"},
          {"date the rule comes into force (required unless adaptive)"},
          {"date the rule is rescinded or lapses"},
          {
              choice("imposed_by", &R::imposed_by,
                     {{"exporter", ImposedBy::exporter}, {"importer", ImposedBy::importer}},
                     {"who imposes the rule: the exporting country (its blocked sales leak "
                      "through smuggling and rented compute) or the importing one (customs checks "
                      "and purchase guidance: what it blocks, smuggled chips included, goes to "
                      "other chips)"}),
              flag("adaptive", &R::adaptive,
                   {"the rule has no dates of its own: a government's adaptive rule announces it "
                    "when its condition holds"}),
              custom<R>({"covers", "condition over chip metrics", "", "", "",
                         "which chips the rule controls, e.g. 'tpp >= 4800 and interconnect_gbps "
                         ">= 600'; metrics: " +
                             join_words(chip_metric_names()),
                         "", true, true},
                        read_covers),
              reference_list("chip_origins", &R::chip_origins, "countries[] or an export tier",
                             {"countries or tiers whose chips the rule controls; empty: chips "
                              "designed in tiers us and ally"}),
              custom<R>({"destinations", "list of destinations (see export_rules[].destinations[])",
                         "", "", "", "where the rule applies and how", "", true},
                        read_destinations<R>),
              reference_list("supersedes", &R::supersedes, "export_rules[]",
                             {"rules this one replaces from its effective date (a loosening such "
                              "as the 2025-08 H20 licences)"}),
              number("order_lead_time_weeks", &R::order_lead_time_weeks, "weeks", at_least(0),
                     {"time from an order of a covered chip to its delivery while the rule is "
                      "announced: orders stockpiled later than this before the effective date "
                      "arrive after it and are not delivered (0: delivered the week they are "
                      "placed)",
                      "per rule: its source field; docs/model.md §3.3.1"}),
          }));
  return schema;
}

const Schema<MemoryRule>& memory_rule_schema() {
  using R = MemoryRule;
  static const Schema<MemoryRule> schema(
      "memory_rules[]",
      dated_rule_fields<R>(
          {"date the rule is published; producers stockpile HBM until it is in force", "", true},
          {"date the rule comes into force", "", true}, {"date the rule lapses"},
          {
              reference_list("maker_tiers", &R::maker_tiers, "an export tier",
                             {"tiers (us, ally, china, rest) of the memory makers whose HBM the "
                              "rule controls; empty: us and ally"}),
              custom<R>({"destinations", "list of destinations (see export_rules[].destinations[])",
                         "", "", "", "where the rule applies and how", "", true},
                        read_destinations<R>),
          }));
  return schema;
}

const Schema<EquipmentControl>& equipment_control_schema() {
  using E = EquipmentControl;
  static const Schema<EquipmentControl> schema(
      "equipment_controls[]",
      dated_rule_fields<E>(
          {"date the control is published", "", true}, {"date it comes into force", "", true},
          {"date it lapses"},
          {
              reference_list("producers_in", &E::producers_in, "countries[] or an export tier",
                             {"countries or tiers whose chip producers lose access to the "
                              "equipment (empty: tier china)"}),
              number("capex_multiplier", &E::capex_multiplier, "x", at_least(1),
                     {"cost of new chip-making capacity relative to an unrestricted fab, at full "
                      "effect (allies fully aligned)",
                      "assumption, see docs/model.md §3.3.2"}),
              number("node_floor_nm", &E::node_floor_nm, "nm", at_least(0),
                     {"process node the restricted fabs cannot pass at full effect (0: none)",
                      "BIS 2022-10-07: logic at 16/14 nm and below (calibration §1a)"}),
          }));
  return schema;
}

std::vector<std::size_t> countries_named(const EntityRef& ref, const std::string& path,
                                         const std::vector<Country>& countries,
                                         Diagnostics& diags) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < countries.size(); ++k)
    if (countries[k].id == ref.id) return {k};
  for (const auto& [name, tier] : tier_options())
    if (name == ref.id) {
      for (std::size_t k = 0; k < countries.size(); ++k)
        if (countries[k].tier == tier) out.push_back(k);
      return out;
    }
  if (!ref.written()) return out;
  std::vector<std::string> names;
  for (const Country& c : countries) names.push_back(c.id);
  for (const auto& [name, tier] : tier_options()) names.push_back(name);
  diags.error(ref.where, path, "unknown country or export tier '" + ref.id + "'",
              suggest(ref.id, names, "known countries and tiers"));
  return out;
}

namespace {

// Dates are reported where they were written (the item itself when a date was not written).
void check_dates(const DatedRule& x, const std::string& path, Diagnostics& diags) {
  const Date announced = x.announced, effective = x.effective, ends = x.ends;
  const SourceLocation& at_effective = x.effective_where.file.empty() ? x.where : x.effective_where;
  const SourceLocation& at_ends = x.ends_where.file.empty() ? x.where : x.ends_where;
  if (effective < announced)
    diags.error(at_effective, path + ".effective",
                "the effective date " + effective.iso() + " is before the announcement " +
                    announced.iso() + "; a rule cannot be in force before it is published");
  if (!(announced < ends))
    diags.error(at_ends, path + ".ends",
                "the rule ends on " + ends.iso() + ", not after it is announced (" +
                    announced.iso() + ")");
}

RuleTimes times_of(const DatedRule& x) { return {x.announced, x.effective, x.ends}; }

const Date kNever = Date::from_ymd(9999, 12, 31);

}  // namespace

RuleBook resolve_rules(const std::vector<ExportRule>& rules,
                       const std::vector<EquipmentControl>& controls,
                       const std::vector<ChipSpec>& chips, const std::vector<Country>& countries,
                       const std::vector<std::string>& producer_ids,
                       const std::vector<std::size_t>& producer_country, Diagnostics& diags,
                       const std::vector<MemoryRule>& memory_rules) {
  RuleBook b;
  b.n_rules = rules.size();
  b.n_chips = chips.size();
  b.n_countries = countries.size();
  b.covers.assign(b.n_rules * b.n_chips, 0);
  b.destination.assign(b.n_rules * b.n_countries, {});
  b.supersedes.resize(b.n_rules);
  std::vector<std::string> rule_ids;
  for (const ExportRule& r : rules) rule_ids.push_back(r.id);

  std::vector<std::vector<double>> metrics;
  for (const ChipSpec& c : chips) metrics.push_back(chip_metrics(c));

  for (std::size_t r = 0; r < rules.size(); ++r) {
    const ExportRule& rule = rules[r];
    const std::string path = "export_rules[" + rule.id + "]";
    b.ids.push_back(rule.id);
    b.adaptive.push_back(rule.adaptive ? 1 : 0);
    b.importer.push_back(rule.imposed_by == ImposedBy::importer ? 1 : 0);
    b.lead_time_days.push_back(rule.order_lead_time_weeks * 7.0);
    if (rule.adaptive) {
      b.initial_times.push_back({kNever, kNever, kNever});
    } else {
      if (rule.announced == kNever)
        diags.error(rule.where, path,
                    "missing required key 'announced' (a rule that is not adaptive needs dates)");
      if (rule.effective == kNever)
        diags.error(rule.where, path,
                    "missing required key 'effective' (a rule that is not adaptive needs dates)");
      if (rule.announced != kNever && rule.effective != kNever)
        check_dates(rule, path, diags);
      b.initial_times.push_back(times_of(rule));
    }

    // Chips whose designer's country is among the origins (default: tiers us and ally).
    std::vector<uint8_t> origin_ok(countries.size(), 0);
    if (rule.chip_origins.empty()) {
      for (std::size_t k = 0; k < countries.size(); ++k)
        origin_ok[k] = countries[k].tier == ExportTier::us || countries[k].tier == ExportTier::ally;
    } else {
      for (std::size_t i = 0; i < rule.chip_origins.size(); ++i)
        for (std::size_t k : countries_named(rule.chip_origins[i],
                                             path + ".chip_origins[" + std::to_string(i) + "]",
                                             countries, diags))
          origin_ok[k] = 1;
    }
    for (std::size_t c = 0; c < chips.size(); ++c) {
      std::size_t origin = countries.size();
      for (std::size_t k = 0; k < countries.size(); ++k)
        if (countries[k].id == chips[c].origin.id) origin = k;
      const bool from_origin = origin < countries.size() && origin_ok[origin] != 0;
      b.covers[r * b.n_chips + c] = from_origin && rule.covers.evaluate(metrics[c]) ? 1 : 0;
    }

    // A destination naming a country beats one naming its tier, whatever the order.
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t i = 0; i < rule.destinations.size(); ++i) {
        const RuleDestination& d = rule.destinations[i];
        bool names_country = false;
        for (const Country& c : countries) names_country = names_country || c.id == d.to.id;
        if ((pass == 0) == names_country) continue;
        const std::string dpath = path + ".destinations[" + std::to_string(i) + "]";
        for (std::size_t k : countries_named(d.to, dpath + ".to", countries, diags)) {
          RuleBook::Destination& dest = b.destination[r * b.n_countries + k];
          dest = {true, d.treatment,
                  d.treatment == Treatment::licence   ? d.approval_rate
                  : d.treatment == Treatment::allowed ? 1.0
                                                      : 0.0,
                  d.cap_h100e, d.revenue_share};
        }
      }
    for (const EntityRef& s : rule.supersedes)
      if (auto q = resolve_reference(s, path + ".supersedes", rule_ids, "export rule", diags)) {
        if (*q == r)
          diags.error(s.where, path + ".supersedes", "a rule cannot supersede itself");
        else
          b.supersedes[r].push_back(*q);
      }
  }

  b.n_controls = controls.size();
  b.n_producers = producer_ids.size();
  b.control_affects.assign(b.n_controls * b.n_producers, 0);
  for (std::size_t e = 0; e < controls.size(); ++e) {
    const EquipmentControl& ctl = controls[e];
    const std::string path = "equipment_controls[" + ctl.id + "]";
    check_dates(ctl, path, diags);
    b.control_times.push_back(times_of(ctl));
    b.capex_multiplier.push_back(ctl.capex_multiplier);
    b.node_floor_nm.push_back(ctl.node_floor_nm);
    std::vector<uint8_t> hit(countries.size(), 0);
    if (ctl.producers_in.empty()) {
      for (std::size_t k = 0; k < countries.size(); ++k)
        hit[k] = countries[k].tier == ExportTier::china;
    } else {
      for (std::size_t i = 0; i < ctl.producers_in.size(); ++i)
        for (std::size_t k :
             countries_named(ctl.producers_in[i],
                             path + ".producers_in[" + std::to_string(i) + "]", countries, diags))
          hit[k] = 1;
    }
    for (std::size_t p = 0; p < producer_ids.size(); ++p)
      b.control_affects[e * b.n_producers + p] =
          producer_country[p] < countries.size() && hit[producer_country[p]] != 0;
  }

  b.n_memory_rules = memory_rules.size();
  b.memory_covers_tier.assign(b.n_memory_rules * kTierCount, 0);
  b.memory_destination.assign(b.n_memory_rules * b.n_countries, {});
  std::vector<std::string> tier_names;
  for (const auto& [name, tier] : tier_options()) tier_names.push_back(name);
  for (std::size_t r = 0; r < memory_rules.size(); ++r) {
    const MemoryRule& rule = memory_rules[r];
    const std::string path = "memory_rules[" + rule.id + "]";
    check_dates(rule, path, diags);
    b.memory_times.push_back(times_of(rule));
    if (rule.maker_tiers.empty()) {
      b.memory_covers_tier[r * kTierCount + static_cast<std::size_t>(ExportTier::us)] = 1;
      b.memory_covers_tier[r * kTierCount + static_cast<std::size_t>(ExportTier::ally)] = 1;
    }
    for (const EntityRef& t : rule.maker_tiers)
      if (auto q = resolve_reference(t, path + ".maker_tiers", tier_names, "export tier", diags))
        b.memory_covers_tier[r * kTierCount + *q] = 1;
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t i = 0; i < rule.destinations.size(); ++i) {
        const RuleDestination& d = rule.destinations[i];
        bool names_country = false;
        for (const Country& c : countries) names_country = names_country || c.id == d.to.id;
        if ((pass == 0) == names_country) continue;
        const std::string dpath = path + ".destinations[" + std::to_string(i) + "]";
        for (std::size_t k : countries_named(d.to, dpath + ".to", countries, diags))
          b.memory_destination[r * b.n_countries + k] = {
              true, d.treatment,
              d.treatment == Treatment::licence   ? d.approval_rate
              : d.treatment == Treatment::allowed ? 1.0
                                                  : 0.0,
              d.cap_h100e, d.revenue_share};
      }
  }
  return b;
}

RuleStatus rule_status(const RuleBook& book, const std::vector<RuleTimes>& times, std::size_t rule,
                       Date d) {
  const RuleTimes& t = times[rule];
  if (d < t.announced) return RuleStatus::pending;
  if (!(d < t.ends)) return RuleStatus::ended;  // possibly withdrawn before it came into force
  if (d < t.effective) return RuleStatus::announced;
  // Superseded once a rule that replaces it is in force.
  for (std::size_t q = 0; q < book.n_rules; ++q)
    for (std::size_t s : book.supersedes[q])
      if (s == rule && !(d < times[q].effective)) return RuleStatus::ended;
  return RuleStatus::in_force;
}

namespace {

// The legal share a rule gives (chip, country) when in force, counting an exhausted cap as a ban.
double rule_share(const RuleBook::Destination& dest, double cap_used) {
  if (cap_used >= dest.cap_h100e) return 0.0;
  return dest.approval_rate;
}

}  // namespace

namespace {

// docs/model.md §"Export controls: HBM": the legal share of HBM from makers of each tier in each
// country (the most restrictive memory rule in force), and the cut an announced one will make.
void compute_hbm_policy(const RuleBook& book, Date d, TradePolicy& out) {
  const std::size_t nk = book.n_countries;
  out.hbm_legal_share.assign(kTierCount * nk, 1.0);
  out.hbm_cut_soon.assign(kTierCount * nk, 0.0);
  for (int announced_pass = 0; announced_pass < 2; ++announced_pass)
    for (std::size_t r = 0; r < book.n_memory_rules; ++r) {
      const RuleTimes& t = book.memory_times[r];
      const bool in_force = !(d < t.effective) && d < t.ends;
      const bool announced = !(d < t.announced) && d < t.effective && d < t.ends;
      if (announced_pass == 0 ? !in_force : !announced) continue;
      for (std::size_t tier = 0; tier < kTierCount; ++tier) {
        if (!book.memory_covers_tier[r * kTierCount + tier]) continue;
        for (std::size_t k = 0; k < nk; ++k) {
          const RuleBook::Destination& dest = book.memory_destination[r * nk + k];
          if (!dest.applies) continue;
          double& share = out.hbm_legal_share[tier * nk + k];
          if (announced_pass == 0) {
            share = std::min(share, dest.approval_rate);
          } else if (dest.approval_rate < share) {
            double& cut = out.hbm_cut_soon[tier * nk + k];
            cut = std::max(cut, (share - dest.approval_rate) / share);
          }
        }
      }
    }
}

}  // namespace

void compute_trade_policy(const RuleBook& book, const std::vector<RuleTimes>& times, Date d,
                          const std::vector<double>& cap_used_h100e, TradePolicy& out) {
  const std::size_t nc = book.n_chips;
  const std::size_t nk = book.n_countries;
  out.n_chips = nc;
  out.n_countries = nk;
  out.legal_share.assign(nc * nk, 1.0);
  out.cut_soon.assign(nc * nk, 0.0);
  std::vector<RuleStatus> status(book.n_rules);
  for (std::size_t r = 0; r < book.n_rules; ++r) status[r] = rule_status(book, times, r, d);
  out.import_share.assign(nc * nk, 1.0);
  out.revenue_share.assign(nc * nk, 0.0);
  // docs/model.md §"Export controls: treatment": the most restrictive rule in force wins, among
  // the exporter's rules and, separately, the importer's; the highest revenue share applies.
  for (std::size_t r = 0; r < book.n_rules; ++r) {
    if (status[r] != RuleStatus::in_force) continue;
    const bool importer = !book.importer.empty() && book.importer[r] != 0;
    for (std::size_t c = 0; c < nc; ++c) {
      if (!book.covers[r * nc + c]) continue;
      for (std::size_t k = 0; k < nk; ++k) {
        const RuleBook::Destination& dest = book.destination[r * nk + k];
        if (!dest.applies) continue;
        double& share = importer ? out.import_share[c * nk + k] : out.legal_share[c * nk + k];
        share = std::min(share, rule_share(dest, cap_used_h100e[r * nk + k]));
        if (!importer)
          out.revenue_share[c * nk + k] = std::max(out.revenue_share[c * nk + k], dest.revenue_share);
      }
    }
  }
  compute_hbm_policy(book, d, out);
  // docs/model.md §"Export controls: stockpiling": an announced rule that would lower the legal
  // share makes buyers stockpile in proportion to the part of their legal demand it will cut,
  // (ℓ_now − ℓ_announced) / ℓ_now; the deepest cut among announced rules counts, among those
  // whose order lead time still lets an order placed today arrive before they are in force.
  for (std::size_t r = 0; r < book.n_rules; ++r) {
    if (status[r] != RuleStatus::announced) continue;
    if (!book.importer.empty() && book.importer[r] != 0) continue;  // buyers' own government
    // An order placed today arrives lead_time_days later: only if that is before the rule is in
    // force is it delivered, so only then do buyers stockpile.
    const double days_left =
        static_cast<double>(times[r].effective.days_since_epoch() - d.days_since_epoch());
    if (!book.lead_time_days.empty() && book.lead_time_days[r] >= days_left) continue;
    for (std::size_t c = 0; c < nc; ++c) {
      if (!book.covers[r * nc + c]) continue;
      for (std::size_t k = 0; k < nk; ++k) {
        const RuleBook::Destination& dest = book.destination[r * nk + k];
        const double now = out.legal_share[c * nk + k];
        if (!dest.applies || !(dest.approval_rate < now)) continue;
        double& cut = out.cut_soon[c * nk + k];
        cut = std::max(cut, (now - dest.approval_rate) / now);
      }
    }
  }
}

void count_against_caps(const RuleBook& book, const std::vector<RuleTimes>& times, Date d,
                        const std::vector<double>& deliveries,
                        const std::vector<double>& chip_h100e,
                        std::vector<double>& cap_used_h100e) {
  const std::size_t nc = book.n_chips;
  const std::size_t nk = book.n_countries;
  for (std::size_t r = 0; r < book.n_rules; ++r) {
    if (rule_status(book, times, r, d) != RuleStatus::in_force) continue;
    for (std::size_t k = 0; k < nk; ++k) {
      if (!std::isfinite(book.destination[r * nk + k].cap_h100e)) continue;
      for (std::size_t c = 0; c < nc; ++c)
        if (book.covers[r * nc + c])
          cap_used_h100e[r * nk + k] += deliveries[c * nk + k] * chip_h100e[c];
    }
  }
}

void equipment_limits(const RuleBook& book, Date d, double effectiveness,
                      std::vector<double>& capex_multiplier, std::vector<double>& node_floor_nm) {
  capex_multiplier.assign(book.n_producers, 1.0);
  node_floor_nm.assign(book.n_producers, 0.0);
  for (std::size_t e = 0; e < book.n_controls; ++e) {
    const RuleTimes& t = book.control_times[e];
    if (d < t.effective || !(d < t.ends)) continue;
    for (std::size_t p = 0; p < book.n_producers; ++p) {
      if (!book.control_affects[e * book.n_producers + p]) continue;
      // docs/model.md §"Export controls: equipment": effects scale with effectiveness.
      capex_multiplier[p] *= 1.0 + (book.capex_multiplier[e] - 1.0) * effectiveness;
      node_floor_nm[p] = std::max(node_floor_nm[p], book.node_floor_nm[e] * effectiveness);
    }
  }
}

}  // namespace airace
