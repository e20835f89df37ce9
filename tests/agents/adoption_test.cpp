#include "agents/adoption.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>

using namespace airace;

namespace adoption_test {

namespace {

const double kNaN = std::nan("");

constexpr std::size_t kCnIndex = 1;  // China's index among the countries of World

// A small world: adopters in the US, China and India; a US lab with a closed model and a
// Chinese lab with an open one, close to it in capability.
struct World {
  AdoptionModelParams params;
  std::vector<SectorSpec> sectors;
  std::vector<PopulationSpec> populations;
  std::vector<std::string> countries{"US", "CN", "IN"};
  std::vector<std::size_t> lab_country{0, 1};
  std::vector<double> closed_capability{25.0, kNaN};
  std::vector<double> closed_flop{1e25, kNaN};
  std::vector<double> open_capability{kNaN, 24.8};
  std::vector<double> open_flop{kNaN, 3e24};
  std::vector<double> efficiency{1.0, 1.0};
  std::vector<double> chip_usd{5000, 5000, 5000};
  // Open-weight ecosystems: the Chinese lab's open model is on offer from this month on (before
  // it, not released), and its family starts with these derivatives (made in China).
  int open_release_month = 0;
  double initial_cn_derivatives = 0.0;
  // From this month on the US lab's closed model has rival_capability (a rival gets better).
  int rival_month = 1 << 30;
  double rival_capability = 26.0;
  int withdraw_month = 1 << 30;  // from this month on the US lab's closed model is not on offer
  bool feed_ecosystems = true;  // false: the offer does not see the ecosystems at all
  // Each adopter's list of peers repeated this many times over, by adopter % 4 (1: as generated).
  std::array<uint32_t, 4> peer_repeats{1, 1, 1, 1};

  World() {
    params.adopters = 30000;
    params.revision_rate_per_year = 6.0;
    SectorSpec general;
    general.id = "general";
    general.capability_need = 24.0;
    general.self_hosting_effort = 1.0;
    general.local_need = 0.5;
    sectors.push_back(general);
    for (const char* id : {"US", "CN", "IN"}) {
      PopulationSpec p;
      p.id = id;
      p.country = {id, {}};
      p.adopting_units = 1e6;
      p.sectors = {{{"general", {}}, 1.0}};
      populations.push_back(p);
    }
    populations[1].reach = {{{"US", {}}, 0.0}};  // US APIs are not sold in China
  }

  AdoptionSetup setup() const {
    Diagnostics d;
    AdoptionSetup s = resolve_adoption(params, sectors, populations, countries, lab_country, d);
    REQUIRE(d.empty());
    return s;
  }

  struct Result {
    AdoptionSetup setup;
    Population population;
    AdoptionState state;
    Offer offer;
    AdoptionOutcome outcome;
    // [month][lab] world totals of the ecosystems after each tick
    std::vector<std::vector<double>> downloads, derivatives;

    double share(std::size_t country, std::size_t option) const {
      const std::size_t no = setup.n_options;
      double total = 0.0;
      for (std::size_t o = 0; o < no; ++o) total += outcome.units[country * no + o];
      return outcome.units[country * no + option] / total;
    }
  };

