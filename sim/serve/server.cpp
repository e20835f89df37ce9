#include "sim/serve/server.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <iostream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include "output/h5_writer.hpp"
#include "sim/serve/http_server.hpp"
#include "sim/serve/seminar_model.hpp"
#include "sim/serve/web_assets.hpp"

namespace airace::serve {
namespace {

constexpr std::size_t kCachedViews = 512;   // dashboard answers kept, by lever values
constexpr std::size_t kCachedResults = 4;   // whole results kept for HDF5 downloads
constexpr std::size_t kKnownRuns = 4096;    // run ids that can still be downloaded
constexpr int kMaxBodyDepth = 16;           // of a request body's JSON (the page sends 2)
constexpr int kIoThreads = 2;               // enough to move bytes; runs have their own threads
// Dashboard runs that go at once: one per core, so that a run's serial parts (building its
// scenario, the answer) leave no core idle, and at most 4, each holding a run's memory.
constexpr int kMaxEngineThreads = 4;

// Sent with every answer: the page loads only its own files (its icon is an empty data: URL),
// runs no inline script, and is never framed; nothing is cached, nothing leaks in a Referer.
const HeaderList kSecurityHeaders = {
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Cache-Control", "no-store"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"}};

struct DashboardRun {
  std::string id;
  std::vector<double> values;
  Json answer;  // the /api/run answer (without "cached")
};

std::string values_key(const std::vector<double>& v) {
  std::string k;
  for (double x : v) k += exact_number(x) + ";";
  return k;
}

std::string make_code(std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
  std::string code;
  for (int i = 0; i < 9; ++i) code += i == 4 ? '-' : kAlphabet[pick(rng)];
  return code;
}

// /api/runs/rN/scenario.yaml or /api/runs/rN/result.h5, N of 1 to 9 digits: {"rN", file}.
bool run_download(const std::string& path, std::vector<std::string>& matches) {
  static const std::string kPrefix = "/api/runs/r";
  if (path.rfind(kPrefix, 0) != 0) return false;
  const std::size_t slash = path.find('/', kPrefix.size());
  if (slash == std::string::npos) return false;
  const std::string digits = path.substr(kPrefix.size(), slash - kPrefix.size());
  const std::string file = path.substr(slash + 1);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (file != "scenario.yaml" && file != "result.h5"))
    return false;
  matches = {"r" + digits, file};
  return true;
}

bool is_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1" ||
         address.rfind("127.", 0) == 0;
}

// The seminar's routes. Runs of the engine happen on the server's engine threads, side by side
// (the wargame's jobs and the HDF5 downloads one at a time, in order: they change one game, and
// the HDF5 library is not thread-safe); everything else (the
// page, /api/info, cached views, the game's state) is answered on an I/O thread and never waits
// for a run.
class Seminar {
 public:
  Seminar(const SeminarModel& model, bool codes_required)
      : model_(model), codes_required_(codes_required) {
    std::random_device seed;
    std::mt19937_64 rng((static_cast<uint64_t>(seed()) << 32) ^ seed());
    facilitator_code_ = make_code(rng);
    for (std::size_t t = 0; t < model_.base().teams.size(); ++t) team_codes_.push_back(make_code(rng));
    const auto t0 = std::chrono::steady_clock::now();
    baseline_ = run_dashboard(model_.defaults());
    run_time_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    game_ = std::make_unique<Game>(model_);
    publish_game();
  }

  const std::string& facilitator_code() const { return facilitator_code_; }
  const std::vector<std::string>& team_codes() const { return team_codes_; }
  // How long the baseline took: the engine queue's first estimate of a run.
  double run_time_s() const { return run_time_s_; }

