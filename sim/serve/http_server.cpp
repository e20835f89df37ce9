#include "sim/serve/http_server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace airace::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A request's head and body are small (the page's largest body is a few hundred bytes); both
// limits hold while reading, so no oversized request is ever held in memory.
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 64 * 1024;
// The whole request, head and body, from its first byte: a client sending a byte at a time
// cannot hold a connection open for longer (a per-read timeout would let it).
constexpr auto kRequestDeadline = 10s;
// A connection with no request under way (new, or kept alive after an answer).
constexpr auto kIdleTimeout = 5s;
// Writing an answer (an HDF5 download is a few MB; a classroom's Wi-Fi may be slow).
constexpr auto kWriteDeadline = 30s;
// After an answer that closes the connection, what the client still sends is read and thrown
// away for a moment, so that closing does not reset the connection before the client has read
// the answer (RFC 9112 §9.6).
constexpr auto kLingerTime = 1s;
constexpr std::size_t kLingerBytes = 1024 * 1024;
// A classroom behind one NAT address: 60 browsers with 6 connections each is 360, most of them
// idle and closed within seconds; 256 per address leaves room for a full room's usual traffic,
// and 1024 in all stays far below the descriptors the process may open.
constexpr std::size_t kMaxConnectionsPerAddress = 256;
constexpr std::size_t kMaxConnections = 1024;
// Connections over a cap, being answered 503 (each for at most kLingerTime); beyond: dropped.
constexpr std::size_t kMaxRefusing = 64;
// Engine work is refused (503 + Retry-After) when the queue's estimated wait would pass this:
// an admitted request is then answered within a few seconds, well inside a browser's patience,
// and overload gives a quick 503 instead of time-outs. The hard cap bounds the queue's memory.
constexpr double kMaxEngineWaitS = 5.0;
constexpr std::size_t kMaxQueuedJobs = 64;
// The estimate can be wrong (the machine got busier): a job that could not start within this
// long is answered 503 instead of run, so that its answer still comes within seconds.
constexpr double kMaxQueuedS = 6.0;
constexpr double kEstimateWeight = 0.3;  // of the newest job in a kind's running mean
constexpr int kListenBacklog = asio::socket_base::max_listen_connections;  // SOMAXCONN

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lowercase(a) == lowercase(b);
}

// "localhost", "127.x.x.x" or "[::1]", with `port` (or none when it is 80).
bool names_loopback(std::string_view host, int port) {
  std::string h = lowercase(host);
  std::string name, port_text;
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    if (close == std::string::npos) return false;
    name = h.substr(0, close + 1);
    const std::string rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = h.find(':');
    name = h.substr(0, colon);
    if (colon != std::string::npos) port_text = h.substr(colon + 1);
  }
  if (port_text.empty() ? port != 80 : port_text != std::to_string(port)) return false;
  if (name == "localhost" || name == "[::1]") return true;
  if (name.rfind("127.", 0) != 0) return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= name.size()) {
    const std::size_t dot = std::min(name.find('.', i), name.size());
    const std::string part = name.substr(i, dot - i);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(part) > 255)
      return false;
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

// The media type of a Content-Type value, without parameters, in lower case.
std::string media_type(std::string_view content_type) {
  std::string t = lowercase(content_type.substr(0, content_type.find(';')));
  const auto first = t.find_first_not_of(" \t");
  const auto last = t.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : t.substr(first, last - first + 1);
}

// Work for the engine threads: `workers` jobs at a time, taken in order. Jobs marked serial
// (the wargame's, which change or read one game) run one at a time, in the order they came,
// while other jobs pass them. A job is admitted only when the jobs before it, at their kinds'
// recent mean duration shared among the workers, would let it start soon enough.
class EngineQueue {
 public:
  EngineQueue(double first_estimate_s, int workers)
      : first_estimate_s_(first_estimate_s), workers_(std::max(1, workers)) {}

  int workers() const { return workers_; }

