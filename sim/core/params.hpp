#pragma once
// Parameters that describe themselves. Each actor kind declares one Schema for its config
// struct: for every YAML key, the member it fills, its unit, allowed range, meaning and
// source. The same schema reads and validates the scenario, rejects unknown keys (with a
// "did you mean"), and feeds `airace describe` and the documentation check.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/config_tree.hpp"
#include "sim/core/diagnostics.hpp"

namespace airace {

// What `airace describe` prints for one key.
struct ParamInfo {
  std::string key;   // full path pattern, e.g. "labs[].efficiency_growth_per_year"
  std::string type;  // "number", "integer", "text", "date", "one of: a, b", ...
  std::string unit;  // "" only for text, dates, choices and counts of things named in the key
  std::string default_value;  // "" when the key is required
  std::string range;
  std::string description;
  std::string source;
  bool required = false;
  // The whitelist of what may change mid-run (docs/scenarios.md §"Changing parameters during a
  // run"): dated policy events, adaptive rules and seminar levers may set only marked keys.
  bool during_run = false;
};

struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;  // true: min itself is not allowed
  bool max_open = false;
  bool contains(double v) const {
    return (min_open ? v > min : v >= min) && (max_open ? v < max : v <= max);
  }
  std::string text() const;
};
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline Range at_least(double lo) { return {lo, kInf, false, false}; }
inline Range above(double lo) { return {lo, kInf, true, false}; }
inline Range between(double lo, double hi) { return {lo, hi, false, false}; }

std::string format_number(double v);

// Scalar conversions with error reporting. Each returns nullopt after reporting an error.
std::optional<double> read_number(const ConfigNode& n, const std::string& path, const Range& r,
                                  const std::string& unit, Diagnostics& diags);
std::optional<int64_t> read_integer(const ConfigNode& n, const std::string& path, const Range& r,
                                    Diagnostics& diags);
std::optional<std::string> read_text(const ConfigNode& n, const std::string& path,
                                     Diagnostics& diags);
std::optional<bool> read_flag(const ConfigNode& n, const std::string& path, Diagnostics& diags);
std::optional<Date> read_date(const ConfigNode& n, const std::string& path, Diagnostics& diags);
std::optional<std::string> read_choice(const ConfigNode& n, const std::string& path,
                                       const std::vector<std::string>& options, Diagnostics& diags);

// Seeds, one rule wherever one is given (run.seed, --seed, sweep.seed, analyse --seed): a whole
// number in [0, 2^63), written in decimal. 2^63 and more are refused, not clamped: a seed
// stored must be the seed asked for, and every seed must fit a signed 64-bit integer.
inline constexpr const char* kSeedRange = "[0, 2^63)";
// The seed written as `text`; nullopt, with the reason in `why` when given ("-4 is out of range:
// expected a whole number in [0, 2^63) ...", "expected ..., found 'abc'").
std::optional<uint64_t> parse_seed(std::string_view text, std::string* why);
std::optional<int64_t> read_seed(const ConfigNode& n, const std::string& path, Diagnostics& diags);

// Joins a path and a key: "labs[openai]" + "compute" -> "labs[openai].compute".
std::string child_path(const std::string& path, std::string_view key);
// A list item's path: "labs[openai]" when the item has an id, else "labs[2]".
std::string item_path(const std::string& path, const ConfigNode& item, std::size_t index);

template <class T>
struct Field {
  ParamInfo info;
  std::function<void(const ConfigNode&, const std::string& path, T&, Diagnostics&)> read;
};

template <class T>
class Schema {
 public:
  Schema(std::string section, std::vector<Field<T>> fields)
      : section_(std::move(section)), fields_(std::move(fields)) {}

  // Reads a mapping into out. Missing keys keep out's current value (its default) unless the
  // field is required; unknown keys are errors with a suggestion.
  void read(const ConfigNode& node, const std::string& path, T& out, Diagnostics& diags) const {
    if (!node.is_map()) {
      diags.error(node.where, path, "expected a mapping of keys, found " + node.describe());
      return;
    }
    for (const ConfigEntry& entry : node.entries) {
      const std::string& key = entry.key;
      const ConfigNode& value = entry.value;
      const Field<T>* f = field(key);
      if (f == nullptr) {
        diags.error(entry.key_where, child_path(path, key), "unknown key", suggestion(key));
        continue;
      }
      f->read(value, child_path(path, key), out, diags);
    }
    for (const Field<T>& f : fields_)
      if (f.info.required && node.find(f.info.key) == nullptr)
        diags.error(node.where, path,
                    "missing required key '" + f.info.key + "' (" + f.info.description + ")");
  }

