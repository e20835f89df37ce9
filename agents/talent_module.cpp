#include "agents/talent_module.hpp"

namespace airace {

void TalentModule::configure(const Config& c) {
  c_ = c;
  std::vector<std::string> ids;
  for (const CountrySpec& k : *c.countries) ids.push_back(k.id);
  setup_ = resolve_talent(c.params, *c.labs, ids);
}

void TalentModule::start() {
  world_.talent = initial_talent_state(setup_);
  const std::size_t k = setup_.n_countries;
  arrivals_.assign(k, 0.0);
  departures_.assign(k, 0.0);
  by_country_.assign(k, 0.0);
}

void TalentModule::declare(Declarations& d) {
  // Reads the labs and supply as earlier days left them: the labs' research reads part::talent
  // the same day, so talent moves first.
  const std::size_t step = d.step({"talent.move",
                                   c_.cadence,
                                   {},
                                   {part::labs, part::supply},
                                   {part::talent},
                                   [this](const Tick& t) { move(t); }});
  const AxisId labs = d.axis("labs", "lab");
  const AxisId countries = d.axis("countries", "country");
  auto series = [&](SeriesDecl decl, AxisId axis, const std::vector<double>& values) {
    decl.group = "talent";
    decl.entity_axes = {axis};
    d.series(step, std::move(decl), [p = &values](SeriesRow& r) { r.set_all(*p); });
  };
  const TalentState& st = world_.talent;
  series({"", "researchers", "FTE", "research staff of the lab"}, labs, st.researchers);
  series({"", "researchers_by_country", "FTE", "research staff of the country's labs"}, countries,
         by_country_);
  series({"", "arrivals_from_abroad_per_year", "FTE/year",
          "researchers moving into the country's labs from labs abroad, over the last tick"},
         countries, arrivals_);
  series({"", "departures_abroad_per_year", "FTE/year",
          "researchers leaving the country's labs for labs abroad, over the last tick"},
         countries, departures_);
  series({"", "entrants_per_year", "FTE/year",
          "new researchers joining the country's labs (new PhDs, engineers from outside the "
          "labs), over the last tick"},
         countries, st.entrants_per_year);
  series({"", "exits_per_year", "FTE/year",
          "researchers leaving the labs altogether: unpaid staff who found no place, over the "
          "last tick"},
         countries, st.exits_per_year);
}

void TalentModule::move(const Tick& t) {
  const std::size_t n = setup_.n_labs;
  std::vector<double> compute(n);
  for (std::size_t i = 0; i < n; ++i)
    compute[i] = buyer_compute_h100e(*c_.supply, world_.supply, i);
  const TalentInputs in{world_.labs.pay_factor, compute, world_.labs.capability,
                        world_.labs.exited_on};
  step_talent(setup_, world_.talent, scratch_, in, t);
  std::swap(world_.talent, scratch_);

  const std::size_t k = setup_.n_countries;
  const TalentState& st = world_.talent;
  std::fill(arrivals_.begin(), arrivals_.end(), 0.0);
  std::fill(departures_.begin(), departures_.end(), 0.0);
  std::fill(by_country_.begin(), by_country_.end(), 0.0);
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b)
      if (a != b) {
        departures_[a] += st.moves_per_year[a * k + b];
        arrivals_[b] += st.moves_per_year[a * k + b];
      }
  for (std::size_t i = 0; i < n; ++i) by_country_[setup_.lab_country[i]] += st.researchers[i];
}

}  // namespace airace
