#include "sim/core/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <numeric>
#include <set>
#include <tuple>

namespace airace {

FileName::FileName(std::string_view name) {
  if (name.empty()) return;
  static std::mutex mutex;
  // Never shrinks, nor destroyed at exit: the pointers stay valid for every location.
  static auto* names = new std::set<std::string, std::less<>>;
  const std::lock_guard lock(mutex);
  auto it = names->find(name);
  if (it == names->end()) it = names->emplace(name).first;
  name_ = &*it;
}

const std::string& FileName::str() const {
  static const std::string none;
  return name_ != nullptr ? *name_ : none;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.where.file.empty() ? std::string("<input>") : d.where.file.str();
  if (d.where.line > 0) {
    out.append(":").append(std::to_string(d.where.line));
    if (d.where.column > 0) out.append(":").append(std::to_string(d.where.column));
  }
  out += ": error: ";
  if (!d.key_path.empty()) out += d.key_path + ": ";
  out += d.message;
  if (!d.hint.empty()) out += " (" + d.hint + ")";
  return out;
}

void Diagnostics::error(SourceLocation where, std::string key_path, std::string message,
                        std::string hint) {
  list_.push_back({std::move(where), std::move(key_path), std::move(message), std::move(hint)});
}

void Diagnostics::throw_if_any() const {
  if (!list_.empty()) throw InputError(list_);
}

namespace {
std::string join_messages(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const Diagnostic& d : ds) {
    if (!s.empty()) s += '\n';
    s += format_diagnostic(d);
  }
  return s;
}
}  // namespace

// Reported in reading order: by file (in order of first appearance), then line and column.
static std::vector<Diagnostic> in_reading_order(std::vector<Diagnostic> ds) {
  std::vector<FileName> files;
  for (const Diagnostic& d : ds)
    if (std::find(files.begin(), files.end(), d.where.file) == files.end())
      files.push_back(d.where.file);
  auto rank = [&files](const Diagnostic& d) {
    return std::tuple(std::find(files.begin(), files.end(), d.where.file) - files.begin(),
                      d.where.line, d.where.column);
  };
  std::stable_sort(ds.begin(), ds.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  return ds;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : InputError(in_reading_order(std::move(diagnostics)), 0) {}

InputError::InputError(std::vector<Diagnostic> sorted, int)
    : std::runtime_error(join_messages(sorted)), diagnostics_(std::move(sorted)) {}

InputError::InputError(SourceLocation where, std::string message)
    : InputError(std::vector<Diagnostic>{{std::move(where), {}, std::move(message), {}}}) {}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string m = closest_match(word, candidates);
  return m.empty() ? std::string() : "did you mean '" + m + "'?";
}

std::string join_words(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) {
    if (!s.empty()) s += ", ";
    s += w;
  }
  return s;
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates,
                    std::string_view known) {
  std::string hint = did_you_mean(word, candidates);
  if (hint.empty()) {
    hint = known;
    hint += ": ";
    hint += join_words(candidates);
  }
  return hint;
}

std::string first_problem(const InputError& e) {
  const auto& d = e.diagnostics();
  if (d.empty()) return e.what();
  std::string r = (d[0].key_path.empty() ? "" : d[0].key_path + ": ") + d[0].message;
  if (d.size() > 1) r += " (and " + std::to_string(d.size() - 1) + " more)";
  return r;
}

}  // namespace airace