  std::vector<ParamInfo> describe() const {
    std::vector<ParamInfo> out;
    for (const Field<T>& f : fields_) {
      ParamInfo p = f.info;
      p.key = section_.empty() ? p.key : section_ + "." + p.key;
      out.push_back(std::move(p));
    }
    return out;
  }
  const std::string& section() const { return section_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const Field<T>& f : fields_) k.push_back(f.info.key);
    return k;
  }

 private:
  const Field<T>* field(std::string_view key) const {
    for (const Field<T>& f : fields_)
      if (f.info.key == key) return &f;
    return nullptr;
  }
  std::string suggestion(const std::string& key) const {
    return suggest(key, keys(), "known keys here");
  }
  std::string section_;
  std::vector<Field<T>> fields_;
};

// ---- Field builders -------------------------------------------------------------------------

struct Doc {
  std::string description;
  std::string source = {};
  bool required = false;
  bool during_run = false;  // see ParamInfo::during_run
};

// A Doc marked "may change during a run". Mark a key only when a new value needs no change of
// state sizes and nothing derived once at the start: the run re-derives the scenario's setup
// from the changed tree (sim/model/parameter_changes.hpp).
inline Doc changeable(Doc d) {
  d.during_run = true;
  return d;
}

template <class T>
Field<T> number(std::string key, double T::*member, std::string unit, Range range, Doc doc) {
  // A NaN default is a key that is off when left out (its description says what then holds).
  const double fallback = T{}.*member;
  ParamInfo info{std::move(key),        "number",
                 std::move(unit),       std::isnan(fallback) ? "none" : format_number(fallback),
                 range.text(),          std::move(doc.description),
                 std::move(doc.source), doc.required};
  if (doc.required) info.default_value.clear();
  info.during_run = doc.during_run;
  const std::string u = info.unit;
  return {std::move(info),
          [member, range, u](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_number(n, path, range, u, d)) out.*member = *v;
          }};
}

template <class T, std::integral I>
Field<T> integer(std::string key, I T::*member, std::string unit, Range range, Doc doc) {
  ParamInfo info{std::move(key),        "integer",
                 std::move(unit),       std::to_string(T{}.*member),
                 range.text(),          std::move(doc.description),
                 std::move(doc.source), doc.required};
  if (doc.required) info.default_value.clear();
  info.during_run = doc.during_run;
  return {std::move(info),
          [member, range](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_integer(n, path, range, d)) out.*member = static_cast<I>(*v);
          }};
}

// A seed (see parse_seed): no unit, range [0, 2^63).
template <class T>
Field<T> seed(std::string key, int64_t T::*member, Doc doc) {
  ParamInfo info{std::move(key),
                 "integer",
                 "-",
                 std::to_string(T{}.*member),
                 kSeedRange,
                 std::move(doc.description),
                 std::move(doc.source),
                 doc.required};
  if (doc.required) info.default_value.clear();
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_seed(n, path, d)) out.*member = *v;
          }};
}

template <class T>
Field<T> text(std::string key, std::string T::*member, Doc doc) {
  ParamInfo info{std::move(key),        "text",      "",
                 T{}.*member,           "",          std::move(doc.description),
                 std::move(doc.source), doc.required};
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_text(n, path, d)) out.*member = *v;
          }};
}

template <class T>
Field<T> flag(std::string key, bool T::*member, Doc doc) {
  ParamInfo info{std::move(key),
                 "true or false",
                 "",
                 T{}.*member ? "true" : "false",
                 "",
                 std::move(doc.description),
                 std::move(doc.source),
                 doc.required};
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_flag(n, path, d)) out.*member = *v;
          }};
}

template <class T>
Field<T> date(std::string key, Date T::*member, Doc doc) {
  const Date def = T{}.*member;
  ParamInfo info{std::move(key),
                 "date (YYYY-MM-DD or YYYY-MM)",
                 "",
                 def.year() >= 9999 ? "never" : def.year() <= 1900 ? "the start" : def.iso(),
                 "",
                 std::move(doc.description),
                 std::move(doc.source),
                 doc.required};
  if (doc.required) info.default_value.clear();
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_date(n, path, d)) out.*member = *v;
          }};
}

// An enumeration written as one of a fixed set of words.
template <class T, class E>
Field<T> choice(std::string key, E T::*member, std::vector<std::pair<std::string, E>> options,
                Doc doc) {
  std::vector<std::string> words;
  std::string def;
  for (const auto& [w, e] : options) {
    words.push_back(w);
    if (e == T{}.*member) def = w;
  }
  std::string type = "one of:";
  for (const std::string& w : words) type += " " + w;
  ParamInfo info{std::move(key),          type,        "",
                 doc.required ? "" : def, "",          std::move(doc.description),
                 std::move(doc.source),   doc.required};
  info.during_run = doc.during_run;
  return {std::move(info), [member, options, words](const ConfigNode& n, const std::string& path,
                                                    T& out, Diagnostics& d) {
            if (auto w = read_choice(n, path, words, d))
              for (const auto& [word, e] : options)
                if (word == *w) out.*member = e;
          }};
}

