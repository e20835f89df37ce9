#include "sim/serve/server.hpp"

// Before httplib.h: it includes <resolv.h>, whose macro _res breaks Eigen's headers.
#include "sim/serve/seminar_model.hpp"

#include <httplib.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "output/h5_writer.hpp"
#include "sim/serve/web_assets.hpp"

namespace airace::serve {
namespace {

// Bounds on the work one request may cause (issue: thirty students moving sliders at once).
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
constexpr int kMaxQueuedRuns = 48;          // runs waiting for the engine; beyond: 503
constexpr std::size_t kCachedViews = 512;   // dashboard answers kept, by lever values
constexpr std::size_t kCachedResults = 4;   // whole results kept for HDF5 downloads
constexpr std::size_t kKnownRuns = 4096;    // run ids that can still be downloaded
constexpr int kServerThreads = 40;

// One run of the engine at a time, with a bounded queue: memory is that of one ensemble.
class RunGate {
 public:
  class Slot {
   public:
    explicit Slot(RunGate& g) : g_(g) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      std::lock_guard lock(g_.m_);
      g_.running_ = false;
      g_.cv_.notify_one();
    }

   private:
    RunGate& g_;
  };
  // Waits for the engine; throws RequestError(503) when too many runs already wait.
  std::unique_ptr<Slot> enter() {
    std::unique_lock lock(m_);
    if (waiting_ >= kMaxQueuedRuns)
      throw RequestError(503, "the server is busy: " + std::to_string(waiting_) +
                                  " runs are waiting; try again in a few seconds");
    ++waiting_;
    cv_.wait(lock, [this] { return !running_; });
    --waiting_;
    running_ = true;
    return std::make_unique<Slot>(*this);
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool running_ = false;
  int waiting_ = 0;
};

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

// {"error": message}. A message may quote the request (its path), which need not be UTF-8:
// invalid bytes are replaced, never thrown on.
std::string error_body(const std::string& message) {
  return Json{{"error", message}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool is_loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1" ||
         address.rfind("127.", 0) == 0;
}

class Seminar {
 public:
  Seminar(const SeminarModel& model, bool codes_required)
      : model_(model), codes_required_(codes_required) {
    std::random_device seed;
    std::mt19937_64 rng((static_cast<uint64_t>(seed()) << 32) ^ seed());
    facilitator_code_ = make_code(rng);
    for (std::size_t t = 0; t < model_.base().teams.size(); ++t) team_codes_.push_back(make_code(rng));
    baseline_ = run_dashboard(model_.defaults());
    game_ = std::make_unique<Game>(model_);
  }

  const std::string& facilitator_code() const { return facilitator_code_; }
  const std::vector<std::string>& team_codes() const { return team_codes_; }

  void routes(httplib::Server& svr) {
    svr.Get("/", [this](const httplib::Request&, httplib::Response& res) { asset(res, "/index.html"); });
    svr.Get(R"(/(app\.js|app\.css|chart\.js|index\.html))",
            [this](const httplib::Request& req, httplib::Response& res) { asset(res, req.path); });
    api(svr, "GET", "/api/info", false, [this](const httplib::Request&, httplib::Response& res) {
      Json info = model_.info_json();
      info["codes_required"] = codes_required_;
      send_json(res, info);
    });
    api(svr, "POST", "/api/run", codes_required_,
        [this](const httplib::Request& req, httplib::Response& res) {
          const Json body = parse_body(req, {"levers"});
          const std::vector<double> values =
              model_.values_from(field(body, "levers"), model_.defaults(), std::nullopt);
          bool cached = false;
          const std::shared_ptr<const DashboardRun> run = dashboard(values, cached);
          Json answer = run->answer;
          answer["cached"] = cached;
          send_json(res, answer);
        });
    api(svr, "GET", R"(/api/runs/(r\d{1,9})/(scenario\.yaml|result\.h5))", codes_required_,
        [this](const httplib::Request& req, httplib::Response& res) {
          const std::vector<double> values = known_run(req.matches[1]);
          const std::string name = model_.base().info.name + "_" + std::string(req.matches[1]);
          if (req.matches[2] == "scenario.yaml")
            send_file(res, model_.scenario_yaml(dashboard_decisions(values), model_.base().info.end),
                      "text/yaml; charset=utf-8", name + ".yaml");
          else
            send_file(res, h5_bytes(result_of(values)), "application/x-hdf5", name + ".h5");
        });
    // The wargame: every request names its team (or the facilitator) by its code.
    api(svr, "POST", "/api/game/join", false,
        [this](const httplib::Request& req, httplib::Response& res) {
          const Json body = parse_body(req, {"code"});
          const Json& code = field(body, "code");
          if (!code.is_string()) throw RequestError(400, "expected \"code\" to be text");
          const auto who = role_of(code.get<std::string>());
          const Scenario& s = model_.base();
          send_json(res, {{"role", who ? "team" : "facilitator"},
                          {"team", who ? Json(s.teams[*who].id) : Json(nullptr)},
                          {"name", who ? s.teams[*who].name : std::string("Facilitator")}});
        });
    game(svr, "GET", "/api/game/state", false, [](Game&, std::optional<std::size_t>, const Json&) {});
    game(svr, "POST", "/api/game/submit", false,
         [](Game& g, std::optional<std::size_t> team, const Json& body) {
           if (!team) throw RequestError(403, "the facilitator submits no levers; use advance");
           if (g.submit(*team, field(body, "levers"))) g.advance();
         });
    game(svr, "POST", "/api/game/advance", true,
         [](Game& g, std::optional<std::size_t>, const Json&) { g.advance(); });
    game(svr, "POST", "/api/game/pause", true,
         [](Game& g, std::optional<std::size_t>, const Json&) { g.pause(); });
    game(svr, "POST", "/api/game/resume", true,
         [](Game& g, std::optional<std::size_t>, const Json&) { g.resume(); });
    game(svr, "POST", "/api/game/undo", true,
         [](Game& g, std::optional<std::size_t>, const Json&) { g.undo(); });
    game(svr, "POST", "/api/game/end", true,
         [](Game& g, std::optional<std::size_t>, const Json&) { g.end(); });
    api(svr, "GET", "/api/game/export.yaml", false,
        [this](const httplib::Request& req, httplib::Response& res) {
          role_of(code_of(req));
          std::lock_guard lock(game_mutex_);
          send_file(res, game_->export_yaml(), "text/yaml; charset=utf-8",
                    model_.base().info.name + "_game.yaml");
        });
    api(svr, "GET", "/api/game/export.h5", false,
        [this](const httplib::Request& req, httplib::Response& res) {
          role_of(code_of(req));
          std::lock_guard lock(game_mutex_);
          send_file(res, h5_bytes(game_->result()), "application/x-hdf5",
                    model_.base().info.name + "_game.h5");
        });
    // Two Content-Length headers make the body's end ambiguous (RFC 9112 §6.3): refused.
    svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value_count("Content-Length") <= 1)
        return httplib::Server::HandlerResponse::Unhandled;
      res.status = 400;
      res.set_content(error_body("more than one Content-Length header"), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = res.status == 404   ? "no such page or API route: " + req.path
                            : res.status == 413 ? "the request body is larger than 64 KiB"
                            : res.status == 405 ? "method not allowed"
                                                : "bad request";
      res.set_content(error_body(message), "application/json");
    });
    svr.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = std::string("internal error: ") + e.what();
          } catch (...) {
          }
          res.status = 500;
          res.set_content(error_body(what), "application/json");
        });
  }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Registers an API route: errors become JSON answers with their status; with `need_code`, a
  // valid code must come in the X-Airace-Code header.
  void api(httplib::Server& svr, const char* method, const std::string& pattern, bool need_code,
           Handler h) {
    Handler wrapped = [this, need_code, h](const httplib::Request& req, httplib::Response& res) {
      try {
        if (need_code) role_of(code_of(req));
        h(req, res);
      } catch (const RequestError& e) {
        res.status = e.status();
        if (e.status() == 503) res.set_header("Retry-After", "2");
        res.set_content(error_body(e.what()), "application/json");
      } catch (const InputError& e) {
        // A lever setting the scenario refuses (should not happen: values are checked first).
        res.status = 400;
        std::string what;
        for (const Diagnostic& d : e.diagnostics()) what += d.key_path + ": " + d.message + "; ";
        res.set_content(error_body(what), "application/json");
      }
    };
    if (std::string(method) == "GET")
      svr.Get(pattern, wrapped);
    else
      svr.Post(pattern, wrapped);
  }

  void game(httplib::Server& svr, const char* method, const std::string& path,
            bool facilitator_only,
            std::function<void(Game&, std::optional<std::size_t>, const Json&)> act) {
    api(svr, method, path, false,
        [this, facilitator_only, act](const httplib::Request& req, httplib::Response& res) {
          const std::optional<std::size_t> team = role_of(code_of(req));
          if (facilitator_only && team)
            throw RequestError(403, "only the facilitator may do this");
          const bool submit = req.path == "/api/game/submit";
          const Json body = req.method != "POST" ? Json::object()
                            : submit             ? parse_body(req, {"levers"})
                                                 : parse_body(req, {}, true);
          if (submit && !body.contains("levers"))
            throw RequestError(400, "expected {\"levers\": {...}}: the team's lever values, "
                                    "{} to keep them all");
          std::lock_guard lock(game_mutex_);
          if (req.method == "POST") {
            const auto slot = gate_.enter();  // a turn may run (submit: once all have)
            act(*game_, team, body);
          }
          send_json(res, game_->state(team));
        });
  }

  static std::string code_of(const httplib::Request& req) {
    return req.get_header_value("X-Airace-Code");
  }

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
  static Json parse_body(const httplib::Request& req, std::initializer_list<const char*> keys,
                         bool empty_ok = false) {
    if (req.body.empty() && empty_ok) return Json::object();
    Json body = Json::parse(req.body, nullptr, false);
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

  static const Json& field(const Json& body, const char* key) {
    static const Json empty = Json::object();
    const auto it = body.find(key);
    return it == body.end() ? empty : *it;
  }

  static void send_json(httplib::Response& res, const Json& j) {
    res.set_content(j.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
  }

  static void send_file(httplib::Response& res, std::string bytes, const char* type,
                        const std::string& name) {
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.set_content(std::move(bytes), type);
  }

  void asset(httplib::Response& res, const std::string& path) {
    for (std::size_t i = 0; i < kWebAssetCount; ++i)
      if (path == kWebAssets[i].path) {
        res.set_content(reinterpret_cast<const char*>(kWebAssets[i].data), kWebAssets[i].size,
                        kWebAssets[i].type);
        return;
      }
    res.status = 404;
    res.set_content(error_body("no such file: " + path), "application/json");
  }

  std::vector<Decision> dashboard_decisions(const std::vector<double>& values) const {
    std::vector<Decision> out;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] != model_.defaults()[i])
        out.push_back({0, model_.base().seminar.first_turn, i, values[i]});
    return out;
  }

  std::shared_ptr<const RunResult> result_of(const std::vector<double>& values) {
    const std::string key = values_key(values);
    {
      std::lock_guard lock(cache_mutex_);
      for (const auto& [k, r] : results_)
        if (k == key) return r;
    }
    const auto slot = gate_.enter();
    auto r = std::make_shared<const RunResult>(model_.run(
        model_.scenario(dashboard_decisions(values), model_.base().info.end)));
    std::lock_guard lock(cache_mutex_);
    results_.emplace_front(key, r);
    if (results_.size() > kCachedResults) results_.pop_back();
    return r;
  }

  // The /api/run answer for these values, from the cache or a new run.
  std::shared_ptr<const DashboardRun> dashboard(const std::vector<double>& values, bool& cached) {
    const std::string key = values_key(values);
    {
      std::lock_guard lock(cache_mutex_);
      if (const auto it = views_.find(key); it != views_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.second);
        cached = true;
        return it->second.first;
      }
    }
    // Another request may be running the same values: the gate serialises runs, and the
    // cache is checked again once through it.
    auto run = run_dashboard(values);
    std::lock_guard lock(cache_mutex_);
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

  std::string h5_bytes(const RunResult& r) {
    // HDF5 writes files: a private temporary one, read back and removed.
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    const std::filesystem::path path =
        dir / ("airace-serve-" + std::to_string(::getpid()) + "-" +
               std::to_string(file_counter_.fetch_add(1)) + ".h5");
    std::string bytes;
    try {
      write_run_file(path, r);
      std::ifstream in(path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      bytes = ss.str();
    } catch (...) {
      std::filesystem::remove(path);
      throw;
    }
    std::filesystem::remove(path);
    return bytes;
  }
  std::string h5_bytes(const std::shared_ptr<const RunResult>& r) { return h5_bytes(*r); }

  const SeminarModel& model_;
  const bool codes_required_;
  std::string facilitator_code_;
  std::vector<std::string> team_codes_;
  RunGate gate_;
  std::mutex cache_mutex_;
  std::map<std::string, std::pair<std::shared_ptr<const DashboardRun>,
                                  std::list<std::string>::iterator>>
      views_;
  std::list<std::string> lru_;
  std::list<std::pair<std::string, std::shared_ptr<const RunResult>>> results_;
  std::map<std::string, std::vector<double>> run_values_;
  std::list<std::string> run_order_;
  uint64_t run_counter_ = 0;
  std::atomic<uint64_t> file_counter_{0};
  std::shared_ptr<const DashboardRun> baseline_;
  std::mutex game_mutex_;
  std::unique_ptr<Game> game_;
};

}  // namespace

