#pragma once
// The seminar's engine side, without HTTP (docs/teaching.md, "Live dashboard" and "A 90-minute
// wargame"). Students' lever values become dated policy events added to the scenario, and the
// scenario so changed is run from its start: a dashboard run sets the changed levers on
// seminar.first_turn, a wargame's decisions are set on the date of their turn. So what the page
// shows is always the run of a scenario that `airace run` reproduces exactly, and undoing a
// turn is dropping its events.

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/series.hpp"
#include "sim/core/start_cache.hpp"
#include "sim/model/scenario.hpp"

namespace airace::serve {

using Json = nlohmann::json;

// A request the server refuses: the HTTP status (4xx) and a plain message.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// One lever set to a value from a date on: a policy event with the team that decided it.
struct Decision {
  int turn = 0;  // 0: a dashboard setting
  Date date;
  std::size_t lever = 0;  // index into scenario.levers
  double value = 0.0;
};

// An agreement between teams signed (its parameter set to 1) or broken (to 0) from a date on: a
// policy event for each team that signed it, or one with the team that broke it.
struct AgreementDecision {
  int turn = 0;
  Date date;
  std::size_t agreement = 0;       // index into scenario.agreements
  bool signed_now = true;          // false: broken
  std::vector<std::size_t> teams;  // those that signed it (the proposer first), or broke it
};

// A headline indicator shown on the page: one series of /indicators, for one entity.
struct Indicator {
  std::string id;
  std::string label;
  std::string unit;
  SeriesId series = kNoSeries;
  std::size_t entity = 0;
};

// A scenario that declares no levers gets the six government levers (docs/scenarios.md,
// "Seminars: teams and levers"): the US team owns enforcement and allies' alignment, China's
// team the rest; turns start on 2025-01-01 when the scenario spans it. Throws InputError, saying
// to declare levers, when a lever's value is not on its default slider.
Scenario with_default_levers(const Scenario& s);

class SeminarModel {
 public:
  // Throws InputError when the scenario declares no levers.
  SeminarModel(Scenario base, int threads);

  const Scenario& base() const { return base_; }
  const std::vector<Indicator>& indicators() const { return indicators_; }
  // The value of each lever on seminar.first_turn.
  const std::vector<double>& defaults() const { return base_.seminar_setup.lever_value; }

  // Lever values from a request's {"id": value}: every lever starts at `current`; only the
  // levers of `team` may be given when a team is named. Throws RequestError (400 or 403).
  std::vector<double> values_from(const Json& given, const std::vector<double>& current,
                                  std::optional<std::size_t> team) const;

  // The scenario text that adds `decisions` (and a wargame's `agreements`) as policy events and
  // ends on `end`.
  std::string scenario_yaml(const std::vector<Decision>& decisions, Date end,
                            const std::vector<AgreementDecision>& agreements = {}) const;
  // The same as a tree; scenario() validates it as load_scenario_text would its text.
  ConfigNode scenario_tree(const std::vector<Decision>& decisions, Date end,
                           const std::vector<AgreementDecision>& agreements = {}) const;
  Scenario scenario(const std::vector<Decision>& decisions, Date end,
                    const std::vector<AgreementDecision>& agreements = {}) const;
  // The ensemble of a scenario() of this model. Its replicates share what they work out at their
  // start with the model's earlier runs (sim/core/start_cache.hpp: decisions take effect on
  // seminar.first_turn or later); its meta holds no scenario text (with_text adds it).
  RunResult run(const Scenario& s) const;
  // A run() with the scenario's text in its meta, for a file (the same as `airace run` writes).
  static RunResult with_text(const RunResult& r, std::string scenario_yaml);

  // The page's view of a run up to `until`: indicator dates, median and 5-95% bands, and the
  // flagship releases of replicate 0.
  Json view(const RunResult& r, Date until) const;
  // Plain sentences about a turn: the decisions, then what happened from `from` to `to`.
  std::vector<std::string> digest(const RunResult& r, const std::vector<Decision>& decisions,
                                  const std::vector<double>& before, Date from, Date to,
                                  const std::vector<AgreementDecision>& agreements = {}) const;
  Json lever_json(std::size_t lever, double value) const;
  Json info_json() const;