// A reference to another entity by id (a lab's country, a chip in a compute stock). The
// location is kept so that an unknown id is reported where it was written.
struct EntityRef {
  std::string id;
  SourceLocation where;
  // False for a required key that was left out: the schema has reported it where the entity
  // is, and an "unknown id ''" would only repeat it, with no location.
  bool written() const { return !where.file.empty(); }
};

template <class T>
Field<T> reference(std::string key, EntityRef T::*member, std::string target, Doc doc) {
  ParamInfo info{std::move(key),
                 "id of an entry in " + target,
                 "",
                 (T{}.*member).id,
                 "",
                 std::move(doc.description),
                 std::move(doc.source),
                 doc.required};
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            if (auto v = read_text(n, path, d)) out.*member = EntityRef{*v, n.where};
          }};
}

// A list of references: `[US, ally]`, or a single id written without brackets.
template <class T>
Field<T> reference_list(std::string key, std::vector<EntityRef> T::*member, std::string target,
                        Doc doc) {
  ParamInfo info{std::move(key),  "list of ids of entries in " + target,
                 "",              "[]",
                 "",              std::move(doc.description),
                 std::move(doc.source), doc.required};
  info.during_run = doc.during_run;
  return {std::move(info),
          [member](const ConfigNode& n, const std::string& path, T& out, Diagnostics& d) {
            std::vector<EntityRef> refs;
            if (n.is_scalar() || n.is_null()) {
              if (auto v = read_text(n, path, d)) refs.push_back({*v, n.where});
            } else if (n.is_sequence()) {
              for (std::size_t i = 0; i < n.items.size(); ++i)
                if (auto v = read_text(n.items[i], path + "[" + std::to_string(i) + "]", d))
                  refs.push_back({*v, n.items[i].where});
            } else {
              d.error(n.where, path, "expected a list of ids such as [US, CN], found " + n.describe());
            }
            out.*member = std::move(refs);
          }};
}

// A number per entity: `reach: {US: 0.9, CN: 0.3}`. Keys are ids of `target`, resolved later
// with resolve_reference so that an unknown id is reported where it was written.
struct KeyedNumber {
  EntityRef key;
  double value = 0.0;
};

template <class T>
Field<T> number_map(std::string key, std::vector<KeyedNumber> T::*member, std::string target,
                    std::string unit, Range range, Doc doc) {
  ParamInfo info{std::move(key),        "mapping of ids of entries in " + target + " to numbers",
                 std::move(unit),       "{}",
                 range.text(),          std::move(doc.description),
                 std::move(doc.source), doc.required};
  const std::string u = info.unit;
  info.during_run = doc.during_run;
  return {std::move(info), [member, range, u, target](const ConfigNode& n, const std::string& path,
                                                     T& out, Diagnostics& d) {
            std::vector<KeyedNumber> values;
            if (!n.is_map() && !n.is_null()) {
              d.error(n.where, path,
                      "expected a mapping of " + target + " ids to numbers, such as {US: 1}, found " +
                          n.describe());
              return;
            }
            for (const ConfigEntry& e : n.entries)
              if (auto v = read_number(e.value, child_path(path, e.key), range, u, d))
                values.push_back({EntityRef{e.key, e.key_where}, *v});
            out.*member = std::move(values);
          }};
}

// Resolves a reference against the ids of its target list; reports an unknown id with a
// suggestion and returns nullopt (with no second error when the reference was not written).
std::optional<std::size_t> resolve_reference(const EntityRef& ref, const std::string& path,
                                             const std::vector<std::string>& ids,
                                             const std::string& target, Diagnostics& diags);

// A key with its own reader (a nested mapping, a list of entities).
template <class T>
Field<T> custom(ParamInfo info,
                std::function<void(const ConfigNode&, const std::string&, T&, Diagnostics&)> read) {
  return {std::move(info), std::move(read)};
}

// Reads a list of entities, each a mapping with a unique `id`. Sets `where` on each item.
template <class T>
std::vector<T> read_entity_list(const ConfigNode& n, const std::string& path,
                                const Schema<T>& schema, const T& defaults, Diagnostics& diags) {
  std::vector<T> out;
  if (n.is_null()) return out;
  if (!n.is_sequence()) {
    diags.error(n.where, path,
                "expected a list of items (each starting with '- id: ...'), found " + n.describe());
    return out;
  }
  std::vector<std::pair<std::string, int>> seen;
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const ConfigNode& item = n.items[i];
    T value = defaults;
    value.where = item.where;
    const std::string p = item_path(path, item, i);
    schema.read(item, p, value, diags);
    if (item.is_map()) {
      for (const auto& [id, line] : seen)
        if (id == value.id)
          diags.error(
              item.where, p,
              "duplicate id '" + id + "'; it was first used at line " + std::to_string(line));
      seen.emplace_back(value.id, item.where.line);
    }
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace airace