  std::vector<Route> routes() {
    std::vector<Route> r;
    r.push_back(route("GET", exact_path("/"), nullptr,
                      [](const Request&) -> Reply { return asset("/index.html"); }));
    for (std::size_t i = 0; i < kWebAssetCount; ++i)
      r.push_back(route("GET", exact_path(kWebAssets[i].path), nullptr,
                        [](const Request& req) -> Reply { return asset(req.path); }));
    r.push_back(route("GET", exact_path("/api/info"), nullptr, [this](const Request&) -> Reply {
      Json info = model_.info_json();
      info["codes_required"] = codes_required_;
      return json_answer(info);
    }));
    const auto code_if_required = [this](const Request& req) {
      if (codes_required_) role_of(code_of(req));
    };
    r.push_back(route("POST", exact_path("/api/run"), code_if_required, [this](const Request& req) -> Reply {
      const Json body = parse_body(req, {"levers"});
      const std::vector<double> values =
          model_.values_from(field(body, "levers"), model_.defaults(), std::nullopt);
      if (const auto run = cached_view(values)) return dashboard_answer(*run, true);
      return EngineJob{"run", [this, values] {
                         return answer_errors([&] {
                           bool cached = false;
                           const auto run = dashboard(values, cached);
                           return dashboard_answer(*run, cached);
                         });
                       }};
    }));
    r.push_back(route("GET", run_download, code_if_required, [this](const Request& req) -> Reply {
                        const std::vector<double> values = known_run(req.matches[0]);
                        const std::string name = model_.base().info.name + "_" + req.matches[0];
                        if (req.matches[1] == "scenario.yaml")
                          return file_answer(model_.scenario_yaml(dashboard_decisions(values),
                                                                  model_.base().info.end),
                                             "text/yaml; charset=utf-8", name + ".yaml");
                        // Serial, as every job that writes HDF5 (the library is not
                        // thread-safe).
                        return EngineJob{"h5",
                                         [this, values, name] {
                                           return answer_errors([&] {
                                             return file_answer(h5_bytes(SeminarModel::with_text(
                                                                    *result_of(values),
                                                                    model_.scenario_yaml(
                                                                        dashboard_decisions(values),
                                                                        model_.base().info.end))),
                                                                "application/x-hdf5", name + ".h5");
                                           });
                                         },
                                         true};
                      }));
    // The wargame: every request names its team (or the facilitator) by its code.
    r.push_back(route("POST", exact_path("/api/game/join"), nullptr, [this](const Request& req) -> Reply {
      const Json body = parse_body(req, {"code"});
      const Json& code = field(body, "code");
      if (!code.is_string()) throw RequestError(400, "expected \"code\" to be text");
      const auto who = role_of(code.get<std::string>());
      const Scenario& s = model_.base();
      return json_answer({{"role", who ? "team" : "facilitator"},
                          {"team", who ? Json(s.teams[*who].id) : Json(nullptr)},
                          {"name", who ? s.teams[*who].name : std::string("Facilitator")}});
    }));
    const auto any_code = [this](const Request& req) { role_of(code_of(req)); };
    r.push_back(route("GET", exact_path("/api/game/state"), any_code, [this](const Request& req) -> Reply {
      return json_answer(game_state(role_of(code_of(req))));
    }));
    game(r, "submit", false, [](Game& g, std::optional<std::size_t> team, const Json& body) {
      if (!team) throw RequestError(403, "the facilitator submits no levers; use advance");
      if (g.submit(*team, field(body, "levers"))) g.advance();
    });
    game(r, "advance", true, [](Game& g, std::optional<std::size_t>, const Json&) { g.advance(); });
    game(r, "pause", true, [](Game& g, std::optional<std::size_t>, const Json&) { g.pause(); });
    game(r, "resume", true, [](Game& g, std::optional<std::size_t>, const Json&) { g.resume(); });
    game(r, "undo", true, [](Game& g, std::optional<std::size_t>, const Json&) { g.undo(); });
    game(r, "end", true, [](Game& g, std::optional<std::size_t>, const Json&) { g.end(); });
    // Agreements between teams: each a team's move, with {"agreement": id}.
    using AgreementMove = void (Game::*)(std::size_t, const std::string&);
    const std::pair<const char*, AgreementMove> moves[] = {{"propose", &Game::propose},
                                                           {"accept", &Game::accept},
                                                           {"decline", &Game::decline},
                                                           {"withdraw", &Game::withdraw},
                                                           {"break", &Game::break_agreement}};
    for (const auto& [name, move] : moves)
      game(r, std::string("agreement/") + name, false,
           [move](Game& g, std::optional<std::size_t> team, const Json& body) {
             if (!team)
               throw RequestError(403,
                                  "the facilitator is no party to an agreement; the teams "
                                  "negotiate them");
             (g.*move)(*team, agreement_id(body));
           });
    // The exports read the game, which only the game's serial jobs change: they are such jobs.
    r.push_back(route("GET", exact_path("/api/game/export.yaml"), any_code, [this](const Request&) -> Reply {
      return EngineJob{"export",
                       [this] {
                         return file_answer(game_->export_yaml(), "text/yaml; charset=utf-8",
                                            model_.base().info.name + "_game.yaml");
                       },
                       true};
    }));
    r.push_back(route("GET", exact_path("/api/game/export.h5"), any_code, [this](const Request&) -> Reply {
      return EngineJob{"h5",
                       [this] {
                         return file_answer(h5_bytes(SeminarModel::with_text(
                                                game_->result(), game_->scenario_yaml())),
                                            "application/x-hdf5",
                                            model_.base().info.name + "_game.h5");
                       },
                       true};
    }));
    return r;
  }

