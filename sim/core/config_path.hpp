#pragma once
// Key paths in a configuration tree, written as --set writes them: "a.b[c].d" or "a.b.c.d". A
// list item is named by its id, by its `to:` (a destination), or by its index.

#include <string>

#include "sim/core/config_tree.hpp"

namespace airace {

struct KeyPath {
  std::string canonical;  // "section.list[id].key"
  std::string pattern;    // "section.list[].key", as a schema names the parameter
};

struct KeyPathWalk {
  KeyPath path;
  ConfigNode* node = nullptr;  // the value, added (null) when the key was not written
  std::string error;           // why the path does not resolve ("" when it does)
  std::string hint;
};

// Walks `text` in `root`, adding the last key when it is missing (the parameter keeps its
// default until then). Intermediate keys of mappings are added too (a section left out). Keys
// added are located at `added_at` (e.g. the new value's `to:`), so that errors about them
// point there; at their mapping when `added_at` is empty.
KeyPathWalk walk_key_path(ConfigNode& root, const std::string& text,
                          const SourceLocation& added_at = {});

}  // namespace airace