  Result run(int months, uint64_t seed = 3) const {
    Result r{setup(), {}, {}, {}, {}, {}, {}};
    r.population = generate_population(r.setup, {seed, 0, Stream::test});
    if (peer_repeats != std::array<uint32_t, 4>{1, 1, 1, 1}) {
      Population& p = r.population;
      std::vector<uint32_t> begin{0}, peers;
      for (std::size_t a = 0; a < r.setup.n_adopters; ++a) {
        for (uint32_t k = 0; k < peer_repeats[a % 4]; ++k)
          peers.insert(peers.end(), p.peers.begin() + p.peer_begin[a],
                       p.peers.begin() + p.peer_begin[a + 1]);
        begin.push_back(static_cast<uint32_t>(peers.size()));
      }
      p.peer_begin = std::move(begin);
      p.peers = std::move(peers);
    }
    r.state = initial_adoption_state(r.setup, {seed, 0, Stream::test});
    r.state.ecosystems.derivatives[kCnIndex * r.setup.n_labs + 1] = initial_cn_derivatives;
    std::vector<double> open = open_capability, closed = closed_capability;
    const ModelsOnOffer models{closed, closed_flop, efficiency, open, open_flop, efficiency};
    Date previous = Date::from_ymd(2024, 1, 1);
    AdoptionWorkspace work;
    for (int m = 0; m < months; ++m) {
      const Date date = previous.plus_days(30);
      const Tick tick{date, previous, static_cast<std::size_t>(m), 30.0 / 365.25};
      open[1] = m < open_release_month ? kNaN : open_capability[1];
      closed[0] = m < rival_month ? closed_capability[0] : rival_capability;
      if (m >= withdraw_month) closed[0] = kNaN;
      const std::vector<double> family = r.state.ecosystems.family_derivatives(r.setup.n_labs);
      r.offer = feed_ecosystems
                    ? build_offer(r.setup, models, chip_usd, r.state.open_usage_share, family)
                    : build_offer(r.setup, models, chip_usd, r.state.open_usage_share);
      step_adoption(r.setup, r.population, r.offer, r.state, tick, {seed, 0, Stream::test}, work);
      r.outcome = summarise_adoption(r.setup, r.state, r.offer, (m + 1) / 12.0);
      grow_ecosystems(r.setup, r.outcome, tick.dt_years, r.state.ecosystems);
      r.state.open_usage_share = r.outcome.open_usage_share;
      std::vector<double> dl(r.setup.n_labs, 0.0);
      for (std::size_t i = 0; i < r.state.ecosystems.downloads.size(); ++i)
        dl[i % r.setup.n_labs] += r.state.ecosystems.downloads[i];
      r.downloads.push_back(dl);
      r.derivatives.push_back(r.state.ecosystems.family_derivatives(r.setup.n_labs));
      previous = date;
    }
    return r;
  }
};

constexpr std::size_t kUs = 0, kCn = 1, kIn = 2;
const std::size_t kUsClosed = closed_option(0);
const std::size_t kCnOpen = open_option(1);

// Share of peer links whose two ends use the same option, less the share expected if choices
// were independent within each segment (sum of squared shares): 0 without clustering.
double excess_same_choice(const World::Result& r) {
  const AdoptionSetup& s = r.setup;
  double same = 0.0, expected = 0.0, links = 0.0;
  for (std::size_t a = 0; a < s.n_adopters; ++a) {
    const std::size_t seg = r.population.segment[a];
    const double in_segment = s.segment_begin[seg + 1] - s.segment_begin[seg];
    for (uint32_t q = r.population.peer_begin[a]; q < r.population.peer_begin[a + 1]; ++q) {
      const uint32_t b = r.population.peers[q];
      if (r.population.segment[b] != seg) continue;
      same += r.state.choice[a] == r.state.choice[b];
      double sq = 0.0;
      for (std::size_t o = 0; o < s.n_options; ++o) {
        const double p = r.state.adopters[seg * s.n_options + o] / in_segment;
        sq += p * p;
      }
      expected += sq;
      links += 1.0;
    }
  }
  return (same - expected) / links;
}

}  // namespace

TEST_CASE("adopters take up models that meet their needs") {
  const World::Result r = World().run(24);
  for (std::size_t k : {kUs, kCn, kIn}) CHECK(r.share(k, kNoModel) < 0.5);
  CHECK(r.share(kCn, kUsClosed) == 0.0);  // not sold there
  CHECK(r.share(kUs, kUsClosed) > 0.2);
  CHECK(r.share(kCn, kCnOpen) > 0.5);
}

TEST_CASE("raising a provider's price lowers its share") {
  World cheap;
  World dear = cheap;
  dear.chip_usd[kUs] = 40000;  // serving the US API costs more, so its price rises
  const World::Result a = cheap.run(24);
  const World::Result b = dear.run(24);
  CHECK(b.offer.price_usd_per_mtoken[kIn * a.setup.n_options + kUsClosed] >
        2.0 * a.offer.price_usd_per_mtoken[kIn * a.setup.n_options + kUsClosed]);
  CHECK(b.share(kIn, kUsClosed) < a.share(kIn, kUsClosed) - 0.05);
  CHECK(b.share(kIn, kCnOpen) > a.share(kIn, kCnOpen));
}

TEST_CASE("content controls lower Chinese models' share abroad and not at home") {
  World w;
  w.params.peer_same_segment_share = 0.7;
  w.params.peer_same_country_share = 0.3;  // no links across borders: home is independent
  for (PopulationSpec& p : w.populations) p.censorship_aversion = p.id == "CN" ? 0.0 : 2.0;
  World controlled = w;
  controlled.params.content_controls = {{{"CN", {}}, 1.0}};
  const World::Result free = w.run(24);
  const World::Result censored = controlled.run(24);
  CHECK(censored.share(kIn, kCnOpen) < free.share(kIn, kCnOpen) - 0.1);
  CHECK(censored.share(kUs, kCnOpen) < free.share(kUs, kCnOpen) - 0.05);
  CHECK(censored.share(kCn, kCnOpen) == free.share(kCn, kCnOpen));
}

TEST_CASE("distrust of Chinese providers lowers their share where it is held") {
  World w;
  World wary = w;
  wary.populations[kIn].trust = {{{"CN", {}}, -2.0}};
  CHECK(wary.run(24).share(kIn, kCnOpen) < w.run(24).share(kIn, kCnOpen) - 0.05);
}

TEST_CASE("peer influence makes adoption cluster along links") {
  // Two equal closed models: without peers, neighbours' choices are independent.
  World w;
  w.lab_country = {0, 0};
  w.closed_capability = {25.0, 25.0};
  w.closed_flop = {1e25, 1e25};
  w.open_capability = {kNaN, kNaN};
  w.open_flop = {kNaN, kNaN};
  w.params.peer_weight = 4.0;
  World alone = w;
  alone.params.peer_weight = 0.0;
  const double clustered = excess_same_choice(w.run(36));
  const double independent = excess_same_choice(alone.run(36));
  CHECK(std::abs(independent) < 0.01);
  CHECK(clustered > independent + 0.05);
}

TEST_CASE("self-hosting share rises as open capability nears closed capability") {
  double last = -1.0;
  for (double open : {23.0, 24.0, 24.6, 25.0}) {
    World w;
    w.open_capability[1] = open;
    const double share = w.run(24).share(kIn, kCnOpen);
    CHECK(share > last);
    last = share;
  }
}

TEST_CASE("API margins fall as open models spread") {
  World w;
  w.params.commoditisation = 0.9;
  const World::Result r = w.run(12);
  CHECK(r.state.open_usage_share > 0.2);
  const Offer next = build_offer(r.setup,
                                 {w.closed_capability, w.closed_flop, w.efficiency,
                                  w.open_capability, w.open_flop, w.efficiency},
                                 w.chip_usd, r.state.open_usage_share);
  CHECK(next.margin[0] == doctest::Approx(3.0 * (1.0 - 0.9 * r.state.open_usage_share)));
  World no_commoditisation = w;
  no_commoditisation.params.commoditisation = 0.0;
  CHECK(no_commoditisation.run(12).offer.margin[0] == doctest::Approx(3.0));
}

TEST_CASE("revenue sums match adoption times price") {
  const World::Result r = World().run(18);
  const AdoptionSetup& s = r.setup;
  const std::size_t no = s.n_options;
  // Tokens from the tallies, independently of summarise_adoption: none on no model or on an
  // option not on offer.
  auto factor = [&](std::size_t k, std::size_t o) {
    const double price = r.offer.price_usd_per_mtoken[k * no + o];
    return o == kNoModel || !std::isfinite(price)
               ? 0.0
               : usage_factor(s.params, r.offer.capability[o], price);
  };
  std::vector<double> usage(s.n_countries * no, 0.0);
  for (std::size_t seg = 0; seg < s.n_segments; ++seg)
    for (std::size_t o = 0; o < no; ++o)
      usage[s.segment_country[seg] * no + o] +=
          r.state.size[seg * no + o] * s.units_per_adopter[seg] *
          s.sectors[0].usage_mtokens_per_year *
          factor(s.segment_country[seg], o);
  double paid_api = 0.0, paid_open = 0.0;
  for (std::size_t k = 0; k < s.n_countries; ++k)
    for (std::size_t o = 1; o < no; ++o) {
      if (usage[k * no + o] == 0.0) continue;
      CHECK(r.outcome.usage_mtokens_per_year[k * no + o] == doctest::Approx(usage[k * no + o]));
      const double paid = usage[k * no + o] * r.offer.price_usd_per_mtoken[k * no + o];
      (o == open_option((o - 1) / 2) ? paid_open : paid_api) += paid;
    }
  const auto sum = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0);
  };
  CHECK(paid_api > 0.0);
  CHECK(sum(r.outcome.api_revenue_usd_per_year) == doctest::Approx(paid_api).epsilon(1e-12));
  CHECK(sum(r.outcome.open_spend_usd_per_year) == doctest::Approx(paid_open).epsilon(1e-12));
  // Every adopting unit is counted once.
  CHECK(sum(r.outcome.units) == doctest::Approx(3e6));
}

TEST_CASE("a closed model's adopters pay its sector's subscription fee for the paying share") {
  World w;
  w.sectors[0].subscription_usd_per_month = 20.0;
  w.sectors[0].subscription_paying_share = 0.05;
  const World::Result r = w.run(18);
  const World::Result without = World().run(18);
  const std::size_t no = r.setup.n_options;
  // Units on the US lab's closed model, wherever they are, pay 20 USD a month × 12 × 5%.
  double closed_units = 0.0, open_units = 0.0;
  for (std::size_t k = 0; k < r.setup.n_countries; ++k) {
    closed_units += r.outcome.units[k * no + kUsClosed];
    open_units += r.outcome.units[k * no + kCnOpen];
  }
  REQUIRE(closed_units > 0.0);
  REQUIRE(open_units > 0.0);
  REQUIRE(r.outcome.subscription_revenue_usd_per_year.size() == 2);
  CHECK(r.outcome.subscription_revenue_usd_per_year[0] ==
        doctest::Approx(20.0 * 12.0 * 0.05 * closed_units).epsilon(1e-12));
  // The Chinese lab's model is open-weight: its adopters pay no subscription to the lab.
  CHECK(r.outcome.subscription_revenue_usd_per_year[1] == 0.0);
  // The fee comes besides per-token use, which it leaves as it was (choices do not see it).
  CHECK(r.outcome.api_revenue_usd_per_year == without.outcome.api_revenue_usd_per_year);
  CHECK(r.outcome.units == without.outcome.units);
  // A sector with no offer pays none.
  for (double x : without.outcome.subscription_revenue_usd_per_year) CHECK(x == 0.0);
}

TEST_CASE("no subscription is paid for a closed model not on offer") {
  World w;
  w.sectors[0].subscription_usd_per_month = 20.0;
  w.sectors[0].subscription_paying_share = 0.05;
  w.closed_capability = {kNaN, kNaN};  // the US lab's product has not launched
  w.closed_flop = {kNaN, kNaN};
  const World::Result r = w.run(6);
  const std::size_t no = r.setup.n_options;
  for (std::size_t k = 0; k < r.setup.n_countries; ++k)
    CHECK(r.outcome.units[k * no + kUsClosed] == 0.0);
  for (double x : r.outcome.subscription_revenue_usd_per_year) CHECK(x == 0.0);
}