  // Queues `work`, which is called with false to run it, or with true when it waited too long
  // and must be refused. When refused at once, returns the seconds a client should wait
  // before trying again.
  std::optional<int> submit(const std::string& kind, bool serial, std::function<void(bool)> work) {
    std::lock_guard lock(m_);
    const double estimate_s = estimate(kind);
    double backlog_s = queued_s_;
    const Clock::time_point now = Clock::now();
    for (const Running& r : running_) {
      const double elapsed_s = std::chrono::duration<double>(now - r.started).count();
      backlog_s += std::max(0.0, r.estimate_s - elapsed_s);
    }
    // The work ahead, shared among the workers: how long before this job could start.
    const double wait_s = backlog_s / workers_;
    const bool busy = running_.size() >= static_cast<std::size_t>(workers_) || !jobs_.empty();
    if (stopping_ || jobs_.size() >= kMaxQueuedJobs ||
        (busy && wait_s + estimate_s > kMaxEngineWaitS))
      return std::clamp(static_cast<int>(std::ceil(wait_s)), 1, 10);
    jobs_.push_back({kind, serial, std::move(work), estimate_s, now});
    queued_s_ += estimate_s;
    cv_.notify_one();
    return std::nullopt;
  }

  // One engine thread (of `workers`): runs jobs until stop().
  void run() {
    std::unique_lock lock(m_);
    for (;;) {
      auto next = jobs_.end();
      cv_.wait(lock, [this, &next] {
        next = runnable();
        return stopping_ || next != jobs_.end();
      });
      if (stopping_) return;
      Job job = std::move(*next);
      jobs_.erase(next);
      queued_s_ = std::max(0.0, queued_s_ - job.estimate_s);
      if (std::chrono::duration<double>(Clock::now() - job.queued_at).count() > kMaxQueuedS) {
        lock.unlock();
        job.work(true);
        job.work = nullptr;
        lock.lock();
        continue;
      }
      if (job.serial) serial_running_ = true;
      const Clock::time_point started = Clock::now();
      const uint64_t id = ++last_id_;
      running_.push_back({id, started, job.estimate_s});
      lock.unlock();
      job.work(false);
      job.work = nullptr;  // what it holds (a connection) is let go outside the lock
      lock.lock();
      // A running mean, but never below the last duration: a machine that got slower is
      // believed at once, one that got faster gradually.
      const double took_s = std::chrono::duration<double>(Clock::now() - started).count();
      auto [it, fresh] = mean_s_.try_emplace(job.kind, took_s);
      if (!fresh) it->second = std::max(took_s, it->second + kEstimateWeight * (took_s - it->second));
      running_.erase(std::find_if(running_.begin(), running_.end(),
                                  [id](const Running& r) { return r.id == id; }));
      if (job.serial) {
        serial_running_ = false;
        cv_.notify_all();  // a serial job waiting for this one may go now
      }
    }
  }

  void stop() {
    std::lock_guard lock(m_);
    stopping_ = true;
    cv_.notify_all();
  }

  // Drops the jobs not run (after the engine threads have stopped).
  void clear() {
    std::deque<Job> dropped;
    std::lock_guard lock(m_);
    dropped.swap(jobs_);
    queued_s_ = 0;
  }

 private:
  struct Job {
    std::string kind;
    bool serial = false;
    std::function<void(bool)> work;
    double estimate_s = 0;
    Clock::time_point queued_at;
  };
  struct Running {
    uint64_t id = 0;
    Clock::time_point started;
    double estimate_s = 0;
  };
  double estimate(const std::string& kind) const {
    const auto it = mean_s_.find(kind);
    return it == mean_s_.end() ? first_estimate_s_ : it->second;
  }
  // The first job that may start now: any job not serial, or the first serial job when no
  // serial job is running (serial jobs keep their order among themselves). Under the lock.
  std::deque<Job>::iterator runnable() {
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      // A serial job waits while another runs; so does every serial job after it.
      if (!it->serial || !serial_running_) return it;
    }
    return jobs_.end();
  }

  const double first_estimate_s_;
  const int workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::map<std::string, double> mean_s_;
  double queued_s_ = 0;  // the estimates of the queued jobs, summed
  std::vector<Running> running_;
  uint64_t last_id_ = 0;
  bool serial_running_ = false;
  bool stopping_ = false;
};

}  // namespace

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

