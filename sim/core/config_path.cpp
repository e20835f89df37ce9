#include "sim/core/config_path.hpp"

namespace airace {

namespace {

// "a.b[c].d" and "a.b.c.d" -> {a, b, c, d}; nullopt for an empty segment or an unclosed '['.
std::optional<std::vector<std::string>> segments_of(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  bool after_bracket = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      if (!after_bracket) {
        if (cur.empty()) return std::nullopt;
        out.push_back(cur);
      }
      cur.clear();
      after_bracket = false;
    } else if (c == '[') {
      if (!after_bracket) {
        if (cur.empty()) return std::nullopt;
        out.push_back(cur);
      }
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos || close == i + 1) return std::nullopt;
      out.push_back(path.substr(i + 1, close - i - 1));
      cur.clear();
      i = close;
      after_bracket = true;
    } else {
      if (after_bracket) return std::nullopt;  // "a[b]c"
      cur += c;
    }
  }
  if (!after_bracket) {
    if (cur.empty()) return std::nullopt;
    out.push_back(cur);
  }
  return out;
}

// The item of a list named by `seg`: by id, by `to:` (destinations), or by index.
ConfigNode* list_item(ConfigNode& list, const std::string& seg, std::vector<std::string>& names) {
  for (const char* key : {"id", "to"})
    for (ConfigNode& item : list.items)
      if (const ConfigNode* v = item.is_map() ? item.find(key) : nullptr;
          v != nullptr && v->is_scalar()) {
        names.push_back(v->scalar);
        if (v->scalar == seg) return &item;
      }
  if (auto i = item_index(seg); i && *i < list.items.size()) return &list.items[*i];
  return nullptr;
}

}  // namespace

KeyPathWalk walk_key_path(ConfigNode& root, const std::string& text,
                          const SourceLocation& added_at) {
  KeyPathWalk w;
  const auto segs = segments_of(text);
  if (!segs) {
    w.error = "'" + text + "' is not a key path";
    w.hint = "write it as --set does, e.g. section.list[id].key";
    return w;
  }
  ConfigNode* node = &root;
  for (const std::string& seg : *segs) {
    if (node->is_sequence()) {
      std::vector<std::string> names;
      ConfigNode* item = list_item(*node, seg, names);
      if (item == nullptr) {
        w.error = "no item '" + seg + "' in " + w.path.canonical;
        w.hint = suggest(seg, names, "its items");
        return w;
      }
      w.path.canonical += "[" + seg + "]";
      w.path.pattern += "[]";
      node = item;
      continue;
    }
    if (node->is_null()) node->kind = ConfigNode::Kind::map;
    if (!node->is_map()) {
      w.error = "'" + w.path.canonical + "' holds a single value, not '" + seg + "'";
      return w;
    }
    const std::string sep = w.path.canonical.empty() ? "" : ".";
    w.path.canonical += sep + seg;
    w.path.pattern += sep + seg;
    ConfigNode* child = node->find(seg);
    if (child == nullptr) {
      const SourceLocation& at = added_at.file.empty() ? node->where : added_at;
      node->entries.push_back({seg, ConfigNode{}, at});
      child = &node->entries.back().value;
      child->where = at;
    }
    node = child;
  }
  w.node = node;
  return w;
}

}  // namespace airace
