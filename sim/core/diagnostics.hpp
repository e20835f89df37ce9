#pragma once
// Errors in input: each names the file, line and column, the key path, what was expected and
// what was found. Loaders collect every error in a file, then throw one InputError.
// The command line prints them and exits with status 2.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace airace {

struct SourceLocation {
  std::string file;  // a path, or "<command line>"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
};

struct Diagnostic {
  SourceLocation where;
  std::string key_path;  // e.g. "labs[openai].compute.H100"; may be empty
  std::string message;   // what is wrong, saying what was expected and what was found
  std::string hint;      // e.g. "did you mean 'H800'?"; may be empty
};

// "file:line:col: error: key: message (hint)"
std::string format_diagnostic(const Diagnostic& d);

class Diagnostics {
 public:
  void error(SourceLocation where, std::string key_path, std::string message,
             std::string hint = {});
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Diagnostic>& all() const { return list_; }
  // Throws InputError with everything collected so far, if anything was.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> list_;
};

class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(SourceLocation where, std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  InputError(std::vector<Diagnostic> sorted, int);
  std::vector<Diagnostic> diagnostics_;
};

// One line for a record of a failed run: "key: message", "(and N more)" when there are more.
std::string first_problem(const InputError& e);

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a small edit distance, or "" when none is close.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// "a, b, c".
std::string join_words(const std::vector<std::string>& words);
// The hint for an unknown name: "did you mean 'x'?", else "<known>: a, b, c".
std::string suggest(std::string_view word, const std::vector<std::string>& candidates,
                    std::string_view known);

}  // namespace airace