std::size_t Request::header_count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }));
}

PathMatcher exact_path(std::string path) {
  return [path = std::move(path)](const std::string& p, std::vector<std::string>&) {
    return p == path;
  };
}

Response json_error(int status, const std::string& message) {
  return {status,
          {{"Content-Type", "application/json"}},
          nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace)};
}

struct HttpServer::Impl {
  class Connection;

  Impl(HttpOptions o, std::vector<Route> r)
      : options(std::move(o)), routes(std::move(r)), engine(options.first_job_estimate_s, options.engine_threads) {
    ioc.emplace(std::max(1, options.io_threads));
  }
  ~Impl() {
    // Queued work and pending handlers hold connections, whose sockets need the io_context:
    // they go first, while the connection counts they update are still there.
    engine.clear();
    accept_retry.reset();
    acceptor.reset();
    ioc.reset();
  }

  void accept();
  // Counts a new connection from `address`: true when under the caps. Over a cap, `refusing`
  // says whether it may still be answered 503 (else it is dropped).
  bool admit(const std::string& address, bool& refusing) {
    std::lock_guard lock(counts_mutex);
    if (total < kMaxConnections && per_address[address] < kMaxConnectionsPerAddress) {
      ++total;
      ++per_address[address];
      return true;
    }
    if (per_address[address] == 0) per_address.erase(address);
    refusing = refusing_now < kMaxRefusing;
    if (refusing) ++refusing_now;
    return false;
  }
  void release(const std::string& address, bool admitted) {
    std::lock_guard lock(counts_mutex);
    if (!admitted) {
      --refusing_now;
      return;
    }
    --total;
    if (--per_address[address] == 0) per_address.erase(address);
  }

  HttpOptions options;
  std::vector<Route> routes;
  int port = 0;
  std::mutex counts_mutex;
  std::map<std::string, std::size_t> per_address;
  std::size_t total = 0;
  std::size_t refusing_now = 0;
  EngineQueue engine;
  std::optional<asio::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
};

