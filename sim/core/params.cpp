#include "sim/core/params.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace airace {

std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Range::text() const {
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  if (!has_min && !has_max) return "any";
  if (has_min && !has_max) return std::string(min_open ? "> " : ">= ").append(format_number(min));
  if (!has_min) return std::string(max_open ? "< " : "<= ").append(format_number(max));
  return std::string(min_open ? "(" : "[") + format_number(min) + ", " + format_number(max) +
         (max_open ? ")" : "]");
}

// Built in one allocation: schemas make a path for every key they read (some 5,000 per scenario
// derived, and airace serve derives some 25 scenarios a run).
std::string child_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  return out.append(path).append(1, '.').append(key);
}

std::string item_path(const std::string& path, const ConfigNode& item, std::size_t index) {
  const ConfigNode* id = item.is_map() ? item.find("id") : nullptr;
  const std::string name = id && id->is_scalar() ? id->scalar : std::to_string(index);
  std::string out;
  out.reserve(path.size() + name.size() + 2);
  return out.append(path).append(1, '[').append(name).append(1, ']');
}

namespace {
// " in [0, 1]", " >= 0", or "" for an unbounded range.
std::string range_phrase(const Range& r) {
  const std::string t = r.text();
  if (t == "any") return "";
  return (t[0] == '[' || t[0] == '(' ? " in " : " ") + t;
}

// `expected` makes the phrase only for a message: a scenario reads thousands of numbers, and
// formatting each one's range cost as much as reading it.
template <class Expected>
bool expect_scalar_lazy(const ConfigNode& n, const std::string& path, const Expected& expected,
                        Diagnostics& diags) {
  if (n.is_scalar()) return true;
  diags.error(n.where, path, "expected " + expected() + ", found " + n.describe());
  return false;
}

bool expect_scalar(const ConfigNode& n, const std::string& path, const std::string& expected,
                   Diagnostics& diags) {
  return expect_scalar_lazy(n, path, [&expected] { return expected; }, diags);
}
}  // namespace

std::optional<double> read_number(const ConfigNode& n, const std::string& path, const Range& r,
                                  const std::string& unit, Diagnostics& diags) {
  const auto expected = [&r, &unit] {
    return "a number" + range_phrase(r) + (unit.empty() ? "" : " (" + unit + ")");
  };
  if (!expect_scalar_lazy(n, path, expected, diags)) return std::nullopt;
  double v = 0;
  const char* b = n.scalar.data();
  const char* e = b + n.scalar.size();
  if (!n.scalar.empty() && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (n.quoted || ec != std::errc() || p != e || n.scalar.empty()) {
    diags.error(n.where, path, "expected " + expected() + ", found '" + n.scalar + "'");
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    diags.error(n.where, path, "expected a finite number, found '" + n.scalar + "'");
    return std::nullopt;
  }
  if (!r.contains(v)) {
    diags.error(n.where, path, n.scalar + " is out of range: expected " + expected());
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> read_integer(const ConfigNode& n, const std::string& path, const Range& r,
                                    Diagnostics& diags) {
  const auto expected = [&r] { return "a whole number" + range_phrase(r); };
  if (!expect_scalar_lazy(n, path, expected, diags)) return std::nullopt;
  int64_t v = 0;
  const char* b = n.scalar.data();
  const char* e = b + n.scalar.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (n.quoted || ec != std::errc() || p != e || n.scalar.empty()) {
    diags.error(n.where, path, "expected " + expected() + ", found '" + n.scalar + "'");
    return std::nullopt;
  }
  if (!r.contains(static_cast<double>(v))) {
    diags.error(n.where, path, n.scalar + " is out of range: expected " + expected());
    return std::nullopt;
  }
  return v;
}

namespace {
constexpr uint64_t kSeedEnd = uint64_t{1} << 63;
std::string seed_expected() {
  return std::string("a whole number in ") + kSeedRange + ", at most " +
         std::to_string(kSeedEnd - 1);
}
}  // namespace

std::optional<uint64_t> parse_seed(std::string_view text, std::string* why) {
  uint64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (!text.empty() && p == e && ec == std::errc() && v < kSeedEnd) return v;
  if (why != nullptr) {
    // Digits alone, or after a minus: a whole number, outside the range.
    const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
    const bool whole = !digits.empty() && std::all_of(digits.begin(), digits.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
    *why = whole ? std::string(text) + " is out of range: expected " + seed_expected()
                 : "expected " + seed_expected() + ", found '" + std::string(text) + "'";
  }
  return std::nullopt;
}

std::optional<int64_t> read_seed(const ConfigNode& n, const std::string& path, Diagnostics& diags) {
  if (!expect_scalar(n, path, seed_expected(), diags)) return std::nullopt;
  if (n.quoted) {
    diags.error(n.where, path,
                "expected " + seed_expected() + ", found the text '" + n.scalar + "'");
    return std::nullopt;
  }
  std::string why;
  const auto v = parse_seed(n.scalar, &why);
  if (!v) {
    diags.error(n.where, path, why);
    return std::nullopt;
  }
  return static_cast<int64_t>(*v);
}

std::optional<std::string> read_text(const ConfigNode& n, const std::string& path,
                                     Diagnostics& diags) {
  if (!expect_scalar(n, path, "text", diags)) return std::nullopt;
  return n.scalar;
}

std::optional<bool> read_flag(const ConfigNode& n, const std::string& path, Diagnostics& diags) {
  if (!expect_scalar(n, path, "true or false", diags)) return std::nullopt;
  if (!n.quoted && n.scalar == "true") return true;
  if (!n.quoted && n.scalar == "false") return false;
  diags.error(n.where, path, "expected true or false, found '" + n.scalar + "'");
  return std::nullopt;
}

std::optional<Date> read_date(const ConfigNode& n, const std::string& path, Diagnostics& diags) {
  if (!expect_scalar(n, path, "a date YYYY-MM-DD", diags)) return std::nullopt;
  if (auto d = Date::parse(n.scalar)) return d;
  diags.error(n.where, path, "expected a date as YYYY-MM-DD or YYYY-MM, found '" + n.scalar + "'");
  return std::nullopt;
}

std::optional<std::string> read_choice(const ConfigNode& n, const std::string& path,
                                       const std::vector<std::string>& options,
                                       Diagnostics& diags) {
  std::string list;
  for (const std::string& o : options) list += (list.empty() ? "" : ", ") + o;
  if (!expect_scalar(n, path, "one of " + list, diags)) return std::nullopt;
  for (const std::string& o : options)
    if (o == n.scalar) return n.scalar;
  diags.error(n.where, path, "expected one of " + list + ", found '" + n.scalar + "'",
              did_you_mean(n.scalar, options));
  return std::nullopt;
}

std::optional<std::size_t> resolve_reference(const EntityRef& ref, const std::string& path,
                                             const std::vector<std::string>& ids,
                                             const std::string& target, Diagnostics& diags) {
  // A left-out reference must not match an entity whose own id was left out (both read as '').
  if (!ref.written() && ref.id.empty()) return std::nullopt;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == ref.id) return i;
  if (!ref.written()) return std::nullopt;
  diags.error(ref.where, path, "unknown " + target + " id '" + ref.id + "'",
              suggest(ref.id, ids, "known ids"));
  return std::nullopt;
}

}  // namespace airace
