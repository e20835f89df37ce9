#include "sim/core/config_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

namespace airace {

const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (const ConfigEntry& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

ConfigNode* ConfigNode::find(std::string_view key) {
  for (ConfigEntry& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

SourceLocation ConfigNode::key_location(std::string_view key) const {
  for (const ConfigEntry& e : entries)
    if (e.key == key) return e.key_where;
  return where;
}

std::string ConfigNode::describe() const {
  switch (kind) {
    case Kind::null: return "nothing";
    case Kind::map: return "a mapping";
    case Kind::sequence: return "a list";
    case Kind::scalar: return "'" + scalar + "'";
  }
  return "?";
}

namespace {

SourceLocation location_of(const YAML::Mark& m, const std::string& file,
                           const SourceLocation& fallback) {
  if (m.line < 0 || m.column < 0) return fallback;
  return {file, m.line + 1, m.column + 1};
}

ConfigNode convert(const YAML::Node& n, const std::string& file, const SourceLocation& fallback,
                   const std::string& path, Diagnostics& diags) {
  ConfigNode out;
  out.where = location_of(n.Mark(), file, fallback);
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: out.kind = ConfigNode::Kind::null; break;
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::scalar;
      out.scalar = n.Scalar();
      out.quoted = n.Tag() == "!";
      break;
    case YAML::NodeType::Sequence: {
      out.kind = ConfigNode::Kind::sequence;
      std::size_t i = 0;
      for (const YAML::Node& item : n) {
        out.items.push_back(
            convert(item, file, out.where, path + "[" + std::to_string(i) + "]", diags));
        ++i;
      }
      break;
    }
    case YAML::NodeType::Map:
      out.kind = ConfigNode::Kind::map;
      for (const auto& kv : n) {
        const SourceLocation key_where = location_of(kv.first.Mark(), file, out.where);
        if (!kv.first.IsScalar()) {
          diags.error(key_where, path, "a key must be plain text, found a mapping or list");
          continue;
        }
        const std::string key = kv.first.Scalar();
        const std::string child_path = path.empty() ? key : path + "." + key;
        if (out.find(key) != nullptr) {
          diags.error(key_where, child_path,
                      "duplicate key; it was already given at line " +
                          std::to_string(out.key_location(key).line));
          continue;
        }
        out.entries.push_back(
            {key, convert(kv.second, file, key_where, child_path, diags), key_where});
      }
      break;
  }
  return out;
}

bool is_removal(const ConfigNode& item) {
  const ConfigNode* r = item.find("remove");
  return r != nullptr && r->is_scalar() && r->scalar == "true";
}

ConfigNode* find_item_by_id(ConfigNode& list, const std::string& id) {
  for (ConfigNode& item : list.items)
    if (const ConfigNode* i = item.find("id"); i != nullptr && i->scalar == id) return &item;
  return nullptr;
}

void merge_lists_by_id(ConfigNode& base, const ConfigNode& overlay) {
  for (const ConfigNode& item : overlay.items) {
    const std::string id = item.find("id")->scalar;
    ConfigNode* existing = find_item_by_id(base, id);
    if (is_removal(item)) {
      if (existing != nullptr)
        base.items.erase(base.items.begin() + (existing - base.items.data()));
      continue;
    }
    if (existing != nullptr)
      merge_config(*existing, item);
    else
      base.items.push_back(item);
  }
}

// The files of one load: the chain of `extends:` being followed (for cycles), and every file
// read.
struct Loading {
  std::vector<std::filesystem::path> chain;
  std::vector<std::filesystem::path> read;
};

ConfigNode load_recursive(const std::filesystem::path& path, Diagnostics& diags, Loading& loading,
                          const SourceLocation& named_at);

// A file's own tree, before its `extends:` is followed: a mapping, or null after an error.
ConfigNode scenario_root(const std::string& text, const std::string& file, Diagnostics& diags) {
  ConfigNode root = parse_yaml_text(text, file, diags);
  if (root.is_null()) {
    root.kind = ConfigNode::Kind::map;
    root.where = {file, 1, 1};
  }
  if (!root.is_map()) {
    diags.error(root.where, "",
                "a scenario must be a mapping of keys to values, found " + root.describe());
    return {};
  }
  return root;
}

// Merges a file's tree onto the file its `extends:` names, loaded in turn.
ConfigNode follow_extends(ConfigNode root, const std::filesystem::path& path, Diagnostics& diags,
                          Loading& loading) {
  const ConfigNode* ext = root.find("extends");
  if (ext == nullptr) return root;

  const SourceLocation ext_where = ext->where;
  if (!ext->is_scalar() || ext->scalar.empty()) {
    diags.error(ext_where, "extends",
                "expected the path of a scenario file, found " + ext->describe());
    return root;
  }
  if (loading.chain.size() >= kMaxExtendsDepth) {
    diags.error(ext_where, "extends",
                "expected at most " + std::to_string(kMaxExtendsDepth) +
                    " levels of extends: (a scenario, the file it extends, that file's base, and "
                    "so on), found level " +
                    std::to_string(loading.chain.size() + 1) + " here, in the chain from '" +
                    loading.chain.front().string() + "'");
    return {};
  }
  const std::filesystem::path base_path = path.parent_path() / ext->scalar;
  std::error_code ec;
  loading.chain.push_back(std::filesystem::weakly_canonical(path, ec));
  ConfigNode base = load_recursive(base_path, diags, loading, ext_where);
  loading.chain.pop_back();
  std::erase_if(root.entries, [](const ConfigEntry& e) { return e.key == "extends"; });
  if (!base.is_map()) return root;
  merge_config(base, root);
  return base;
}

ConfigNode load_recursive(const std::filesystem::path& path, Diagnostics& diags, Loading& loading,
                          const SourceLocation& named_at) {
  const std::string file = path.string();
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (std::find(loading.chain.begin(), loading.chain.end(), canonical) != loading.chain.end()) {
    diags.error(named_at, "extends", "'" + file + "' extends itself through a cycle of files");
    return {};
  }
  ConfigNode root;
  {
    // The text is freed here, before the files it extends are read: a chain of files holds one
    // text at a time.
    std::string why;
    const auto text = read_yaml_file(path, named_at.line > 0, why);
    if (!text) {
      diags.error(named_at, named_at.line > 0 ? "extends" : "",
                  "cannot read scenario file '" + file + "': " + why);
      return {};
    }
    loading.read.push_back(path);
    root = scenario_root(*text, file, diags);
  }
  if (!root.is_map()) return {};
  return follow_extends(std::move(root), path, diags, loading);
}

void emit(YAML::Emitter& e, const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::null: e << YAML::Null; break;
    case ConfigNode::Kind::scalar:
      if (n.quoted)
        e << YAML::DoubleQuoted << n.scalar;
      else
        e << n.scalar;
      break;
    case ConfigNode::Kind::sequence: {
      const bool flat = std::all_of(n.items.begin(), n.items.end(),
                                    [](const ConfigNode& i) { return i.is_scalar(); });
      if (flat) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (const ConfigNode& i : n.items) emit(e, i);
      e << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::map:
      e << YAML::BeginMap;
      for (const ConfigEntry& entry : n.entries) {
        e << YAML::Key << entry.key << YAML::Value;
        emit(e, entry.value);
      }
      e << YAML::EndMap;
      break;
  }
}

std::vector<std::string> item_ids(const ConfigNode& list) {
  std::vector<std::string> ids;
  for (const ConfigNode& item : list.items)
    if (const ConfigNode* id = item.find("id")) ids.push_back(id->scalar);
  return ids;
}

// A parser pass over one document that counts its values as the tree will hold them: an alias
// copies its anchor's values, so a few aliases of aliases make billions ("billion laughs").
struct CountValues : YAML::EventHandler {
  std::size_t values = 0;  // saturates at SIZE_MAX
  std::optional<YAML::Mark> over_limit_at;
  std::map<YAML::anchor_t, std::size_t> anchored;                 // values of each anchor
  std::vector<std::pair<YAML::anchor_t, std::size_t>> open = {};  // anchor, values before it

  void add(std::size_t n, const YAML::Mark& at) {
    values = n > SIZE_MAX - values ? SIZE_MAX : values + n;
    if (values > kMaxYamlValues && !over_limit_at) over_limit_at = at;
  }
  void leaf(const YAML::Mark& at, YAML::anchor_t anchor) {
    add(1, at);
    if (anchor != YAML::NullAnchor) anchored[anchor] = 1;
  }
  void start(const YAML::Mark& at, YAML::anchor_t anchor) {
    open.emplace_back(anchor, values);
    add(1, at);
  }
  void end() {
    const auto [anchor, before] = open.back();
    open.pop_back();
    if (anchor != YAML::NullAnchor) anchored[anchor] = values - before;
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& at, YAML::anchor_t anchor) override { leaf(at, anchor); }
  void OnAlias(const YAML::Mark& at, YAML::anchor_t anchor) override {
    const auto a = anchored.find(anchor);
    add(a != anchored.end() ? a->second : 1, at);
  }
  void OnScalar(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(at, anchor);
  }
  void OnSequenceStart(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    start(at, anchor);
  }
  void OnSequenceEnd() override { end(); }
  void OnMapStart(const YAML::Mark& at, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    start(at, anchor);
  }
  void OnMapEnd() override { end(); }
};

}  // namespace

ConfigNode parse_yaml_text(const std::string& text, const std::string& file_name,
                           Diagnostics& diags) {
  const SourceLocation top{file_name, 1, 1};
  YAML::Node doc;
  bool several = false;
  try {
    doc = YAML::Load(text);
    // Not YAML::LoadAll: on some malformed input yaml-cpp 0.7 reports empty documents without
    // end and LoadAll never returns. Asking for at most two documents always ends.
    std::istringstream in(text);
    YAML::Parser parser(in);
    CountValues first;
    CountValues second;
    several = parser.HandleNextDocument(first) && parser.HandleNextDocument(second);
    if (first.over_limit_at) {
      diags.error(location_of(*first.over_limit_at, file_name, top), "",
                  "the text holds more than " + std::to_string(kMaxYamlValues) +
                      " values here, counting each alias (*name) as a copy of its anchor's "
                      "values; expected a scenario of a sensible size");
      return {};
    }
  } catch (const YAML::Exception& e) {
    diags.error(location_of(e.mark, file_name, top), "", "malformed YAML: " + e.msg);
    return {};
  }
  if (several)
    diags.error(top, "",
                "expected one YAML document, found more (a '---' separator, or text after the "
                "end of the first document)");
  ConfigNode root = convert(doc, file_name, top, "", diags);
  if (root.is_null()) root.where = top;
  return root;
}

std::optional<std::string> read_yaml_file(const std::filesystem::path& path, bool regular_only,
                                          std::string& why) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(status)) {
    why = "a directory, not a file";
    return std::nullopt;
  }
  // Checked before opening: opening a FIFO blocks until something writes to it.
  if (regular_only && !ec && !std::filesystem::is_regular_file(status)) {
    why = "not a regular file";
    return std::nullopt;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::generic_category().message(errno);
    return std::nullopt;
  }
  const struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    why = std::generic_category().message(errno);
    return std::nullopt;
  }
  const bool regular = S_ISREG(st.st_mode);
  if (regular_only && !regular) {
    why = "not a regular file";
    return std::nullopt;
  }
  const std::string too_long = "longer than " + std::to_string(kMaxYamlFileBytes >> 20) + " MiB";
  if (regular && static_cast<std::uintmax_t>(st.st_size) > kMaxYamlFileBytes) {
    why = too_long;
    return std::nullopt;
  }
  // A buffer the file's size, one byte more to see it end; a pipe's, or a file that grew or
  // reports no size (/proc), grows in steps up to one byte over the limit (/dev/zero never ends).
  constexpr std::size_t kFirstStepBytes = std::size_t{64} << 10;
  std::string text(regular ? static_cast<std::size_t>(st.st_size) + 1 : kFirstStepBytes, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (used > kMaxYamlFileBytes) break;
      text.resize(std::min(std::max(2 * used, kFirstStepBytes), kMaxYamlFileBytes + 1));
    }
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = "read error: " + std::generic_category().message(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxYamlFileBytes) {
    why = too_long;
    return std::nullopt;
  }
  text.resize(used);
  text.shrink_to_fit();
  return text;
}