 private:
  using GameAction = std::function<void(Game&, std::optional<std::size_t>, const Json&)>;

  // The seminar's refusals (RequestError) and the scenario's (InputError) as JSON answers.
  template <class F>
  static Response answer_errors(F&& f) {
    try {
      return f();
    } catch (const RequestError& e) {
      return json_error(e.status(), e.what());
    } catch (const InputError& e) {
      return input_error(e);
    }
  }

  // A lever setting the scenario refuses (should not happen: values are checked first).
  static Response input_error(const InputError& e) {
    std::string what;
    for (const Diagnostic& d : e.diagnostics()) what += d.key_path + ": " + d.message + "; ";
    return json_error(400, what);
  }

  // A route whose check (before the body is read) and handler may throw the seminar's errors.
  static Route route(const char* method, PathMatcher path,
                     std::function<void(const Request&)> check,
                     std::function<Reply(const Request&)> handle) {
    Route r;
    r.method = method;
    r.path = std::move(path);
    if (check)
      r.check_head = [check](const Request& req) -> std::optional<Response> {
        try {
          check(req);
          return std::nullopt;
        } catch (const RequestError& e) {
          return json_error(e.status(), e.what());
        }
      };
    r.handle = [handle](const Request& req) -> Reply {
      try {
        return handle(req);
      } catch (const RequestError& e) {
        return json_error(e.status(), e.what());
      } catch (const InputError& e) {
        return input_error(e);
      }
    };
    return r;
  }

  // A game action: the code is checked before the body is read; the action runs on an engine
  // thread as a serial job, after the game's earlier jobs (a turn may run: submit runs it once
  // every team has submitted).
  void game(std::vector<Route>& r, const std::string& name, bool facilitator_only,
            GameAction act) {
    const auto check = [this, facilitator_only](const Request& req) {
      const std::optional<std::size_t> team = role_of(code_of(req));
      if (facilitator_only && team) throw RequestError(403, "only the facilitator may do this");
    };
    const bool submit = name == "submit";
    const bool agreement = name.starts_with("agreement/");
    r.push_back(route("POST", exact_path("/api/game/" + name), check,
                      [this, submit, agreement, act](const Request& req) -> Reply {
                        const std::optional<std::size_t> team = role_of(code_of(req));
                        Json body = submit      ? parse_body(req, {"levers"})
                                    : agreement ? parse_body(req, {"agreement"})
                                                : parse_body(req, {}, true);
                        if (submit && !body.contains("levers"))
                          throw RequestError(400, "expected {\"levers\": {...}}: the team's lever "
                                                  "values, {} to keep them all");
                        if (agreement) (void)agreement_id(body);  // refused before it queues
                        return EngineJob{"game",
                                         [this, team, body = std::move(body), act] {
                                           return answer_errors([&] {
                                             act(*game_, team, body);
                                             publish_game();
                                             return json_answer(game_->state(team));
                                           });
                                         },
                                         true};
                      }));
  }

  // The game's state as each role sees it, made after every change (by a serial job), so
  // that reading it never waits for a turn that is running.
  void publish_game() {
    auto states = std::make_shared<std::vector<Json>>();
    for (std::size_t t = 0; t < team_codes_.size(); ++t) states->push_back(game_->state(t));
    states->push_back(game_->state(std::nullopt));
    std::lock_guard lock(game_state_mutex_);
    game_states_ = std::move(states);
  }