TEST_CASE("inference demand is served where the model runs") {
  const World::Result r = World().run(12);
  const AdoptionSetup& s = r.setup;
  const std::size_t no = s.n_options;
  // The US closed model is served in the US, whoever uses it; the open one where it is used.
  const double us_closed_usage = r.outcome.usage_mtokens_per_year[kUs * no + kUsClosed] +
                                 r.outcome.usage_mtokens_per_year[kIn * no + kUsClosed];
  const double seconds = 365.25 * 86400.0;
  CHECK(r.outcome.inference_h100e[kUs] ==
        doctest::Approx(us_closed_usage * r.offer.serving_h100e_seconds[kUsClosed] / seconds +
                        r.outcome.usage_mtokens_per_year[kUs * no + kCnOpen] *
                            r.offer.serving_h100e_seconds[kCnOpen] / seconds));
  CHECK(r.outcome.inference_h100e[kIn] ==
        doctest::Approx(r.outcome.usage_mtokens_per_year[kIn * no + kCnOpen] *
                        r.offer.serving_h100e_seconds[kCnOpen] / seconds));
}

TEST_CASE("serving cost follows the model's size and its maker's algorithms") {
  AdoptionModelParams p;
  // DeepSeek-V3 (~3e24 FLOP): ~250 H100-seconds per M tokens, as its 2025-02 disclosure implies
  // (at the efficiency of 2022 algorithms it would be dearer).
  CHECK(serving_h100e_seconds_per_mtoken(p, 3e24, 1.0) == doctest::Approx(266).epsilon(0.05));
  CHECK(serving_h100e_seconds_per_mtoken(p, 4 * 3e24, 1.0) ==
        doctest::Approx(2 * serving_h100e_seconds_per_mtoken(p, 3e24, 1.0)));
  p.inference_efficiency_exponent = 1.5;
  CHECK(serving_h100e_seconds_per_mtoken(p, 3e24, 4.0) ==
        doctest::Approx(serving_h100e_seconds_per_mtoken(p, 3e24, 1.0) / 8.0));
}

TEST_CASE("no model is served with fewer active parameters than the floor") {
  // docs/model.md §"Prices": the serving cost's fall with its maker's efficiency stops at the
  // compute of inference_min_active_params per token, however efficient the maker; above the
  // floor it is as before, to the bit.
  AdoptionModelParams p;
  p.inference_efficiency_exponent = 0.7;
  const double v3 = serving_h100e_seconds_per_mtoken(p, 3e24, 1.0);
  const double dense = serving_h100e_seconds_per_mtoken(p, 3e24, 1e6);  // ~3.6e7 active
  p.inference_min_active_params = 1e9;
  CHECK(serving_h100e_seconds_per_mtoken(p, 3e24, 1.0) == v3);  // 4e10 active: above it
  const double floor = 1e6 * 2.0 * 1e9 / (989e12 * p.inference_utilization);
  CHECK(serving_h100e_seconds_per_mtoken(p, 3e24, 1e6) == doctest::Approx(floor));
  CHECK(serving_h100e_seconds_per_mtoken(p, 3e24, 1e12) == doctest::Approx(floor));
  CHECK(floor > dense * 20);
  // a model of 2e20 FLOP has ~1.3e9 dense-equivalent parameters, ~3.2e8 active: the floor binds
  CHECK(serving_h100e_seconds_per_mtoken(p, 2e20, 1.0) == doctest::Approx(floor));
}

TEST_CASE("a self-hosted model costs the chips it holds at a self-hoster's throughput") {
  // docs/model.md §"Adoption: prices": a self-hoster holds its chips for its own load and serves
  // self_hosting_throughput_share of a provider's tokens per chip-hour, so every token costs
  // the provider's serving time over that share, at the compute price of the adopter's country.
  World w;
  w.params.commoditisation = 0.0;  // the same margin at every tick
  const World::Result lean = w.run(6);
  World held = w;
  held.params.self_hosting_throughput_share = 0.1;
  const World::Result r = held.run(6);
  const AdoptionSetup& s = r.setup;
  const std::size_t no = s.n_options;
  const double seconds = 365.25 * 86400.0;
  const double provider = serving_h100e_seconds_per_mtoken(held.params, 3e24, 1.0);
  CHECK(r.offer.serving_h100e_seconds[kCnOpen] == doctest::Approx(provider / 0.1));
  // A closed model is served by its maker at a provider's throughput: untouched.
  CHECK(r.offer.serving_h100e_seconds[kUsClosed] == lean.offer.serving_h100e_seconds[kUsClosed]);
  for (std::size_t k = 0; k < s.n_countries; ++k) {
    const double usd_per_h100e_second =
        (held.chip_usd[k] + held.params.serving_opex_usd_per_h100e_year) / seconds;
    const double price = r.offer.price_usd_per_mtoken[k * no + kCnOpen];
    // Never below the chips' cost at the stated throughput (the fault: priced at a provider's,
    // a self-hosted open model cost a tenth of what its own maker paid to serve it).
    CHECK(price >= provider / 0.1 * usd_per_h100e_second);
    CHECK(price == doctest::Approx(provider / 0.1 * usd_per_h100e_second *
                                   (1.0 + held.params.self_hosting_overhead)));
    CHECK(price == doctest::Approx(10.0 * lean.offer.price_usd_per_mtoken[k * no + kCnOpen]));
    if (std::isfinite(lean.offer.price_usd_per_mtoken[k * no + kUsClosed]))
      CHECK(r.offer.price_usd_per_mtoken[k * no + kUsClosed] ==
            lean.offer.price_usd_per_mtoken[k * no + kUsClosed]);
  }
  // Dearer, the open model loses adopters and, per adopter, tokens.
  double open_lean = 0.0, open_held = 0.0;
  for (std::size_t k = 0; k < s.n_countries; ++k) {
    open_lean += lean.outcome.usage_mtokens_per_year[k * no + kCnOpen];
    open_held += r.outcome.usage_mtokens_per_year[k * no + kCnOpen];
  }
  CHECK(r.share(kCn, kCnOpen) < lean.share(kCn, kCnOpen));
  CHECK(open_held < 0.5 * open_lean);
  // The chips it holds are counted: India's inference compute (only the open model is used
  // there from India's own chips) is its tokens at the held serving time.
  CHECK(r.outcome.inference_h100e[kIn] ==
        doctest::Approx(r.outcome.usage_mtokens_per_year[kIn * no + kCnOpen] * provider / 0.1 /
                        seconds));
}

TEST_CASE("open weights run with a host where that is cheaper than self-hosting") {
  // docs/model.md §"Adoption: prices": a host serves at a provider's throughput and adds its
  // margin; a self-hoster holds chips for its own load and adds its staff. The cheaper wins.
  World w;
  w.params.commoditisation = 0.0;
  w.params.self_hosting_throughput_share = 0.1;  // self-hosting: 1.5 / 0.1 = 15x the serving cost
  const double seconds = 365.25 * 86400.0;
  const double provider = serving_h100e_seconds_per_mtoken(w.params, 3e24, 1.0);
  const double usd_per_h100e_second = (w.chip_usd[kIn] + w.params.serving_opex_usd_per_h100e_year) / seconds;
  const std::size_t no = w.setup().n_options;
  World hosted = w;
  hosted.params.open_hosting_margin = 3.0;  // 4x: cheaper, so hosted
  const World::Result h = hosted.run(6);
  CHECK(h.offer.serving_h100e_seconds[kCnOpen] == doctest::Approx(provider));
  CHECK(h.offer.price_usd_per_mtoken[kIn * no + kCnOpen] ==
        doctest::Approx(provider * usd_per_h100e_second * 4.0));
  World dear = w;
  dear.params.open_hosting_margin = 20.0;  // 21x: dearer than self-hosting's 15x
  const World::Result d = dear.run(6);
  CHECK(d.offer.serving_h100e_seconds[kCnOpen] == doctest::Approx(provider / 0.1));
  CHECK(d.offer.price_usd_per_mtoken[kIn * no + kCnOpen] ==
        doctest::Approx(provider / 0.1 * usd_per_h100e_second * 1.5));
  // Either way an open model never costs less than its chips at a provider's throughput, and
  // the price is the cheaper of the two channels.
  for (const World::Result* r : {&h, &d}) {
    const double price = r->offer.price_usd_per_mtoken[kIn * no + kCnOpen];
    CHECK(price >= provider * usd_per_h100e_second);
    CHECK(price <= provider * usd_per_h100e_second * 15.0 * (1.0 + 1e-12));
  }
  // Hosted, the open model is cheaper than self-hosted and gains tokens.
  CHECK(h.outcome.usage_mtokens_per_year[kIn * no + kCnOpen] >
        d.outcome.usage_mtokens_per_year[kIn * no + kCnOpen]);
}

