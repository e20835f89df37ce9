#pragma once
// Errors in input: each names the file, line and column, the key path, what was expected and
// what was found. Loaders collect every error in a file, then throw one InputError.
// The command line prints them and exits with status 2.

#include <concepts>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace airace {

// The name of a file a location is in: one stored copy per distinct name, kept to the end of
// the program, so that copying a location copies a pointer. A scenario's tree holds thousands of
// locations in a handful of files, and airace serve copies trees and scenarios by the dozen per
// run (with a string each, allocating and freeing them was some 10% of its time). The names are
// those of files read and a few fixed ones ("<command line>"), so the store stays small.
class FileName {
 public:
  FileName() = default;
  FileName(std::string_view name);  // NOLINT: implicit, as the string it replaced
  FileName(const std::string& name) : FileName(std::string_view(name)) {}
  FileName(const char* name) : FileName(std::string_view(name)) {}

  const std::string& str() const;
  operator const std::string&() const { return str(); }  // NOLINT: as the string it replaced
  bool empty() const { return name_ == nullptr; }
  const char* c_str() const { return str().c_str(); }
  // Names are stored once: equal names are the same pointer. Only between FileNames, so that
  // comparing with a string never stores it.
  template <class T>
  requires std::same_as<T, FileName>
  friend bool operator==(const FileName& a, const T& b) { return a.name_ == b.name_; }

 private:
  const std::string* name_ = nullptr;  // null: no file
};

struct SourceLocation {
  FileName file;   // a path, or "<command line>"
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
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