// One client connection. Every handler runs on the connection's strand; the engine thread
// hands its answers back through it.
class HttpServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket, std::string peer, bool admitted)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(2 * kMaxHeaderBytes),
        peer_(std::move(peer)),
        admitted_(admitted) {}
  ~Connection() { server_.release(peer_, admitted_); }

  // The connection's strand: every handler of this connection runs through it.
  tcp::socket::executor_type executor() { return socket_.get_executor(); }

  void start() {
    if (!admitted_) {
      Response r = json_error(503, "too many connections from this address or in all; try "
                                   "again in a few seconds");
      r.headers.emplace_back("Retry-After", "5");
      send(std::move(r), true);
      return;
    }
    read_request();
  }

 private:
  enum class Phase { idle, reading, engine, writing, lingering };

  void arm(Clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // A wait that completed just before the timer was set again is stale.
      if (!ec && self->timer_.expiry() <= Clock::now()) self->on_deadline();
    });
  }

  void on_deadline() {
    beast::error_code ignored;
    if (phase_ == Phase::reading) {
      timed_out_ = true;
      socket_.cancel(ignored);  // the read ends with operation_aborted and answers 408
    } else if (phase_ != Phase::engine) {
      close();
    }
  }

  void close() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    timed_out_ = false;
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      read_header();
      return;
    }
    phase_ = Phase::idle;
    arm(kIdleTimeout);
    socket_.async_read_some(buffer_.prepare(kMaxHeaderBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    phase_ = Phase::reading;
    arm(kRequestDeadline);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  // A read that failed: the answer, or nullopt to close without one (the client left).
  std::optional<Response> read_failure(beast::error_code ec) const {
    if (timed_out_)
      return json_error(408, "the request was not complete within 10 s");
    // The client left (or its connection broke) before the request was complete.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::end_of_stream).category())
      return std::nullopt;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return json_error(431, "the request's header is larger than 8 KiB");
    if (ec == http::error::body_limit)
      return json_error(413, "the request body is larger than 64 KiB");
    if (ec == http::error::bad_content_length)
      return json_error(400, "a bad Content-Length, or more than one");
    if (ec == http::error::bad_transfer_encoding)
      return json_error(400, "a bad Transfer-Encoding");
    return json_error(400, "a malformed request (" + ec.message() + ")");
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      if (auto r = read_failure(ec)) return send(std::move(*r), true);
      return close();
    }
    const auto& head = parser_->get();
    req_ = Request{};
    req_.method = std::string(head.method_string());
    req_.target = std::string(head.target());
    req_.path = req_.target.substr(0, req_.target.find('?'));
    req_.peer = peer_;
    for (const auto& field : head)
      req_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    keep_alive_ = head.keep_alive();

    if (std::optional<Response> refusal = check_head()) {
      // Refused before its body was read: the connection cannot be reused.
      return send(std::move(*refusal), !parser_->is_done() || !keep_alive_);
    }
    if (parser_->is_done()) return dispatch();
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) {
                       if (e) {
                         if (auto r = self->read_failure(e)) return self->send(std::move(*r), true);
                         return self->close();
                       }
                       self->req_.body = std::move(self->parser_->get().body());
                       self->dispatch();
                     });
  }

  // The rules every request passes before its body is read; then its route's own check.
  std::optional<Response> check_head() {
    if (req_.header_count("Transfer-Encoding") > 0)
      return json_error(411, "Transfer-Encoding (a chunked body) is not accepted: send the body "
                             "with a Content-Length of at most 64 KiB");
    // Two Content-Length headers make the body's end ambiguous (RFC 9112 §6.3).
    if (req_.header_count("Content-Length") > 1)
      return json_error(400, "more than one Content-Length header");
    const std::string host = req_.header("Host");
    if (server_.options.loopback_hosts_only) {
      if (req_.header_count("Host") != 1 || host.empty())
        return json_error(400, "expected one Host header");
      if (!names_loopback(host, server_.port))
        return json_error(403, "this server answers only at localhost, 127.0.0.1 or [::1] "
                               "with port " + std::to_string(server_.port));
    }
    route_ = nullptr;
    bool path_known = false;
    std::string allowed;
    for (const Route& r : server_.routes) {
      std::vector<std::string> matches;
      if (!r.path(req_.path, matches)) continue;
      path_known = true;
      if (r.method != req_.method) {
        allowed += (allowed.empty() ? "" : ", ") + r.method;
        continue;
      }
      route_ = &r;
      req_.matches = std::move(matches);
      break;
    }
    if (!route_) {
      if (!path_known) return json_error(404, "no such page or API route: " + req_.path);
      Response r = json_error(405, "method not allowed; use " + allowed);
      r.headers.emplace_back("Allow", allowed);
      return r;
    }
    if (req_.method == "POST") {
      // A page on another site can POST text/plain or a form without asking first (CORS's
      // simple requests), never JSON: only JSON changes state here.
      if (media_type(req_.header("Content-Type")) != "application/json")
        return json_error(415, "expected Content-Type: application/json");
      const std::string origin = req_.header("Origin");
      if (req_.header_count("Origin") > 0 &&
          (host.empty() || !iequals(origin, "http://" + host)))
        return json_error(403, "a request from another site's page (Origin " + origin + ")");
    }
    if (route_->check_head) return route_->check_head(req_);
    return std::nullopt;
  }

  void dispatch() {
    timer_.cancel();
    Reply reply;
    try {
      reply = route_->handle(req_);
    } catch (const std::exception& e) {
      reply = json_error(500, std::string("internal error: ") + e.what());
    }
    if (auto* r = std::get_if<Response>(&reply)) return send(std::move(*r), !keep_alive_);
    EngineJob job = std::move(std::get<EngineJob>(reply));
    phase_ = Phase::engine;
    auto work = [self = shared_from_this(), strand = executor(),
                 run = std::move(job.run)](bool expired) {
      Response answer;
      try {
        answer = expired ? busy(2) : run();
      } catch (const std::exception& e) {
        answer = json_error(500, std::string("internal error: ") + e.what());
      }
      asio::post(strand, [self, answer = std::move(answer)]() mutable {
        self->send(std::move(answer), !self->keep_alive_);
      });
    };
    if (const std::optional<int> retry_s = server_.engine.submit(job.kind, job.serial, std::move(work)))
      send(busy(*retry_s), !keep_alive_);
  }

  static Response busy(int retry_s) {
    Response r = json_error(503, "the server is busy: too many runs are waiting; try again in " +
                                     std::to_string(retry_s) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(retry_s));
    return r;
  }

  void send(Response r, bool close_after) {
    close_after_ = close_after;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    for (auto& [k, v] : r.headers) res_.insert(k, v);
    for (const auto& [k, v] : server_.options.headers_on_every_answer) res_.insert(k, v);
    if (close_after_) res_.set(http::field::connection, "close");
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    phase_ = Phase::writing;
    arm(kWriteDeadline);
    http::async_write(socket_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (self->close_after_) return self->linger();
      self->read_request();
    });
  }

  void linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    phase_ = Phase::lingering;
    arm(kLingerTime);
    discard();
  }

  void discard() {
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_bytes_ += n;
                              if (ec || self->lingered_bytes_ > kLingerBytes) return self->close();
                              self->discard();
                            });
  }

  Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request req_;
  const Route* route_ = nullptr;
  http::response<http::string_body> res_;
  const std::string peer_;
  const bool admitted_;
  Phase phase_ = Phase::idle;
  bool timed_out_ = false;
  bool keep_alive_ = false;
  bool close_after_ = false;
  std::size_t lingered_bytes_ = 0;
  std::array<char, 4096> discard_{};
};