TEST_CASE("the sourced self-hosting throughput prices DeepSeek-V3 in the published range") {
  // The baseline's serving economics (scenarios/baseline.yaml) with the self-hosting throughput
  // of scenarios/whatif/open_served_at_cost.yaml, at an H100's rent of $2 an hour
  // (DeepSeek's own costing of 2025-02): self-hosted, DeepSeek-V3 (3e24 FLOP, 2022
  // algorithms) costs within the $0.5-10 per M tokens that self-hosting guides give for
  // 70B-class open models at 10-30% utilisation ($1-5 at the median), while DeepSeek's own
  // shared serving cost it ~$0.11 ($87,072 a day for 776B tokens).
  AdoptionModelParams p;
  p.inference_active_fraction = 0.25;
  p.inference_utilization = 0.3;
  p.inference_efficiency_exponent = 0.7;
  p.self_hosting_overhead = 0.5;
  const double usd_per_second = 2.0 / 3600.0;
  const double provider = serving_h100e_seconds_per_mtoken(p, 3e24, 1.0) * usd_per_second;
  CHECK(provider > 0.05);
  CHECK(provider < 0.25);
  // self_hosting_throughput_share: lognormal, 80% from 0.03 to 0.15 (median √(0.03 × 0.15))
  const auto self_hosted = [&](double share) {
    p.self_hosting_throughput_share = share;
    const OpenChannel c = open_channel(p);
    REQUIRE_FALSE(c.hosted);
    return provider / c.throughput_share * c.markup;
  };
  for (double share : {0.03, std::sqrt(0.03 * 0.15), 0.15}) {
    CHECK(self_hosted(share) > 0.5);
    CHECK(self_hosted(share) < 10.0);
  }
  CHECK(self_hosted(std::sqrt(0.03 * 0.15)) > 1.0);
  CHECK(self_hosted(std::sqrt(0.03 * 0.15)) < 5.0);
}

TEST_CASE("tokens per adopter answer to price and capability with no ceiling") {
  AdoptionModelParams p;
  p.usage_price_elasticity = 0.7;
  p.usage_capability_elasticity = 0.5;
  p.usage_reference_capability = 25.0;
  p.price_reference_usd_per_mtoken = 1.0;
  CHECK(usage_factor(p, 25.0, 1.0) == doctest::Approx(1.0));
  CHECK(usage_factor(p, 25.0, 2.0) == doctest::Approx(std::pow(2.0, -0.7)));
  CHECK(usage_factor(p, 27.0, 1.0) == doctest::Approx(10.0));  // 10^(0.5 × 2)
  // No saturation: ten more orders of magnitude of capability, 10^5 more tokens.
  CHECK(usage_factor(p, 35.0, 1.0) == doctest::Approx(1e5));
  CHECK(usage_factor(p, 25.0, 1e-3) > usage_factor(p, 25.0, 1e-2));
}

TEST_CASE("doubling every price lowers tokens per adopter by two to the minus elasticity") {
  World w;
  w.params.usage_price_elasticity = 0.8;
  w.params.commoditisation = 0.0;  // the same margin at every tick
  const World::Result r = w.run(12);
  World dear = w;
  dear.params.price_multiplier = 2.0;
  const AdoptionSetup s = dear.setup();
  const Offer offer = build_offer(s,
                                  {w.closed_capability, w.closed_flop, w.efficiency,
                                   w.open_capability, w.open_flop, w.efficiency},
                                  w.chip_usd, r.state.open_usage_share);
  const std::size_t no = s.n_options;
  for (std::size_t i = 0; i < s.n_countries * no; ++i)
    if (std::isfinite(r.offer.price_usd_per_mtoken[i]))
      CHECK(offer.price_usd_per_mtoken[i] == doctest::Approx(2.0 * r.offer.price_usd_per_mtoken[i]));
  // The same choices at twice the prices: every option's tokens × 2^-0.8.
  const AdoptionOutcome o = summarise_adoption(s, r.state, offer, 1.0);
  double before = 0.0, after = 0.0;
  for (std::size_t i = 0; i < s.n_countries * no; ++i) {
    if (r.outcome.usage_mtokens_per_year[i] == 0.0) continue;
    CHECK(o.usage_mtokens_per_year[i] ==
          doctest::Approx(std::pow(2.0, -0.8) * r.outcome.usage_mtokens_per_year[i]));
    before += r.outcome.usage_mtokens_per_year[i];
    after += o.usage_mtokens_per_year[i];
  }
  CHECK(before > 0.0);
  // Spending per token doubles, tokens fall by 2^-0.8: revenue × 2^0.2.
  double api_before = 0.0, api_after = 0.0;
  for (double x : r.outcome.api_revenue_usd_per_year) api_before += x;
  for (double x : o.api_revenue_usd_per_year) api_after += x;
  CHECK(api_after == doctest::Approx(std::pow(2.0, 0.2) * api_before));
}

TEST_CASE("a lab's reputation loss lowers the base utility of its models, and only of its own") {
  World w;
  const World::Result r = w.run(3);
  const AdoptionSetup s = w.setup();
  const ModelsOnOffer models{w.closed_capability, w.closed_flop, w.efficiency,
                             w.open_capability,   w.open_flop,   w.efficiency};
  const Offer plain = build_offer(s, models, w.chip_usd, r.state.open_usage_share);
  std::vector<double> loss(s.n_labs, 0.0);
  loss[0] = 0.5;
  const Offer hurt = build_offer(s, models, w.chip_usd, r.state.open_usage_share, {}, loss);
  const std::size_t no = s.n_options;
  int checked = 0;
  for (std::size_t k = 0; k < s.n_countries; ++k)
    for (std::size_t slot = 1; slot <= plain.n_available[k]; ++slot) {
      const std::size_t i = k * no + slot;
      const std::size_t lab = (plain.slot_option[i] - 1) / 2;
      CHECK(hurt.slot_option[i] == plain.slot_option[i]);
      CHECK(hurt.base_utility[i] ==
            doctest::Approx(plain.base_utility[i] - (lab == 0 ? 0.5 : 0.0)).epsilon(1e-6));
      checked += lab == 0;
    }
  CHECK(checked > 0);
}