ConfigNode load_config_file(const std::filesystem::path& path, Diagnostics& diags,
                            std::vector<std::filesystem::path>* files_read) {
  Loading loading;
  ConfigNode tree = load_recursive(path, diags, loading, SourceLocation{path.string(), 0, 0});
  if (files_read != nullptr) *files_read = std::move(loading.read);
  return tree;
}

ConfigNode load_config_text(const std::string& text, const std::filesystem::path& path,
                            Diagnostics& diags, std::vector<std::filesystem::path>* files_read) {
  Loading loading;
  ConfigNode root = scenario_root(text, path.string(), diags);
  ConfigNode tree = root.is_map() ? follow_extends(std::move(root), path, diags, loading) : root;
  if (files_read != nullptr) *files_read = std::move(loading.read);
  return tree;
}

bool all_items_have_ids(const ConfigNode& list) {
  if (!list.is_sequence() || list.items.empty()) return false;
  return std::all_of(list.items.begin(), list.items.end(), [](const ConfigNode& item) {
    const ConfigNode* id = item.is_map() ? item.find("id") : nullptr;
    return id != nullptr && id->is_scalar();
  });
}

bool is_distribution(const ConfigNode& n) {
  return n.is_map() && n.find("distribution") != nullptr;
}

namespace {
// `target` replaced by `value`, remembering when that fixes a distribution (`{distribution: ...}`)
// to a plain value, or keeps one fixed (a third file that sets the value again).
void replace_value(ConfigNode& target, const ConfigNode& value) {
  const bool fixes = (is_distribution(target) || target.fixes_distribution) && value.is_scalar();
  target = value;
  target.fixes_distribution = fixes;
}
}  // namespace

