#pragma once
// Research talent: the research staff of each lab as a stock that moves between labs and
// countries, grows with new entrants and shrinks when a lab cannot pay. docs/model.md
// §"Talent" gives the equations, parameters, units and sources.
//
// Flows are expected values (no draws): a share of every lab's staff reconsiders each tick and
// is shared among labs by a logit on their attractiveness, so a run is bit-identical whatever
// the thread count. The step reads the previous state and writes the next.

#include <span>
#include <string>
#include <vector>

#include "agents/labs.hpp"
#include "sim/core/params.hpp"
#include "sim/core/schedule.hpp"

namespace airace {

// The section `talent:` of a scenario.
struct TalentParams {
  double mobility_per_year = 0.2;      // 1/year, share of researchers who reconsider their lab
  double pay_weight = 1.0;             // utility per ln unit of pay per researcher
  double compute_weight = 0.5;         // utility per ln unit of compute per researcher
  double standing_weight = 1.0;        // utility per log10 FLOP behind the best lab
  double home_preference = 3.0;        // utility of a lab in the country one works in
  double us_visa_openness = 0.5;       // fraction of would-be moves into US labs from abroad
  double other_visa_openness = 1.0;    // fraction of would-be moves into other countries' labs
  double cn_returnee_programme = 1.5;  // utility of Chinese labs to researchers abroad
  double us_entry_per_year = 0.2;      // 1/year, new researchers per researcher in US labs
  double cn_entry_per_year = 0.3;      // 1/year, in Chinese labs
  double other_entry_per_year = 0.2;   // 1/year, in other countries' labs
  double max_headcount_growth_per_year = 2.0;  // x/year, hiring cap at full pay
  double unpaid_leave_per_year = 6.0;          // 1/year, rate at which unpaid staff leave
};
const Schema<TalentParams>& talent_schema();

// The talent section resolved for a run: per-lab and per-country arrays.
struct TalentSetup {
  TalentParams params;
  std::size_t n_labs = 0;
  std::size_t n_countries = 0;
  std::vector<std::size_t> lab_country;       // [lab] country index
  std::vector<double> initial_researchers;    // [lab] FTE (labs[].researchers)
  Date start;                                 // the run's start date
  std::vector<Date> founded;                  // [lab] labs[].founded: no staff before it
  std::vector<double> full_pay_usd_per_year;  // [lab] USD/year per researcher at full pay
  std::vector<double> visa_openness;          // [country] fraction of moves in from abroad
  std::vector<double> returnee_utility;       // [country] utility for movers from abroad
  std::vector<double> entry_per_year;         // [country] 1/year
};

// `country_ids` in the scenario's order; US and CN get their own visa, returnee and entry
// values, every other country the `other_` ones.
TalentSetup resolve_talent(const TalentParams& params, const LabsSetup& labs,
                           const std::vector<std::string>& country_ids);

struct TalentState {
  std::vector<double> researchers;        // [lab] FTE research staff
  std::vector<double> moves;              // [from country × to country] FTE moved, cumulative
  std::vector<double> entrants;           // [country] FTE entered, cumulative
  std::vector<double> exits;              // [country] FTE left the labs, cumulative
  std::vector<double> moves_per_year;     // [from country × to country] FTE/year, last tick
  std::vector<double> entrants_per_year;  // [country] FTE/year, last tick
  std::vector<double> exits_per_year;     // [country] FTE/year, last tick
};

// What the labs and the supply left the previous day.
struct TalentInputs {
  std::span<const double> pay_factor;     // [lab] fraction of staff pay the lab can afford
  std::span<const double> compute_h100e;  // [lab] installed compute
  std::span<const double> capability;     // [lab] log10 FLOP, its best model
  std::span<const Date> exited_on;        // [lab] the day it exited (empty: no lab exits)
};

TalentState initial_talent_state(const TalentSetup& setup);

// docs/model.md §"Talent: attractiveness": the utility of lab j to any researcher, before the
// home preference and the returnee programme, which depend on where the researcher works.
std::vector<double> lab_attractiveness(const TalentSetup& setup,
                                       std::span<const double> researchers, const TalentInputs& in);

// One tick: reconsidering and unpaid staff move (damped at borders, capped by what the
// receiving lab can pay), new researchers enter, the unpaid who find no place leave.
void step_talent(const TalentSetup& setup, const TalentState& prev, TalentState& next,
                 const TalentInputs& in, const Tick& tick);

}  // namespace airace