void HttpServer::Impl::accept() {
  acceptor->async_accept(asio::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors (or another passing failure): try again shortly instead of spinning.
      accept_retry->expires_after(100ms);
      accept_retry->async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    beast::error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (!peer_ec) {
      const std::string address = peer.address().to_string();
      bool refusing = false;
      const bool admitted = admit(address, refusing);
      if (admitted || refusing) {
        auto connection = std::make_shared<Connection>(*this, std::move(socket), address, admitted);
        const auto strand = connection->executor();
        asio::dispatch(strand, [connection] { connection->start(); });
      }
    }
    accept();
  });
}

HttpServer::HttpServer(HttpOptions options, std::vector<Route> routes)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(routes))) {}

HttpServer::~HttpServer() = default;

std::optional<int> HttpServer::listen() {
  // Every connection is a descriptor: allow as many as the hard limit lets (the caps above
  // keep them well below it).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  Impl& s = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(*s.ioc);
  const auto endpoints = resolver.resolve(s.options.bind, std::to_string(s.options.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service,
                                          ec);
  if (ec) return std::nullopt;
  for (const auto& entry : endpoints) {
    tcp::acceptor a(*s.ioc);
    a.open(entry.endpoint().protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(entry.endpoint(), ec);
    if (!ec) a.listen(kListenBacklog, ec);
    if (ec) continue;
    s.port = a.local_endpoint().port();
    s.acceptor.emplace(std::move(a));
    s.accept_retry.emplace(*s.ioc);
    return s.port;
  }
  return std::nullopt;
}

void HttpServer::run() {
  Impl& s = *impl_;
  s.accept();
  std::vector<std::thread> engine;
  for (int i = 0; i < s.engine.workers(); ++i) engine.emplace_back([&s] { s.engine.run(); });
  auto serve = [&s] {
    for (;;) {
      try {
        s.ioc->run();
        return;
      } catch (const std::exception& e) {  // a handler's bug must not stop the server
        std::cerr << "airace serve: internal error: " << e.what() << "\n";
      }
    }
  };
  std::vector<std::thread> io;
  for (int i = 1; i < s.options.io_threads; ++i) io.emplace_back(serve);
  serve();
  for (std::thread& t : io) t.join();
  s.engine.stop();
  for (std::thread& t : engine) t.join();
  s.engine.clear();
}

void HttpServer::stop() {
  impl_->engine.stop();
  impl_->ioc->stop();
}

}  // namespace airace::serve
