#pragma once
// Scenario text as a tree that remembers where every value came from (file, line, column),
// so that errors found long after parsing still point at the right place. Handles
// `extends:` (a scenario built on another one), deep merging, and `--set key=value` overrides.
// docs/scenarios.md describes the merge rules.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/diagnostics.hpp"

namespace airace {

struct ConfigEntry;

struct ConfigNode {
  enum class Kind { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string scalar;                // the text of a scalar, as written
  bool quoted = false;               // a quoted scalar is always a string
  std::vector<ConfigEntry> entries;  // map, in file order
  std::vector<ConfigNode> items;     // sequence
  SourceLocation where;

  bool is_map() const { return kind == Kind::map; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_null() const { return kind == Kind::null; }
  // The value at key in a map, or nullptr.
  const ConfigNode* find(std::string_view key) const;
  ConfigNode* find(std::string_view key);
  SourceLocation key_location(std::string_view key) const;
  // "a mapping", "a list", "the text 'abc'", "nothing": for "found ..." in messages.
  std::string describe() const;
};

// One key of a mapping, its value, and where the key was written.
struct ConfigEntry {
  std::string key;
  ConfigNode value;
  SourceLocation key_where;
};

// The most values (scalars, lists and mappings) one document may hold once every alias is
// expanded: some 40 times the baseline's 2,300. A few aliases of aliases ("billion laughs")
// stop here instead of exhausting memory.
inline constexpr std::size_t kMaxYamlValues = 100'000;

// Parses one YAML document. Malformed YAML, duplicate keys, keys that are not plain text, more
// than one document, and more than kMaxYamlValues values are reported as errors with their
// location.
ConfigNode parse_yaml_text(const std::string& text, const std::string& file_name,
                           Diagnostics& diags);

// The longest scenario or sweep file read: some 500 times the baseline.
inline constexpr std::size_t kMaxYamlFileBytes = std::size_t{16} << 20;

// Reads a scenario or sweep file whole; nullopt, with the reason in `why`, when it cannot be read
// or is longer than kMaxYamlFileBytes. `regular_only`, for paths written in a file (extends:,
// sweep.base): a device or a pipe is refused, as reading it may never end.
std::optional<std::string> read_yaml_file(const std::filesystem::path& path, bool regular_only,
                                          std::string& why);

// Loads a scenario file and, recursively, the files named by `extends:` (relative to the file
// that names them). The result is the base merged with each overlay; the `extends` key is
// removed. A missing file, a cycle, or errors in any file are reported in diags. `files_read`,
// when given, receives every file read, the first one first (an output must never be one).
ConfigNode load_config_file(const std::filesystem::path& path, Diagnostics& diags,
                            std::vector<std::filesystem::path>* files_read = nullptr);
// The same for text held in memory, read as if it were the file `path`: its `extends:` is
// resolved relative to path's folder (which need not hold a file of that name).
ConfigNode load_config_text(const std::string& text, const std::filesystem::path& path,
                            Diagnostics& diags,
                            std::vector<std::filesystem::path>* files_read = nullptr);

// Deep merge of overlay into base: maps merge key by key; a list whose items are all maps with
// an `id` merges item by item by id (new ids are appended; an item with `remove: true` is
// dropped); any other list, and every scalar, is replaced.
void merge_config(ConfigNode& base, const ConfigNode& overlay);

// Applies one "path.to.key=value" override. Path segments are map keys; in a list of items
// with ids, a segment selects the item by id (labs.deepseek.efficiency_growth_per_year=4), and
// in other lists by index. The value is parsed as YAML (so lists and maps may be given).
// Errors, and the values set, are located at "--set 'path=value'".
void apply_override(ConfigNode& root, const std::string& assignment, Diagnostics& diags);

// A key path segment that names a list item by its position ("0", "12"); nullopt for anything
// else, a number too large for an index included.
std::optional<std::size_t> item_index(std::string_view segment);

// Writes the tree back as YAML text (the resolved scenario stored in every output file).
std::string to_yaml(const ConfigNode& node);

}  // namespace airace