  Json game_state(std::optional<std::size_t> team) const {
    std::shared_ptr<const std::vector<Json>> states;
    {
      std::lock_guard lock(game_state_mutex_);
      states = game_states_;
    }
    return (*states)[team ? *team : states->size() - 1];
  }

  static std::string code_of(const Request& req) { return req.header("X-Airace-Code"); }

  // The team a code belongs to; nullopt for the facilitator. Throws RequestError(403).
  std::optional<std::size_t> role_of(const std::string& code) const {
    if (!code.empty() && code == facilitator_code_) return std::nullopt;
    for (std::size_t t = 0; t < team_codes_.size(); ++t)
      if (!code.empty() && code == team_codes_[t]) return t;
    throw RequestError(403, code.empty() ? "this needs an access code (header X-Airace-Code); "
                                           "the codes are printed where airace serve was started"
                                         : "unknown access code");
  }

  // The body as a JSON object whose keys are all among `keys` (a misspelt key is refused, not
  // ignored); an empty body is {} where `empty_ok`.
  static Json parse_body(const Request& req, std::initializer_list<const char*> keys,
                         bool empty_ok = false) {
    if (req.body.empty() && empty_ok) return Json::object();
    // The page's bodies nest 2 levels deep: a much deeper body is refused while parsing, before
    // copying or walking it could recurse thousands of levels deep.
    bool too_deep = false;
    Json body = Json::parse(
        req.body,
        [&too_deep](int depth, Json::parse_event_t, Json&) {
          too_deep = too_deep || depth > kMaxBodyDepth;
          return !too_deep;
        },
        false);
    if (too_deep)
      throw RequestError(400, "the request body nests deeper than " +
                                  std::to_string(kMaxBodyDepth) + " levels");
    if (body.is_discarded())
      throw RequestError(400, "the request body is not valid JSON");
    if (!body.is_object()) throw RequestError(400, "expected a JSON object as the request body");
    for (const auto& [key, value] : body.items())
      if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
        std::string known;
        for (const char* k : keys) known += std::string(known.empty() ? "\"" : ", \"") + k + "\"";
        throw RequestError(400, "unknown key \"" + key + "\" in the request body; expected " +
                                    (known.empty() ? std::string("no body") : known));
      }
    return body;
  }

  // The agreement an agreement route names: {"agreement": "us_cn_pause"}.
  static std::string agreement_id(const Json& body) {
    const auto it = body.find("agreement");
    if (it == body.end() || !it->is_string())
      throw RequestError(400,
                         "expected {\"agreement\": \"<id>\"}: the id of one of the game's "
                         "agreements (GET /api/info lists them)");
    return it->get<std::string>();
  }

  static const Json& field(const Json& body, const char* key) {
    static const Json empty = Json::object();
    const auto it = body.find(key);
    return it == body.end() ? empty : *it;
  }

  static Response json_answer(const Json& j) {
    return {200, {{"Content-Type", "application/json"}},
            j.dump(-1, ' ', false, Json::error_handler_t::replace)};
  }

  static Response file_answer(std::string bytes, const char* type, const std::string& name) {
    return {200,
            {{"Content-Type", type},
             {"Content-Disposition", "attachment; filename=\"" + name + "\""}},
            std::move(bytes)};
  }

  static Response asset(const std::string& path) {
    for (std::size_t i = 0; i < kWebAssetCount; ++i)
      if (path == kWebAssets[i].path)
        return {200,
                {{"Content-Type", kWebAssets[i].type}},
                std::string(reinterpret_cast<const char*>(kWebAssets[i].data), kWebAssets[i].size)};
    return json_error(404, "no such file: " + path);
  }

  static Response dashboard_answer(const DashboardRun& run, bool cached) {
    Json answer = run.answer;
    answer["cached"] = cached;
    return json_answer(answer);
  }

  std::vector<Decision> dashboard_decisions(const std::vector<double>& values) const {
    std::vector<Decision> out;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] != model_.defaults()[i])
        out.push_back({0, model_.base().seminar.first_turn, i, values[i]});
    return out;
  }

  // Runs the engine unless cached: on an engine thread (or before the server starts).
  std::shared_ptr<const RunResult> result_of(const std::vector<double>& values) {
    const std::string key = values_key(values);
    {
      std::lock_guard lock(cache_mutex_);
      for (const auto& [k, r] : results_)
        if (k == key) return r;
    }
    auto r = std::make_shared<const RunResult>(model_.run(
        model_.scenario(dashboard_decisions(values), model_.base().info.end)));
    std::lock_guard lock(cache_mutex_);
    results_.emplace_front(key, r);
    if (results_.size() > kCachedResults) results_.pop_back();
    return r;
  }

  // The cached /api/run answer for these values, if any.
  std::shared_ptr<const DashboardRun> cached_view(const std::vector<double>& values) {
    const std::string key = values_key(values);
    std::lock_guard lock(cache_mutex_);
    const auto it = views_.find(key);
    if (it == views_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return it->second.first;
  }

  // The /api/run answer for these values, from the cache or a new run (engine thread).
  std::shared_ptr<const DashboardRun> dashboard(const std::vector<double>& values, bool& cached) {
    // The same values may have been queued twice: the second finds the first's answer.
    if (auto run = cached_view(values)) {
      cached = true;
      return run;
    }
    const std::string key = values_key(values);
    auto run = run_dashboard(values);
    std::lock_guard lock(cache_mutex_);
    // Both may have run at once, on two engine threads: the first answer stored is kept.
    if (const auto it = views_.find(key); it != views_.end()) return it->second.first;
    lru_.push_front(key);
    views_.emplace(key, std::pair{run, lru_.begin()});
    if (views_.size() > kCachedViews) {
      views_.erase(lru_.back());
      lru_.pop_back();
    }
    return run;
  }

  std::shared_ptr<const DashboardRun> run_dashboard(const std::vector<double>& values) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::shared_ptr<const RunResult> r = result_of(values);
    auto run = std::make_shared<DashboardRun>();
    run->values = values;
    {
      std::lock_guard lock(cache_mutex_);
      run->id = "r" + std::to_string(++run_counter_);
      run_values_.emplace(run->id, values);
      run_order_.push_back(run->id);
      if (run_order_.size() > kKnownRuns) {
        run_values_.erase(run_order_.front());
        run_order_.pop_front();
      }
    }
    const Json view = model_.view(*r, model_.base().info.end);
    Json levers = Json::object();
    for (std::size_t i = 0; i < values.size(); ++i) levers[model_.base().levers[i].id] = values[i];
    Json& a = run->answer;
    a["run"] = run->id;
    a["levers"] = std::move(levers);
    a["dates"] = view["dates"];
    a["series"] = view["series"];
    a["baseline"] = baseline_ ? baseline_->answer["series"] : view["series"];
    a["releases"] = view["releases"];
    a["markets"] = view["markets"];
    a["baseline_markets"] = baseline_ ? baseline_->answer["markets"] : view["markets"];
    a["downloads"] = {{"yaml", "/api/runs/" + run->id + "/scenario.yaml"},
                      {"h5", "/api/runs/" + run->id + "/result.h5"}};
    a["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
    return run;
  }

  std::vector<double> known_run(const std::string& id) {
    std::lock_guard lock(cache_mutex_);
    const auto it = run_values_.find(id);
    if (it == run_values_.end())
      throw RequestError(404, "no run '" + id + "' (too old or never made); move a slider to "
                                                "run again");
    return it->second;
  }

  // Built in memory: a download writes nothing to disk.
  // The runs kept in memory hold no scenario text: SeminarModel::with_text adds it first.
  static std::string h5_bytes(const RunResult& r) { return run_file_bytes(r, "the HDF5 download"); }

  const SeminarModel& model_;
  const bool codes_required_;
  std::string facilitator_code_;
  std::vector<std::string> team_codes_;
  std::mutex cache_mutex_;
  std::map<std::string, std::pair<std::shared_ptr<const DashboardRun>,
                                  std::list<std::string>::iterator>>
      views_;
  std::list<std::string> lru_;
  std::list<std::pair<std::string, std::shared_ptr<const RunResult>>> results_;
  std::map<std::string, std::vector<double>> run_values_;
  std::list<std::string> run_order_;
  uint64_t run_counter_ = 0;
  std::shared_ptr<const DashboardRun> baseline_;
  double run_time_s_ = 0;
  std::unique_ptr<Game> game_;  // changed by serial engine jobs only
  mutable std::mutex game_state_mutex_;
  std::shared_ptr<const std::vector<Json>> game_states_;  // [team], then the facilitator's
};

