#include "sim/model/describe.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <string_view>
#include <vector>

#include "sim/model/scenario.hpp"

namespace airace {

std::vector<ParamInfo> find_parameters(const std::string& filter) {
  std::vector<ParamInfo> out;
  for (ParamInfo& p : all_parameters())
    if (filter.empty() || p.key.find(filter) != std::string::npos) out.push_back(std::move(p));
  return out;
}

namespace {
// The fewest edits that turn `text` into some substring of `key`, ignoring case (Sellers'
// approximate substring matching: an edit distance whose match may start and end anywhere
// in the key).
std::size_t edits_to_substring(std::string_view text, std::string_view key) {
  std::vector<std::size_t> row(key.size() + 1, 0);  // a match may start at any column
  for (std::size_t i = 1; i <= text.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= key.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(text[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(key[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return *std::min_element(row.begin(), row.end());  // and end at any column
}
}  // namespace

std::vector<std::string> closest_parameters(const std::string& filter, std::size_t most) {
  if (filter.empty()) return {};
  const std::size_t allowed = std::max<std::size_t>(1, filter.size() / 4);
  struct Candidate {
    std::size_t edits;
    std::string key;
  };
  std::vector<Candidate> close;
  for (const ParamInfo& p : all_parameters())
    if (const std::size_t d = edits_to_substring(filter, p.key); d <= allowed)
      close.push_back({d, p.key});
  std::stable_sort(close.begin(), close.end(), [](const Candidate& a, const Candidate& b) {
    return a.edits != b.edits ? a.edits < b.edits : a.key.size() < b.key.size();
  });
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < close.size() && i < most; ++i) keys.push_back(close[i].key);
  return keys;
}

namespace {
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }
}  // namespace

std::string describe_text(const std::vector<ParamInfo>& params) {
  std::string out;
  for (const ParamInfo& p : params) {
    out += p.key + "\n";
    out += "    " + p.description + "\n";
    out += "    type: " + p.type + "   unit: " + or_dash(p.unit);
    if (p.required)
      out += "   required";
    else
      out += "   default: " + or_dash(p.default_value);
    if (!p.range.empty()) out += "   range: " + p.range;
    out += "\n";
    if (!p.source.empty()) out += "    source: " + p.source + "\n";
    if (p.during_run)
      out += "    may change during a run (policy_events[].set, adaptive rules, levers[].set)\n";
  }
  return out;
}

std::string describe_markdown(const std::vector<ParamInfo>& params) {
  std::string out = "| key | type | unit | default | range | meaning | source |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const ParamInfo& p : params) {
    out += "| `" + p.key + "` | " + p.type + " | " + or_dash(p.unit) + " | " +
           (p.required ? "required" : or_dash(p.default_value)) + " | " + or_dash(p.range) + " | " +
           p.description + (p.during_run ? " (**may change during a run**)" : "") + " | " +
           or_dash(p.source) + " |\n";
  }
  return out;
}

namespace {
// The comment at the end of a line of a scenario file ("" when none, or the line is unknown).
class Comments {
 public:
  // The block of whole-line comments just above a line, joined into one sentence.
  std::string above(const SourceLocation& where) {
    const std::vector<std::string>& lines = file(where);
    std::string out;
    for (auto i = static_cast<std::size_t>(std::max(where.line, 1)) - 1; i-- > 0;) {
      const std::string& line = lines.size() > i ? lines[i] : std::string();
      const std::size_t b = line.find_first_not_of(' ');
      if (b == std::string::npos || line[b] != '#') break;
      const std::size_t t = line.find_first_not_of(' ', b + 1);
      out = (t == std::string::npos ? "" : line.substr(t)) + (out.empty() ? "" : " " + out);
    }
    return out;
  }

  std::string at(const SourceLocation& where) {
    if (where.line <= 0) return "";
    const std::vector<std::string>& lines = file(where);
    if (static_cast<std::size_t>(where.line) > lines.size()) return "";
    const std::string& line = lines[static_cast<std::size_t>(where.line) - 1];
    // A '#' after a blank and outside quotes starts a comment (YAML's rule).
    char quote = 0;
    for (std::size_t i = static_cast<std::size_t>(std::max(where.column, 1)) - 1; i < line.size();
         ++i) {
      const char c = line[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
        std::size_t b = i + 1;
        while (b < line.size() && line[b] == ' ') ++b;
        return line.substr(b);
      }
    }
    return "";
  }

 private:
  const std::vector<std::string>& file(const SourceLocation& where) {
    auto [it, fresh] = files_.try_emplace(where.file);
    if (fresh) {
      std::ifstream in(where.file.str());
      for (std::string line; std::getline(in, line);) it->second.push_back(line);
    }
    return it->second;
  }
  std::map<std::string, std::vector<std::string>> files_;
};

std::string location(const SourceLocation& w) {
  return w.line > 0 ? w.file.str() + ":" + std::to_string(w.line) : w.file.str();
}

using Medians = std::vector<std::pair<SourceLocation, double>>;

void walk(const ConfigNode& n, const std::string& path, const std::string& inherited_source,
          const std::string& filter, const Medians& medians, Comments& comments,
          std::string& out) {
  if (const ConfigNode* d = n.is_map() ? n.find("distribution") : nullptr; d && d->is_scalar()) {
    if (!filter.empty() && path.find(filter) == std::string::npos) return;
    std::string median;
    for (const auto& [where, m] : medians)
      if (where.file == n.where.file && where.line == n.where.line &&
          where.column == n.where.column)
        median = ", median " + format_number(m);
    std::string source = comments.at(n.where);
    if (source.empty()) source = comments.at(d->where);
    if (source.empty()) source = comments.above(n.where);
    if (source.empty()) source = inherited_source;
    out += path + " ~ " + distribution_text(n) + median + " (uncertain: drawn per replicate)\n    " +
           location(n.where) + (source.empty() ? "   source: -" : "   source: " + source) + "\n";
    return;
  }
  if (n.is_map()) {
    std::string source = inherited_source;
    if (const ConfigNode* s = n.find("source"); s && s->is_scalar()) source = s->scalar;
    for (const ConfigEntry& e : n.entries) {
      if (e.key == "source") continue;
      const std::string note = comments.above(e.key_where);
      walk(e.value, path.empty() ? e.key : path + "." + e.key, note.empty() ? source : note,
           filter, medians, comments, out);
    }
    return;
  }
  if (n.is_sequence()) {
    const bool scalars = std::all_of(n.items.begin(), n.items.end(),
                                     [](const ConfigNode& i) { return i.is_scalar(); });
    if (!scalars || n.items.empty()) {
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        const ConfigNode* id = n.items[i].find("id");
        const std::string name =
            id && id->is_scalar() ? "[" + id->scalar + "]" : "[" + std::to_string(i) + "]";
        const std::string note = comments.above(n.items[i].where);
        walk(n.items[i], path + name, note.empty() ? inherited_source : note, filter, medians,
             comments, out);
      }
      if (!n.items.empty()) return;
    }
  }
  if (!filter.empty() && path.find(filter) == std::string::npos) return;
  std::string value;
  if (n.is_scalar()) {
    value = n.scalar;
  } else if (n.is_sequence()) {
    for (const ConfigNode& i : n.items) value += (value.empty() ? "" : ", ") + i.scalar;
    value = "[" + value + "]";
  } else {
    value = "(empty)";
  }
  std::string source = comments.at(n.where);
  if (source.empty()) source = inherited_source;
  out += path + " = " + value + "\n    " + location(n.where) +
         (source.empty() ? "   source: -" : "   source: " + source) + "\n";
}
}  // namespace

std::string distribution_text(const ConfigNode& n) {
  std::string s;
  for (const ConfigEntry& e : n.entries)
    if (e.value.is_scalar()) s += (s.empty() ? "" : ", ") + e.key + ": " + e.value.scalar;
  return "{" + s + "}";
}

std::string describe_values(const ConfigNode& resolved, const std::string& filter,
                            const Medians& medians) {
  Comments comments;
  std::string out;
  walk(resolved, "", "", filter, medians, comments, out);
  return out;
}

}  // namespace airace