TEST_CASE("richer populations use more tokens per adopting unit, by the income elasticity") {
  World w;
  w.params.usage_income_elasticity = 0.5;
  w.params.usage_reference_income_usd = 10000;
  w.params.commoditisation = 0.0;  // the same margin at every tick
  const World::Result r = w.run(6);
  // The same choices, with India four times poorer than the reference and the US four times
  // richer: India's tokens on every option × 4^-0.5, the US's × 4^0.5, China's (no income
  // given: the reference) unchanged; who adopts what does not move.
  World rich = w;
  rich.populations[kUs].income_usd_per_capita = 40000;
  rich.populations[kIn].income_usd_per_capita = 2500;
  const World::Result q = rich.run(6);
  CHECK(q.state.choice == r.state.choice);
  const std::size_t no = r.setup.n_options;
  const double factor[] = {2.0, 1.0, 0.5};
  double seen = 0.0;
  for (std::size_t k : {kUs, kCn, kIn})
    for (std::size_t o = 0; o < no; ++o) {
      const double before = r.outcome.usage_mtokens_per_year[k * no + o];
      CHECK(q.outcome.usage_mtokens_per_year[k * no + o] == doctest::Approx(factor[k] * before));
      CHECK(q.outcome.inference_h100e.size() == r.outcome.inference_h100e.size());
      seen += before;
    }
  CHECK(seen > 0.0);
  // Elasticity 0: income changes nothing.
  World flat = rich;
  flat.params.usage_income_elasticity = 0.0;
  CHECK(flat.run(6).outcome.usage_mtokens_per_year == r.outcome.usage_mtokens_per_year);
}

TEST_CASE("tokens beyond the serving capacity are not served") {
  World w;
  const World::Result r = w.run(6);
  const AdoptionSetup& s = r.setup;
  const std::size_t no = s.n_options;
  const AdoptionOutcome all = summarise_adoption(s, r.state, r.offer, 0.5);
  // Pools: the US and India (0), China (1). China's open model is served in China for Chinese
  // adopters and where it is used elsewhere; the US lab's closed model in the US.
  ServingCapacity serving{{0, 1, 0}, {0.0, 0.0}};
  const double pool0 = all.inference_h100e[kUs] + all.inference_h100e[kIn];
  const double pool1 = all.inference_h100e[kCn];
  REQUIRE(pool0 > 0.0);
  REQUIRE(pool1 > 0.0);
  serving.capacity_h100e = {0.5 * pool0, 10.0 * pool1};
  const AdoptionOutcome o = summarise_adoption(s, r.state, r.offer, 0.5, &serving);
  CHECK(o.serving_demand_h100e[0] == doctest::Approx(pool0));
  CHECK(o.serving_demand_h100e[1] == doctest::Approx(pool1));
  CHECK(o.served_fraction[0] == doctest::Approx(0.5));
  CHECK(o.served_fraction[1] == 1.0);
  // Served compute stays within capacity; the short pool's tokens and money halve, the other's
  // do not move; who adopts what is the same.
  CHECK(o.inference_h100e[kUs] + o.inference_h100e[kIn] <= 0.5 * pool0 * (1.0 + 1e-12));
  CHECK(o.inference_h100e[kCn] == all.inference_h100e[kCn]);
  CHECK(o.api_revenue_usd_per_year[0] == doctest::Approx(0.5 * all.api_revenue_usd_per_year[0]));
  CHECK(o.units == all.units);
  for (std::size_t k : {kUs, kCn, kIn})
    for (std::size_t opt = 1; opt < no; ++opt) {
      const std::size_t lab = (opt - 1) / 2;
      const bool in_pool0 = opt == open_option(lab) ? k != kCn : s.lab_country[lab] != kCn;
      CHECK(o.usage_mtokens_per_year[k * no + opt] ==
            doctest::Approx((in_pool0 ? 0.5 : 1.0) * all.usage_mtokens_per_year[k * no + opt]));
    }
  // Capacity to spare everywhere: nothing changes, to the bit.
  serving.capacity_h100e = {2.0 * pool0, 2.0 * pool1};
  const AdoptionOutcome ample = summarise_adoption(s, r.state, r.offer, 0.5, &serving);
  CHECK(ample.usage_mtokens_per_year == all.usage_mtokens_per_year);
  CHECK(ample.api_revenue_usd_per_year == all.api_revenue_usd_per_year);
  CHECK(ample.inference_h100e == all.inference_h100e);
}

TEST_CASE("compute gets dearer while serving capacity is short and returns to its cost after") {
  AdoptionModelParams p;
  p.usage_price_elasticity = 0.5;
  p.max_serving_scarcity = 1000.0;
  // Demand twice the capacity: the price that would make it fit is 2^(1/0.5) = 4 times higher.
  CHECK(next_serving_scarcity(p, 1.0, 2.0, 1.0) == doctest::Approx(4.0));
  // Demand D0 · s^-0.5 at scarcity s meets capacity C after one step.
  const double d0 = 9.0, c = 1.0;
  const double s1 = next_serving_scarcity(p, 1.0, d0, c);
  CHECK(d0 * std::pow(s1, -0.5) == doctest::Approx(c));
  CHECK(next_serving_scarcity(p, s1, d0 * std::pow(s1, -0.5), c) == doctest::Approx(s1));
  // Demand falls below capacity: scarcity falls, never below 1.
  CHECK(next_serving_scarcity(p, 4.0, 0.75, 1.0) == doctest::Approx(4.0 * 0.5625));
  CHECK(next_serving_scarcity(p, 2.0, 0.1, 1.0) == 1.0);
  CHECK(next_serving_scarcity(p, 3.0, 0.0, 1.0) == 1.0);
  // Never above the cap, where providers ration instead; no capacity at all: the cap.
  p.max_serving_scarcity = 3.0;
  CHECK(next_serving_scarcity(p, 1.0, 1.0, 0.0) == 3.0);
  CHECK(next_serving_scarcity(p, 2.0, 1e9, 1.0) == 3.0);
  CHECK(next_serving_scarcity(p, 3.0, 0.8, 1.0) == doctest::Approx(1.92));
}

TEST_CASE("tokens per adopter grow with the capability of the model used") {
  World w;
  w.params.commoditisation = 0.0;  // the same margin at every tick
  const World::Result a = w.run(12);
  World better = w;
  better.closed_capability[0] += 1.0;
  const AdoptionSetup s = better.setup();
  const Offer offer = build_offer(s,
                                  {better.closed_capability, better.closed_flop,
                                   better.efficiency, better.open_capability, better.open_flop,
                                   better.efficiency},
                                  better.chip_usd, a.state.open_usage_share);
  const AdoptionOutcome o = summarise_adoption(s, a.state, offer, 1.0);
  const std::size_t i = kUs * s.n_options + kUsClosed;
  REQUIRE(a.outcome.usage_mtokens_per_year[i] > 0.0);
  CHECK(o.usage_mtokens_per_year[i] ==
        doctest::Approx(std::pow(10.0, s.params.usage_capability_elasticity) *
                        a.outcome.usage_mtokens_per_year[i]));
}

TEST_CASE("capability far above the need adds ever less utility") {
  // Models four orders of magnitude above the need: without a limit nearly everyone adopts;
  // with diminishing returns those with a high price weight or low trust stay out.
  World w;
  w.closed_capability = {28.0, kNaN};
  w.closed_flop = {1e28, kNaN};
  w.open_capability = {kNaN, 27.8};
  w.open_flop = {kNaN, 3e27};
  World damped = w;
  damped.params.capability_utility_max = 1.0;
  const World::Result a = w.run(24);
  const World::Result b = damped.run(24);
  for (std::size_t k : {kUs, kCn, kIn}) {
    CHECK(a.share(k, kNoModel) < 0.05);
    CHECK(b.share(k, kNoModel) > a.share(k, kNoModel) + 0.05);
  }
  // Below the need nothing changes: the same choices, draw for draw.
  World below = w;
  below.closed_capability = {21.0, kNaN};  // 6 standard deviations of need below it
  below.open_capability = {kNaN, 20.8};
  World below_damped = below;
  below_damped.params.capability_utility_max = 1.0;
  CHECK(below.run(12).state.choice == below_damped.run(12).state.choice);
}

