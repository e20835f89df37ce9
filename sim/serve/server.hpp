#pragma once
// `airace serve`: a local web server for seminars (its transport: sim/serve/http_server.hpp).
// One page (embedded at build time, with Debian's Chart.js) and a small JSON API: the dashboard
// reruns the ensemble when a lever moves; the wargame lets teams decide each turn.
// docs/teaching.md describes its use, the API and its limits; sim/serve/seminar_model.hpp the
// engine side.

#include <string>

namespace airace::serve {

struct ServeArgs {
  std::string scenario = "scenarios/seminar.yaml";
  std::string bind = "127.0.0.1";
  int port = 8080;               // 0: any free port
  std::string codes_file;        // also write the URL and codes here (JSON)
  int threads = 0;               // threads of all runs together; 0: all cores
  std::string command_line;
};

// Runs until SIGINT or SIGTERM. Exit status: 0, or 2 for a bad scenario or address.
int command_serve(const ServeArgs& args);

}  // namespace airace::serve
