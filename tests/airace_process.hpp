#pragma once
// For tests that run the `airace` program: a scratch directory per test case, one run of the
// binary with its exit status and what it printed, and a run started without waiting for it.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace airace::testing {

inline const std::string kSource = AIRACE_SOURCE_DIR;
inline const std::string kBinary = AIRACE_BINARY;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory per test case, removed afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("airace_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  // A test may have taken away its own write permission (to make a write fail): give it back,
  // so that the directory can be removed; never throw from here.
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
  static inline int counter = 0;
};

// Runs `airace ARGS` from the source directory, with the environment assignments `env` (e.g.
// "LD_PRELOAD=x.so") if any; stdout and stderr go to files in `dir`.
inline Outcome run_airace(const std::string& args, const TempDir& dir,
                          const std::string& env = "") {
  const std::filesystem::path out = dir.path / "stdout.txt";
  const std::filesystem::path err = dir.path / "stderr.txt";
  const std::string cmd = "cd '" + kSource + "' && " + env + " '" + kBinary + "' " + args + " >'" +
                          out.string() + "' 2>'" + err.string() + "'";
  const int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

// Starts `airace ARGS` from the source directory and returns at once; its pid is the program's
// own (sh execs it), for kill and waitpid. `redirect` is the shell's redirection of its output.
inline pid_t start_airace(const std::string& args,
                          const std::string& redirect = ">/dev/null 2>&1") {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string cmd =
        "cd '" + kSource + "' && exec '" + kBinary + "' " + args + " " + redirect;
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

}  // namespace airace::testing