void merge_config(ConfigNode& base, const ConfigNode& overlay) {
  if (base.is_map() && overlay.is_map()) {
    for (const ConfigEntry& entry : overlay.entries) {
      if (ConfigNode* existing = base.find(entry.key))
        merge_config(*existing, entry.value);
      else
        base.entries.push_back(entry);
    }
    return;
  }
  if (all_items_have_ids(base) && all_items_have_ids(overlay)) {
    merge_lists_by_id(base, overlay);
    return;
  }
  replace_value(base, overlay);
}

std::optional<std::size_t> item_index(std::string_view segment) {
  std::size_t index = 0;
  const char* end = segment.data() + segment.size();
  const auto [stop, ec] = std::from_chars(segment.data(), end, index);
  if (ec != std::errc() || stop != end) return std::nullopt;
  return index;
}

void apply_override(ConfigNode& root, const std::string& assignment, Diagnostics& diags) {
  const SourceLocation where{"--set '" + assignment + "'", 0, 0};
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    diags.error(where, "", "expected path.to.key=value");
    return;
  }
  const std::string path = assignment.substr(0, eq);
  // A list item may be named in brackets, as policy events' `set:` names it: labs[openai].talent
  // is labs.openai.talent.
  std::string dotted;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '[') {
      dotted += path[i];
      continue;
    }
    const std::size_t close = path.find(']', i);
    if (close == std::string::npos || close == i + 1 ||
        path.find_first_of("[.", i + 1) < close ||
        (close + 1 < path.size() && path[close + 1] != '.' && path[close + 1] != '[')) {
      diags.error(where, path,
                  "a '[' must hold a list item's id or index and close before the next key, "
                  "e.g. labs[openai].talent=2");
      return;
    }
    dotted += "." + path.substr(i + 1, close - i - 1);
    i = close;
  }
  std::vector<std::string> segments;
  for (std::size_t start = 0;;) {
    const std::size_t dot = dotted.find('.', start);
    segments.push_back(dotted.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (std::any_of(segments.begin(), segments.end(), [](const auto& s) { return s.empty(); })) {
    diags.error(where, path, "a key path has an empty segment; expected e.g. run.seed=7");
    return;
  }
  Diagnostics value_diags;
  ConfigNode value = parse_yaml_text(assignment.substr(eq + 1), where.file, value_diags);
  if (!value_diags.empty()) {
    diags.error(where, path, "the value is not valid YAML");
    return;
  }
  value.where = where;

  ConfigNode* node = &root;
  std::string walked;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    const bool last = i + 1 == segments.size();
    if (node->is_sequence()) {
      ConfigNode* item = nullptr;
      if (all_items_have_ids(*node)) {
        item = find_item_by_id(*node, seg);
        if (item == nullptr) {
          diags.error(where, walked, "no item with id '" + seg + "' in this list",
                      did_you_mean(seg, item_ids(*node)));
          return;
        }
      } else {
        const auto index = item_index(seg);
        if (!index || *index >= node->items.size()) {
          diags.error(where, walked,
                      "expected an index below " + std::to_string(node->items.size()) +
                          ", found '" + seg + "'");
          return;
        }
        item = &node->items[*index];
      }
      walked += "[" + seg + "]";
      if (last) {
        replace_value(*item, value);
        return;
      }
      node = item;
      continue;
    }
    if (node->is_null()) {
      node->kind = ConfigNode::Kind::map;
      node->where = where;
    }
    if (!node->is_map()) {
      diags.error(where, walked, "cannot set a key inside " + node->describe());
      return;
    }
    walked += walked.empty() ? seg : "." + seg;
    ConfigNode* child = node->find(seg);
    if (child == nullptr) {
      node->entries.push_back({seg, ConfigNode{}, where});
      child = &node->entries.back().value;
      child->where = where;
    }
    if (last) {
      replace_value(*child, value);
      return;
    }
    node = child;
  }
}

std::string to_yaml(const ConfigNode& node) {
  YAML::Emitter e;
  emit(e, node);
  return std::string(e.c_str()) + "\n";
}

}  // namespace airace