int command_serve(const ServeArgs& args) {
  Scenario scenario = load_scenario(args.scenario);
  if (scenario.levers.empty()) {
    std::cerr << "airace serve: " << args.scenario
              << " declares no levers: students get the six government levers "
                 "(docs/scenarios.md, \"Seminars: teams and levers\")\n";
    scenario = with_default_levers(scenario);
  }
  const SeminarModel model(scenario, args.threads);
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
  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  svr.set_payload_max_length(kMaxBodyBytes);
  svr.set_keep_alive_max_count(20);
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(10, 0);
  seminar.routes(svr);

  int port = args.port;
  if (port == 0) {
    port = svr.bind_to_any_port(args.bind);
  } else if (!svr.bind_to_port(args.bind, port)) {
    port = -1;
  }
  if (port < 0) {
    std::cerr << "airace serve: cannot listen on " << args.bind << ":" << args.port
              << " (address not available or port in use); choose another with --bind or "
                 "--port\n";
    return 2;
  }
  const std::string host = args.bind.find(':') != std::string::npos ? "[" + args.bind + "]" : args.bind;
  const std::string url = "http://" + host + ":" + std::to_string(port) + "/";
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
  if (!args.codes_file.empty()) {
    Json codes = {{"url", url}, {"facilitator", seminar.facilitator_code()}};
    for (std::size_t t = 0; t < s.teams.size(); ++t)
      codes["teams"][s.teams[t].id] = seminar.team_codes()[t];
    const std::string tmp = args.codes_file + ".tmp";
    std::ofstream(tmp) << codes.dump(2) << "\n";
    std::filesystem::rename(tmp, args.codes_file);
  }

  std::thread stopper([&svr, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    svr.stop();
  });
  const bool ok = svr.listen_after_bind();
  if (stopper.joinable()) {
    pthread_kill(stopper.native_handle(), SIGTERM);  // wakes it if the server stopped itself
    stopper.join();
  }
  std::cerr << "airace serve: stopped\n";
  return ok ? 0 : 1;
}

}  // namespace airace::serve