TEST_CASE("adoption never exceeds the share of units that can use a model") {
  World w;
  w.populations[kIn].access = {{{"general", {}}, 0.3}};
  w.populations[kIn].access_growth_per_year = 0.1;
  const World::Result r = w.run(24);  // two years: access 0.5 in India
  CHECK(r.outcome.ceiling[kUs] == doctest::Approx(1.0));
  CHECK(r.outcome.ceiling[kIn] == doctest::Approx(0.5));
  CHECK(1.0 - r.share(kIn, kNoModel) <= 0.5 + 1e-12);
  CHECK(1.0 - r.share(kIn, kNoModel) > 0.3);  // most of those online use a model
  CHECK(1.0 - r.share(kUs, kNoModel) > 0.5);
  // Every unit is still counted once.
  double units = 0.0;
  for (double x : r.outcome.units) units += x;
  CHECK(units == doctest::Approx(3e6));
  // Access grows to 1 and no further.
  CHECK(segment_access(r.setup, r.setup.n_sectors * kIn, 10.0) == 1.0);
}

TEST_CASE("adoption results are identical for 1 and 2 threads") {
  World w;
  w.params.adopters = 100000;  // several blocks
  w.params.ecosystem_lock_in = 0.5;  // with the ecosystems' hold on their users
  w.initial_cn_derivatives = 3e4;
  auto run = [&w](int threads) {
    oneapi::tbb::global_control cap(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
    return w.run(6);
  };
  const World::Result one = run(1);
  const World::Result two = run(2);
  CHECK(one.state.choice == two.state.choice);
  CHECK(one.state.revision_due == two.state.revision_due);
  CHECK(one.state.size == two.state.size);
  CHECK(one.population.peers == two.population.peers);
  CHECK(one.outcome.api_revenue_usd_per_year == two.outcome.api_revenue_usd_per_year);
  CHECK(one.state.ecosystems.downloads == two.state.ecosystems.downloads);
  CHECK(one.state.ecosystems.derivatives == two.state.ecosystems.derivatives);
}

namespace {
// Runs with one build of the choice kernel, and the default again afterwards.
struct ForcedKernel {
  explicit ForcedKernel(ChoiceKernel k) { force_choice_kernel(k); }
  ~ForcedKernel() { force_choice_kernel(std::nullopt); }
  ForcedKernel(const ForcedKernel&) = delete;
  ForcedKernel& operator=(const ForcedKernel&) = delete;
};
}  // namespace

TEST_CASE("peers counted over and over, past the 64 compared at once, give the same choices") {
  // Every list repeated 2^k times: the peer term (weight / peers x peers on the option) is the
  // same number, exactly, so the choices are too. Lanes of one group then differ in their
  // number of peers (8, 16, 32 and 128), and the 128 go past the 64 compared at once.
  World w;
  w.params.adopters = 20000;
  const World::Result once = w.run(6);
  w.peer_repeats = {1, 2, 4, 16};
  const World::Result repeated = w.run(6);
  REQUIRE(repeated.population.peer_begin[4] == 8 * (1 + 2 + 4 + 16));
  CHECK(repeated.state.choice == once.state.choice);
  CHECK(repeated.state.size == once.state.size);
  CHECK(repeated.state.revision_due == once.state.revision_due);
  // No peers at all: nothing to count, and adopters still take up models.
  World alone;
  alone.params.adopters = 5000;
  alone.params.peers_per_adopter = 0;
  const World::Result r = alone.run(12);
  CHECK(r.population.peers.empty());
  CHECK(r.share(kUs, kUsClosed) > 0.05);
}

TEST_CASE("adopters of a withdrawn model choose again at once") {
  World w;
  w.params.revision_rate_per_year = 0.5;  // few reconsider of their own accord in a month
  w.withdraw_month = 6;
  const World::Result before = w.run(6);
  const std::size_t users = static_cast<std::size_t>(
      std::count(before.state.choice.begin(), before.state.choice.end(), kUsClosed));
  REQUIRE(users > 1000);
  const World::Result after = w.run(7);
  CHECK(std::count(after.state.choice.begin(), after.state.choice.end(), kUsClosed) == 0);
  // Of the others, most keep their option: the withdrawal alone made the users reconsider.
  std::size_t kept = 0, others = 0;
  for (std::size_t a = 0; a < before.state.choice.size(); ++a)
    if (before.state.choice[a] != kUsClosed) {
      ++others;
      kept += after.state.choice[a] == before.state.choice[a];
    }
  CHECK(kept > 0.9 * static_cast<double>(others));
}

TEST_CASE("every instruction-set build of the choice kernel gives the same choices") {
  const std::vector<ChoiceKernel> kernels = choice_kernels_available();
  REQUIRE(kernels.front() == ChoiceKernel::baseline);
  MESSAGE("choice kernels this processor runs: " << kernels.size());
  for (double rate : {6.0, 1e9}) {  // the usual rate, and everyone reconsidering every tick
    World w;
    w.params.adopters = 40000;
    w.params.revision_rate_per_year = rate;
    w.params.capability_utility_max = rate > 10.0 ? 1.5 : 0.0;  // with and without the limit
    w.params.ecosystem_lock_in = rate > 10.0 ? 0.0 : 0.7;  // with and without ecosystems' hold
    w.initial_cn_derivatives = 2e4;
    std::vector<World::Result> results;
    for (ChoiceKernel k : kernels) {
      const ForcedKernel forced(k);
      results.push_back(w.run(8));
    }
    for (std::size_t i = 1; i < kernels.size(); ++i) {
      CAPTURE(choice_kernel_name(kernels[i]));
      CHECK(results[i].state.choice == results[0].state.choice);
      CHECK(results[i].state.revision_due == results[0].state.revision_due);
      CHECK(results[i].state.size == results[0].state.size);
    }
  }
  if (kernels.size() < 3) {  // a processor without AVX-512 refuses to run that build
    CHECK_THROWS_AS(force_choice_kernel(ChoiceKernel::avx512), std::invalid_argument);
  }
}

TEST_CASE("open-weight ecosystems are cumulative, nonnegative and empty before the first release") {
  World w;
  w.open_release_month = 6;
  const World::Result r = w.run(24);
  for (std::size_t m = 0; m < r.downloads.size(); ++m)
    for (std::size_t l = 0; l < r.setup.n_labs; ++l) {
      CAPTURE(m);
      CAPTURE(l);
      CHECK(r.downloads[m][l] >= 0.0);
      CHECK(r.derivatives[m][l] >= 0.0);
      if (m > 0) {
        CHECK(r.downloads[m][l] >= r.downloads[m - 1][l]);
        CHECK(r.derivatives[m][l] >= r.derivatives[m - 1][l]);
      }
    }
  // The Chinese lab's family is not released before month 6: no downloads, no derivatives.
  for (int m = 0; m < 6; ++m) {
    CHECK(r.downloads[m][1] == 0.0);
    CHECK(r.derivatives[m][1] == 0.0);
  }
  CHECK(r.downloads.back()[1] > 0.0);
  CHECK(r.derivatives.back()[1] > 0.0);
  // The US lab releases no open model: it never has an ecosystem.
  CHECK(r.downloads.back()[0] == 0.0);
  CHECK(r.derivatives.back()[0] == 0.0);
}

TEST_CASE("a tick's downloads are the open units times the rate, and derivatives follow them") {
  World w;
  w.params.open_downloads_per_unit_year = 12.0;
  w.params.open_derivatives_per_mdownloads = 100.0;
  const AdoptionSetup s = w.setup();
  AdoptionOutcome out;
  out.units.assign(s.n_countries * s.n_options, 0.0);
  out.units[kIn * s.n_options + kCnOpen] = 2e6;
  out.units[kCn * s.n_options + kCnOpen] = 1e6;
  out.units[kUs * s.n_options + kUsClosed] = 5e6;  // closed models are not downloaded
  OpenEcosystems eco;
  grow_ecosystems(s, out, 0.5, eco);
  CHECK(eco.downloads[kIn * s.n_labs + 1] == doctest::Approx(2e6 * 12.0 * 0.5));
  CHECK(eco.downloads[kCn * s.n_labs + 1] == doctest::Approx(1e6 * 12.0 * 0.5));
  CHECK(eco.downloads[kUs * s.n_labs + 0] == 0.0);
  CHECK(eco.derivatives[kIn * s.n_labs + 1] == doctest::Approx(12e6 * 100.0 / 1e6));
  CHECK(eco.family_derivatives(s.n_labs)[1] == doctest::Approx(18e6 * 100.0 / 1e6));
  grow_ecosystems(s, out, 0.5, eco);  // cumulative
  CHECK(eco.downloads[kIn * s.n_labs + 1] == doctest::Approx(2e6 * 12.0));
}

TEST_CASE("an ecosystem's hold grows with the log of its derivatives") {
  AdoptionModelParams p;
  CHECK(ecosystem_stay_utility(p, 1e6) == 0.0);  // default: no hold
  p.ecosystem_lock_in = 0.4;
  p.ecosystem_reference_derivatives = 1e4;
  CHECK(ecosystem_stay_utility(p, 0.0) == 0.0);
  CHECK(ecosystem_stay_utility(p, kNaN) == 0.0);
  CHECK(ecosystem_stay_utility(p, 1e4) == doctest::Approx(0.4 * std::log(2.0)));
  CHECK(ecosystem_stay_utility(p, 1e5) > ecosystem_stay_utility(p, 1e4));
  CHECK(ecosystem_stay_utility(p, 1e5) == doctest::Approx(0.4 * std::log(11.0)));
}

TEST_CASE("a family with more derivatives keeps more of its users when a rival gets better") {
  World w;
  w.params.ecosystem_lock_in = 0.8;
  w.params.revision_rate_per_year = 12.0;
  w.rival_month = 12;  // the US closed model jumps ahead
  w.rival_capability = 26.0;
  World big = w;
  big.initial_cn_derivatives = 1e6;
  const World::Result small_r = w.run(18);
  const World::Result big_r = big.run(18);
  // The big ecosystem adds 0.8 ln(101) ~ 3.7 utility to staying.
  CHECK(big_r.offer.ecosystem_stay[kIn * big_r.setup.n_options +
                                    big_r.offer.option_slot[kIn * big_r.setup.n_options +
                                                            kCnOpen]] > 3.0f);
  MESSAGE("India's share on the Chinese open family: " << small_r.share(kIn, kCnOpen)
                                                        << " small, " << big_r.share(kIn, kCnOpen)
                                                        << " large ecosystem");
  // In China the US model is not sold, so the family keeps nearly everyone either way.
  for (std::size_t k : {kUs, kIn}) {
    CAPTURE(k);
    CHECK(big_r.share(k, kCnOpen) > small_r.share(k, kCnOpen) + 0.05);
  }
  CHECK(big_r.share(kIn, kUsClosed) < small_r.share(kIn, kUsClosed));
}

TEST_CASE("with no ecosystem lock-in the choices are exactly those without ecosystems") {
  World with;
  with.params.ecosystem_lock_in = 0.0;
  with.initial_cn_derivatives = 1e6;
  World without = with;
  without.feed_ecosystems = false;
  without.initial_cn_derivatives = 0.0;
  const World::Result a = with.run(12), b = without.run(12);
  CHECK(a.state.choice == b.state.choice);
  CHECK(a.state.revision_due == b.state.revision_due);
  CHECK(a.state.size == b.state.size);
  CHECK(a.outcome.usage_mtokens_per_year == b.outcome.usage_mtokens_per_year);
  for (float x : a.offer.ecosystem_stay) CHECK(x == 0.0f);
}

TEST_CASE("waiting times to the first revision are exponential with mean one revision") {
  const AdoptionSetup s = World().setup();
  const AdoptionState st = initial_adoption_state(s, {5, 0, Stream::test});
  REQUIRE(st.revision_due.size() == s.n_adopters);
  double sum = 0.0, sum_sq = 0.0, below_ln2 = 0.0;
  for (float x : st.revision_due) {
    CHECK(x > 0.0f);
    sum += x;
    sum_sq += static_cast<double>(x) * x;
    below_ln2 += x < std::log(2.0) ? 1.0 : 0.0;
  }
  const double n = static_cast<double>(s.n_adopters);
  CHECK(sum / n == doctest::Approx(1.0).epsilon(0.03));           // mean 1
  CHECK(sum_sq / n == doctest::Approx(2.0).epsilon(0.06));        // E[X²] = 2
  CHECK(below_ln2 / n == doctest::Approx(0.5).epsilon(0.03));     // median ln 2
  CHECK(initial_adoption_state(s, {5, 1, Stream::test}).revision_due != st.revision_due);
  CHECK(initial_adoption_state(s, {5, 0, Stream::test}).revision_due == st.revision_due);
}

TEST_CASE("adopters reconsider at the revision rate in every tick") {
  // A reconsidering adopter draws a new waiting time: count those that did, tick by tick.
  World w;
  w.params.revision_rate_per_year = 6.0;
  World::Result r{w.setup(), {}, {}, {}, {}, {}, {}};
  r.population = generate_population(r.setup, {3, 0, Stream::test});
  r.state = initial_adoption_state(r.setup, {3, 0, Stream::test});
  const ModelsOnOffer models{w.closed_capability, w.closed_flop, w.efficiency,
                             w.open_capability,   w.open_flop,   w.efficiency};
  const Offer offer = build_offer(r.setup, models, w.chip_usd, kNaN);
  AdoptionWorkspace work;
  Date previous = Date::from_ymd(2024, 1, 1);
  const double dt = 30.0 / 365.25;
  for (std::size_t m = 0; m < 4; ++m) {
    const std::vector<float> before = r.state.revision_due;
    const Date date = previous.plus_days(30);
    step_adoption(r.setup, r.population, offer, r.state, {date, previous, m, dt},
                  {3, 0, Stream::test}, work);
    double revised = 0.0;
    for (std::size_t a = 0; a < r.setup.n_adopters; ++a)
      revised += r.state.revision_due[a] != before[a] ? 1.0 : 0.0;
    CAPTURE(m);
    // 1 − e^(−6 × 30/365.25) = 0.389; the standard error with 30000 adopters is 0.003
    CHECK(revised / static_cast<double>(r.setup.n_adopters) ==
          doctest::Approx(1.0 - std::exp(-6.0 * dt)).epsilon(0.03));
    previous = date;
  }
  // A tick of no length: nobody's time is up.
  const std::vector<float> before = r.state.revision_due;
  step_adoption(r.setup, r.population, offer, r.state, {previous, previous, 4, 0.0},
                {3, 0, Stream::test}, work);
  CHECK(r.state.revision_due == before);
}

TEST_CASE("every revision draws a fresh waiting time: none skipped, none reused") {
  // The waiting times drawn at a tick are revision_due − the cumulative hazard. They must be
  // exponential with mean 1, and independent: between the four adopters that share a Philox
  // block (one word each), and from one revision of an adopter to its next (a new step). A
  // draw reused (a word shared, a step not advanced) makes waiting times repeat; one skipped
  // (the same word for the pick and the next wait of another adopter) correlates them.
  World w;
  w.params.revision_rate_per_year = 12.0;  // about 63% reconsider in a month
  World::Result r{w.setup(), {}, {}, {}, {}, {}, {}};
  const StreamKey key{11, 0, Stream::test};
  r.population = generate_population(r.setup, key);
  r.state = initial_adoption_state(r.setup, key);
  const ModelsOnOffer models{w.closed_capability, w.closed_flop, w.efficiency,
                             w.open_capability,   w.open_flop,   w.efficiency};
  const Offer offer = build_offer(r.setup, models, w.chip_usd, kNaN);
  AdoptionWorkspace work;
  const std::size_t n = r.setup.n_adopters;
  const double dt = 30.0 / 365.25;
  Date previous = Date::from_ymd(2024, 1, 1);
  std::vector<double> last_wait(n, kNaN);  // each adopter's latest waiting time drawn
  double sum = 0.0, count = 0.0, repeats = 0.0, quad_pairs = 0.0, quad_equal = 0.0, negative = 0.0;
  double sxy = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, pairs = 0.0;  // successive waits
  for (std::size_t m = 0; m < 6; ++m) {
    const std::vector<float> before = r.state.revision_due;
    const Date date = previous.plus_days(30);
    step_adoption(r.setup, r.population, offer, r.state, {date, previous, m, dt}, key, work);
    previous = date;
    std::vector<double> wait(n, kNaN);
    for (std::size_t a = 0; a < n; ++a)
      if (r.state.revision_due[a] != before[a])
        wait[a] = static_cast<double>(r.state.revision_due[a]) - r.state.revision_hazard;
    for (std::size_t a = 0; a < n; ++a) {
      if (std::isnan(wait[a])) continue;
      negative += wait[a] < -1e-6 ? 1.0 : 0.0;
      sum += wait[a];
      count += 1.0;
      if (!std::isnan(last_wait[a])) {
        repeats += std::abs(wait[a] - last_wait[a]) < 1e-6 ? 1.0 : 0.0;
        sxy += wait[a] * last_wait[a];
        sx += last_wait[a];
        sy += wait[a];
        sxx += last_wait[a] * last_wait[a];
        syy += wait[a] * wait[a];
        pairs += 1.0;
      }
      if (a % 4 != 3 && a + 1 < n && !std::isnan(wait[a + 1])) {  // the next word of its block
        quad_pairs += 1.0;
        quad_equal += std::abs(wait[a] - wait[a + 1]) < 1e-6 ? 1.0 : 0.0;
      }
      last_wait[a] = wait[a];
    }
  }
  REQUIRE(count > 50000.0);
  CHECK(negative == 0.0);
  CHECK(sum / count == doctest::Approx(1.0).epsilon(0.03));  // mean 1 expected revision
  CHECK(repeats / pairs < 1e-3);
  CHECK(quad_equal / quad_pairs < 1e-3);
  const double cov = sxy / pairs - (sx / pairs) * (sy / pairs);
  const double corr = cov / std::sqrt((sxx / pairs - std::pow(sx / pairs, 2)) *
                                      (syy / pairs - std::pow(sy / pairs, 2)));
  CHECK(std::abs(corr) < 0.03);  // independent successive waits (standard error ~0.007)
}

TEST_CASE("stepping a state not made by initial_adoption_state is refused") {
  const World::Result r = World().run(1);
  AdoptionState bare;
  bare.choice.assign(r.setup.n_adopters, 0);
  AdoptionWorkspace work;
  const Date d = Date::from_ymd(2024, 2, 1);
  CHECK_THROWS_AS(step_adoption(r.setup, r.population, r.offer, bare,
                                {d, Date::from_ymd(2024, 1, 1), 0, 31 / 365.25},
                                {3, 0, Stream::test}, work),
                  std::logic_error);
}

TEST_CASE("the peer network is mostly within segments and has no self links") {
  World w;
  w.params.adopters = 20000;
  w.sectors.push_back(w.sectors[0]);
  w.sectors[1].id = "health";
  for (PopulationSpec& p : w.populations)
    p.sectors = {{{"general", {}}, 0.5}, {{"health", {}}, 0.5}};
  const AdoptionSetup s = w.setup();
  const Population pop = generate_population(s, {1, 0, Stream::test});
  double same_segment = 0.0, same_country = 0.0, links = 0.0;
  for (std::size_t a = 0; a < s.n_adopters; ++a)
    for (uint32_t q = pop.peer_begin[a]; q < pop.peer_begin[a + 1]; ++q) {
      const uint32_t b = pop.peers[q];
      CHECK(b != a);
      CHECK(b < s.n_adopters);
      same_segment += pop.segment[a] == pop.segment[b];
      same_country += s.segment_country[pop.segment[a]] == s.segment_country[pop.segment[b]];
      links += 1.0;
    }
  CHECK(links == 8.0 * 20000);
  // 0.7 inside the segment, plus the share of other links that land there by chance.
  CHECK(same_segment / links == doctest::Approx(0.7 + 0.2 * 0.5 + 0.1 / 6).epsilon(0.03));
  CHECK(same_country / links == doctest::Approx(0.9 + 0.1 / 3).epsilon(0.03));
  CHECK(generate_population(s, {1, 0, Stream::test}).peers == pop.peers);
  CHECK(generate_population(s, {2, 0, Stream::test}).peers != pop.peers);
}

TEST_CASE("agents are spread over segments by usage and stand for every adopting unit") {
  World w;
  w.params.adopters = 10000;
  w.params.min_adopters_per_segment = 100;
  w.populations[kIn].adopting_units = 8e6;
  const AdoptionSetup s = w.setup();
  CHECK(s.n_adopters == 10000);
  CHECK(s.segment_begin.back() == 10000);
  double units = 0.0;
  for (std::size_t seg = 0; seg < s.n_segments; ++seg) {
    const double agents = s.segment_begin[seg + 1] - s.segment_begin[seg];
    CHECK(agents >= 100);
    units += agents * s.units_per_adopter[seg];
  }
  CHECK(units == doctest::Approx(10e6));
  CHECK(s.segment_begin[3] - s.segment_begin[2] == 100 + 9700 * 8 / 10);  // by usage
}

TEST_CASE("shares do not depend on the number of simulated adopters beyond sampling noise") {
  World small;
  small.params.adopters = 20000;
  World large = small;
  large.params.adopters = 200000;
  const World::Result a = small.run(12);
  const World::Result b = large.run(12);
  for (std::size_t k : {kUs, kCn, kIn})
    CHECK(a.share(k, kNoModel) == doctest::Approx(b.share(k, kNoModel)).epsilon(0.1));
}

TEST_CASE("bad adoption input is reported") {
  World w;
  w.populations[kIn].sectors = {{{"generl", {"s.yaml", 4, 7}}, 0.6}};
  w.populations[kIn].reach = {{{"UK", {"s.yaml", 5, 9}}, 0.5}};
  w.populations[kCn].access = {{{"consumers", {"s.yaml", 6, 11}}, 0.5}};
  w.populations.push_back(w.populations[kUs]);
  w.populations.back().id = "US2";
  Diagnostics d;
  resolve_adoption(w.params, w.sectors, w.populations, w.countries, w.lab_country, d);
  std::string text;
  for (const Diagnostic& x : d.all()) text += format_diagnostic(x) + "\n";
  CHECK(text.find("unknown sector id 'generl'") != std::string::npos);
  CHECK(text.find("did you mean 'general'") != std::string::npos);
  CHECK(text.find("add up to 0.6, expected 1") != std::string::npos);
  CHECK(text.find("unknown country id 'UK'") != std::string::npos);
  CHECK(text.find("already has a population") != std::string::npos);
  CHECK(text.find("s.yaml:4:7") != std::string::npos);
  CHECK(text.find("s.yaml:6:11") != std::string::npos);  // access of a sector that does not exist
  CHECK(text.find("unknown sector id 'consumers'") != std::string::npos);

  World few;
  few.params.adopters = 30;
  Diagnostics d2;
  resolve_adoption(few.params, few.sectors, few.populations, few.countries, few.lab_country, d2);
  REQUIRE(d2.size() == 1);
  CHECK(format_diagnostic(d2.all()[0]).find("expected at least 60") != std::string::npos);
}

}  // namespace adoption_test
