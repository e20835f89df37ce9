#pragma once
// The HTTP transport of `airace serve` (Boost.Beast on Boost.Asio): a small asynchronous server
// with a route table. Slow or idle connections cost no thread: a few I/O threads serve every
// connection, and work that runs the engine goes to a few engine threads through a bounded queue.
// Every limit that keeps strangers from exhausting it lives here (docs/teaching.md, "The server's
// limits"); sim/serve/server.cpp holds the seminar's routes.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace airace::serve {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // as sent: path and query
  std::string path;    // the target up to '?', not decoded
  HeaderList headers;  // in the order sent
  std::string body;    // empty until read; never more than kMaxBodyBytes
  std::string peer;    // the client's address
  std::vector<std::string> matches;  // what the route's PathMatcher captured

  // The first value of header `name` (case-insensitive); "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] std::size_t header_count(std::string_view name) const;
};

struct Response {
  int status = 200;
  HeaderList headers;  // Content-Type and others; the server adds its own (HttpOptions)
  std::string body;
};

// {"error": message} with this status (invalid UTF-8 in the message is replaced).
Response json_error(int status, const std::string& message);

// Work for the engine threads. `kind` groups jobs of similar cost (a dashboard run, a game turn,
// an HDF5 file) for the queue's estimate of how long it would take to answer. Jobs run side by
// side, except serial ones (those that change or read shared state, the wargame's): one at a
// time, in the order they came.
struct EngineJob {
  std::string kind;
  std::function<Response()> run;
  bool serial = false;
};

// A handler answers now (on an I/O thread: it must not run the engine or wait for it), or hands
// work to an engine thread, whose answer is sent when it is done.
using Reply = std::variant<Response, EngineJob>;

// Whether a path is a route's; what it captures (a run's id) goes to Request::matches.
using PathMatcher = std::function<bool(const std::string& path, std::vector<std::string>& matches)>;
// Matches this path exactly.
PathMatcher exact_path(std::string path);

struct Route {
  std::string method;  // "GET" or "POST"
  PathMatcher path;
  // Looks at the request before its body is read (an access code): a refusal is answered and
  // the connection closed without reading the body. May be empty.
  std::function<std::optional<Response>(const Request&)> check_head;
  std::function<Reply(const Request&)> handle;
};

struct HttpOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int io_threads = 2;
  // Loopback binds only: the Host header must name a loopback host with our port, so that a
  // page whose DNS name is re-bound to 127.0.0.1 cannot talk to the server (DNS rebinding).
  bool loopback_hosts_only = true;
  HeaderList headers_on_every_answer;  // security headers
  double first_job_estimate_s = 0.5;   // the engine queue's estimate before any job has run
  int engine_threads = 1;              // engine jobs that run at once
};

class HttpServer {
 public:
  HttpServer(HttpOptions options, std::vector<Route> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Returns the port (the one picked with port 0), or nullopt when the
  // address is not available or the port is in use.
  std::optional<int> listen();
  // Serves until stop(); then closes every connection and drops the queued engine work.
  void run();
  // From any thread (a signal-waiting one).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airace::serve