// The address and the codes, for scripts and tests (JSON), written whole or not at all.
// The address and the codes as JSON, private to the user who started the server (mode 0600).
void write_codes_file(FileReplacement& file, const std::string& url, const Scenario& s,
                      const std::string& facilitator_code,
                      const std::vector<std::string>& team_codes) {
  Json codes = {{"url", url}, {"facilitator", facilitator_code}};
  for (std::size_t t = 0; t < s.teams.size(); ++t) codes["teams"][s.teams[t].id] = team_codes[t];
  file.write(codes.dump(2) + "\n");
  file.commit();
}

}  // namespace

int command_serve(const ServeArgs& args) {
  Scenario scenario = load_scenario(args.scenario);
  if (scenario.levers.empty()) {
    std::cerr << "airace serve: " << args.scenario
              << " declares no levers: students get the six government levers "
                 "(docs/scenarios.md, \"Seminars: teams and levers\")\n";
    scenario = with_default_levers(scenario);
  }
  // Checked before the baseline runs; written once the address is known.
  std::optional<FileReplacement> codes_file;
  if (!args.codes_file.empty())
    codes_file.emplace(args.codes_file,
                       OutputRules("--codes-file", scenario.files_read, false, 0600));
  // The runs share the cores: a cap on threads holds for all of them at once (a TBB limit is
  // process-wide), set here once rather than by each run.
  std::optional<oneapi::tbb::global_control> thread_cap;
  if (args.threads > 0)
    thread_cap.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                       static_cast<std::size_t>(args.threads));
  const SeminarModel model(scenario, 0);
  const bool codes_required = !is_loopback(args.bind);

  // SIGINT and SIGTERM are waited for by one thread, which stops the server (not async code
  // in a handler). Blocked before any other thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::cerr << "airace serve: running the baseline and the wargame's history (" +
                   std::to_string(scenario.seminar.replicates) + " replicates)...\n";
  Seminar seminar(model, codes_required);
  HttpOptions options;
  options.bind = args.bind;
  options.port = args.port;
  options.io_threads = kIoThreads;
  options.loopback_hosts_only = !codes_required;
  options.headers_on_every_answer = kSecurityHeaders;
  options.first_job_estimate_s = seminar.run_time_s();
  // Each engine thread is a thread of its own besides TBB's workers: no more than --threads.
  const int cores = args.threads > 0 ? args.threads : oneapi::tbb::info::default_concurrency();
  options.engine_threads = std::clamp(cores, 1, kMaxEngineThreads);
  HttpServer server(options, seminar.routes());
  const std::optional<int> port = server.listen();
  if (!port) {
    std::cerr << "airace serve: cannot listen on " << args.bind << ":" << args.port
              << " (address not available or port in use); choose another with --bind or "
                 "--port\n";
    return 2;
  }
  const std::string host = args.bind.find(':') != std::string::npos ? "[" + args.bind + "]" : args.bind;
  const std::string url = "http://" + host + ":" + std::to_string(*port) + "/";
  std::cout << "airace serve: " << url << "\n";
  const Scenario& s = model.base();
  for (std::size_t t = 0; t < s.teams.size(); ++t)
    std::cout << "  team " << s.teams[t].id << " (" << s.teams[t].name
              << "): code " << seminar.team_codes()[t] << "\n";
  std::cout << "  facilitator: code " << seminar.facilitator_code() << "\n" << std::flush;
  if (codes_required)
    std::cerr << "warning: airace serve is open to the network at " << url
              << ". Every request needs one of the codes above; the connection is not "
                 "encrypted (plain HTTP), so use it only on a classroom network you trust.\n";
  if (codes_file) {
    write_codes_file(*codes_file, url, s, seminar.facilitator_code(), seminar.team_codes());
    codes_file.reset();
  }

  std::thread stopper([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  server.run();
  if (stopper.joinable()) {
    pthread_kill(stopper.native_handle(), SIGTERM);  // wakes it if the server stopped itself
    stopper.join();
  }
  std::cerr << "airace serve: stopped\n";
  return 0;
}

}  // namespace airace::serve