 private:
  Scenario base_;
  int threads_;
  std::shared_ptr<StartCache> start_cache_ = std::make_shared<StartCache>();
  // A market chart of the page: the index, or the summed value of some firms.
  struct MarketChoice {
    std::string id;
    std::string label;
    std::vector<std::size_t> firms;  // indices into the scenario's firms[]
    bool index = false;              // the US index itself (/markets/index_usd)
  };
  std::vector<MarketChoice> market_choices() const;
  // Market values up to `until`, about weekly: {dates, series: {id: {median, p5, p95}}}, or
  // null in a scenario without firms.
  Json market_view(const RunResult& r, Date until) const;

  std::vector<Indicator> indicators_;
};

// The wargame: teams submit lever values each turn; the facilitator advances, pauses, undoes
// and ends. Not thread-safe: the server holds a lock around every call.
class Game {
 public:
  explicit Game(const SeminarModel& model);

  enum class Status { playing, paused, ended };
  // The state as `team` sees it (nullopt: the facilitator).
  Json state(std::optional<std::size_t> team) const;
  // A team's decisions for this turn. Returns true when every team has now submitted.
  bool submit(std::size_t team, const Json& levers);
  void advance();  // runs the turn
  void pause();
  void resume();
  void undo();
  void end();
  // Agreements between teams (scenario.agreements, named by id). A party proposes one that is
  // not in force; the other parties accept it (it is then signed from this turn's date) or one
  // declines it; its proposer may withdraw it. A party breaks an agreement in force, from this
  // turn's date, in a turn after the one that signed it. An agreement changes at most once a
  // turn. Throws RequestError: 400 for an unknown agreement, 403 for a team not a party, 409
  // when the game or the agreement does not allow it now.
  void propose(std::size_t team, const std::string& agreement);
  void accept(std::size_t team, const std::string& agreement);
  void decline(std::size_t team, const std::string& agreement);
  void withdraw(std::size_t team, const std::string& agreement);
  void break_agreement(std::size_t team, const std::string& agreement);
  Status status() const { return status_; }
  bool everyone_submitted() const;

  std::string export_yaml() const;
  // The scenario of the run shown now, as SeminarModel::scenario_yaml writes it.
  std::string scenario_yaml() const;
  const RunResult& result() const { return *result_; }  // without the scenario's text

 private:
  // An agreement between teams as the game stands.
  struct Agreement {
    bool in_force = false;
    int signed_turn = 0;                 // 0: in force since before the game
    std::vector<std::size_t> signed_by;  // teams, the proposer first
    std::optional<std::size_t> broken_by;
    int broken_turn = 0;
    // The parties that agree to the proposal standing, the proposer first; empty: none.
    std::vector<std::size_t> proposal;
    int changed_turn = 0;  // the turn that last signed or broke it
  };
  struct Turn {
    std::vector<Decision> decisions;  // this turn's
    std::vector<AgreementDecision> agreement_decisions;  // this turn's
    std::vector<double> before;       // lever values before them
    std::vector<Agreement> agreements_before;  // as the turn started
    std::vector<std::string> digest;
  };
  Date turn_date(int turn) const;  // the date turn k's decisions take effect
  Date view_end() const;           // the last simulated day shown now
  std::vector<Decision> all_decisions() const;
  std::vector<AgreementDecision> all_agreement_decisions() const;
  void rerun();
  void require(Status s, const char* what) const;
  // The agreement's index; throws unless it exists, `team` is a party and the game is played.
  std::size_t agreement_of(std::size_t team, const std::string& id, const char* what) const;
  Json agreement_json(std::size_t a, std::optional<std::size_t> team) const;

  const SeminarModel& model_;
  Status status_ = Status::playing;
  int turn_ = 1;                                      // the turn being decided
  std::vector<double> values_;                        // [lever] in force now
  std::vector<std::optional<std::vector<double>>> pending_;  // [team] submitted values
  std::vector<Agreement> agreements_;                        // [agreement] now
  std::vector<Agreement> agreements_at_start_;               // [agreement] as this turn started
  std::vector<Turn> history_;
  std::shared_ptr<const RunResult> result_;
};

}  // namespace airace::serve
