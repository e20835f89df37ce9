#include "sim/core/config_tree.hpp"

#include <doctest/doctest.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/airace_process.hpp"

using namespace airace;

namespace config_tree_test {

namespace {
ConfigNode parse(const std::string& text) {
  Diagnostics d;
  ConfigNode n = parse_yaml_text(text, "t.yaml", d);
  REQUIRE(d.empty());
  return n;
}
const std::string kDataDir = std::string(AIRACE_SOURCE_DIR) + "/tests/data/";

// f0.yaml extends f1.yaml, ..., which extends f<files-1>.yaml, a small scenario.
void write_extends_chain(const std::filesystem::path& dir, int files) {
  for (int i = 0; i + 1 < files; ++i)
    std::ofstream(dir / ("f" + std::to_string(i) + ".yaml"))
        << "extends: f" << i + 1 << ".yaml\nrun: {seed: " << i << "}\n";
  std::filesystem::copy_file(kDataDir + "small.yaml",
                             dir / ("f" + std::to_string(files - 1) + ".yaml"));
}

// A line of /proc/self/status, in kB ("VmHWM", "VmRSS").
long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  return -1;
}
}  // namespace

TEST_CASE("parsed values remember their file line and column") {
  const ConfigNode n = parse("a: 1\nb:\n  c: hello\n  d: [1, 2]\n");
  const ConfigNode* c = n.find("b")->find("c");
  REQUIRE(c != nullptr);
  CHECK(c->scalar == "hello");
  CHECK(c->where.file == "t.yaml");
  CHECK(c->where.line == 3);
  CHECK(c->where.column == 6);
  CHECK(n.key_location("b").line == 2);
  CHECK(n.find("b")->find("d")->items.size() == 2);
}

TEST_CASE("malformed YAML is an error with a position") {
  Diagnostics d;
  parse_yaml_text("a: [1, 2\nb: 3\n", "bad.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.file == "bad.yaml");
  CHECK(d.all()[0].where.line >= 1);
  CHECK(d.all()[0].message.find("malformed YAML") != std::string::npos);
}

TEST_CASE("duplicate keys are reported") {
  Diagnostics d;
  parse_yaml_text("a: 1\nb: 2\na: 3\n", "dup.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.line == 3);
  CHECK(d.all()[0].message.find("duplicate key") != std::string::npos);
}

TEST_CASE("merging maps is deep and lists of items with ids merge by id") {
  ConfigNode base = parse(
      "run: {seed: 1, replicates: 5}\n"
      "labs:\n  - {id: a, x: 1, y: 2}\n  - {id: b, x: 3}\n"
      "tags: [p, q]\n");
  const ConfigNode overlay = parse(
      "run: {seed: 2}\n"
      "labs:\n  - {id: b, x: 30}\n  - {id: c, x: 4}\n  - {id: a, remove: true}\n"
      "tags: [r]\n");
  merge_config(base, overlay);
  CHECK(base.find("run")->find("seed")->scalar == "2");
  CHECK(base.find("run")->find("replicates")->scalar == "5");
  const ConfigNode& labs = *base.find("labs");
  REQUIRE(labs.items.size() == 2);
  CHECK(labs.items[0].find("id")->scalar == "b");
  CHECK(labs.items[0].find("x")->scalar == "30");
  CHECK(labs.items[1].find("id")->scalar == "c");
  REQUIRE(base.find("tags")->items.size() == 1);  // plain lists are replaced
  CHECK(base.find("tags")->items[0].scalar == "r");
}

TEST_CASE("extends loads the base file and applies the overlay") {
  Diagnostics d;
  const ConfigNode n = load_config_file(kDataDir + "extends_small.yaml", d);
  REQUIRE(d.empty());
  CHECK(n.find("extends") == nullptr);
  CHECK(n.find("run")->find("replicates")->scalar == "2");
  CHECK(n.find("run")->find("seed")->scalar == "7");
  const ConfigNode& labs = *n.find("labs");
  REQUIRE(labs.items.size() == 3);
  // Values keep the file they came from.
  CHECK(n.find("run")->find("seed")->where.file.str().find("small.yaml") != std::string::npos);
  CHECK(labs.items[1].find("training_share")->where.file.str().find("extends_small.yaml") !=
        std::string::npos);
}

TEST_CASE("extends to a missing file names the extends line") {
  Diagnostics d;
  load_config_file(kDataDir + "bad_missing_extends.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.file.str().find("bad_missing_extends.yaml") != std::string::npos);
  CHECK(d.all()[0].where.line == 1);
  CHECK(d.all()[0].message.find("no_such_base.yaml") != std::string::npos);
}

TEST_CASE("a missing scenario file is an error not a crash") {
  Diagnostics d;
  load_config_file(kDataDir + "does_not_exist.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].message.find("cannot read") != std::string::npos);
}

TEST_CASE("overrides set values by key path and by list id") {
  ConfigNode n = parse("run: {seed: 1}\nlabs:\n  - {id: a, x: 1}\n  - {id: b, x: 2}\n");
  Diagnostics d;
  apply_override(n, "run.seed=99", d);
  apply_override(n, "labs.b.x=5.5", d);
  apply_override(n, "run.new_key=[1, 2]", d);
  REQUIRE(d.empty());
  CHECK(n.find("run")->find("seed")->scalar == "99");
  CHECK(n.find("labs")->items[1].find("x")->scalar == "5.5");
  CHECK(n.find("run")->find("new_key")->items.size() == 2);
  CHECK(n.find("run")->find("seed")->where.file == "--set 'run.seed=99'");
}

TEST_CASE("overrides name a list item in brackets as policy events' set: does") {
  ConfigNode n = parse("labs:\n  - {id: a, x: 1}\n  - {id: b, x: 2}\nv: [10, 20]\n");
  Diagnostics d;
  apply_override(n, "labs[b].x=5.5", d);
  apply_override(n, "v[1]=7", d);
  REQUIRE(d.empty());
  CHECK(n.find("labs")->items[1].find("x")->scalar == "5.5");
  CHECK(n.find("v")->items[1].scalar == "7");
  apply_override(n, "labs[b.x=1", d);   // unclosed
  apply_override(n, "labs[]x=1", d);    // empty, and no dot after ]
  apply_override(n, "labs[c].x=1", d);  // no such item
  REQUIRE(d.size() == 3);
  CHECK(d.all()[0].message.find("'['") != std::string::npos);
  CHECK(d.all()[2].message.find("no item with id 'c'") != std::string::npos);
}

TEST_CASE("bad overrides are errors with a suggestion") {
  ConfigNode n = parse("labs:\n  - {id: alpha, x: 1}\n");
  Diagnostics d;
  apply_override(n, "labs.alpah.x=2", d);
  apply_override(n, "no_equals_sign", d);
  apply_override(n, "a..b=1", d);
  REQUIRE(d.size() == 3);
  CHECK(d.all()[0].hint == "did you mean 'alpha'?");
}

TEST_CASE("the resolved tree is written back as YAML that parses to the same tree") {
  const ConfigNode n = parse("a: 1\nb: {c: 'quoted text', d: [1, 2, 3]}\ne:\n  - {id: x}\n");
  const ConfigNode again = parse(to_yaml(n));
  CHECK(to_yaml(again) == to_yaml(n));
  CHECK(again.find("b")->find("c")->quoted);
}

TEST_CASE("several YAML documents in one file are an error") {
  Diagnostics d;
  parse_yaml_text("a: 1\n---\nb: 2\n", "two.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].message.find("expected one YAML document") != std::string::npos);
}

TEST_CASE("input on which yaml-cpp reports documents without end is refused quickly") {
  // Found by fuzzing: YAML::LoadAll never returns on this input.
  Diagnostics d;
  load_config_file(kDataDir + "regressions/yaml_cpp_endless_documents.yaml", d);
  CHECK_FALSE(d.empty());
}

TEST_CASE("aliases of aliases past the value limit are an error at the alias not a hang") {
  // Found before fuzzing: nine levels of nine aliases expand to 9^9 values ("billion laughs").
  std::string text = "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) text += (j == 0 ? "" : ", ") + prev;
    text += "]\n";
  }
  Diagnostics d;
  const ConfigNode n = parse_yaml_text(text, "laughs.yaml", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.line == 6);  // a5: where the count first passes the limit
  CHECK(d.all()[0].where.column > 0);
  CHECK(d.all()[0].message.find("more than 100000 values") != std::string::npos);
  CHECK(n.is_null());
}

TEST_CASE("aliases within the value limit expand into copies of their anchor") {
  const ConfigNode n = parse("a: &x {p: 1, q: [2, 3]}\nb: *x\n");
  REQUIRE(n.find("b") != nullptr);
  CHECK(to_yaml(*n.find("b")) == to_yaml(*n.find("a")));
}

TEST_CASE("extends refuses devices and pipes and reads no more than the size limit") {
  // Reading /dev/zero never ends; /dev/stdin waits for a terminal.
  for (const char* device : {"/dev/zero", "/dev/stdin"}) {
    Diagnostics d;
    load_config_text(std::string("extends: ") + device + "\n", "/tmp/top.yaml", d);
    REQUIRE(d.size() == 1);
    CHECK(d.all()[0].where.line == 1);
    CHECK(d.all()[0].where.column == 10);
    CHECK(d.all()[0].message.find("not a regular file") != std::string::npos);
  }
  // Named by the user, a pipe is read (airace check <(...)), but not past the limit.
  Diagnostics d;
  load_config_file("/dev/zero", d);
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].message.find("longer than 16 MiB") != std::string::npos);
}

TEST_CASE("text held in memory resolves extends relative to the file it stands for") {
  Diagnostics d;
  const ConfigNode n = load_config_text("extends: small.yaml\nrun: {seed: 8}\n",
                                        kDataDir + "in_memory.yaml", d);
  REQUIRE(d.empty());
  CHECK(n.find("extends") == nullptr);
  CHECK(n.find("run")->find("seed")->scalar == "8");
  CHECK(n.find("countries") != nullptr);

  Diagnostics cycle;
  load_config_text("extends: in_memory.yaml\n", kDataDir + "in_memory.yaml", cycle);
  REQUIRE(cycle.size() == 1);
  CHECK(cycle.all()[0].message.find("extends itself") != std::string::npos);
}

TEST_CASE("a list index too large for a number is an error not an exception") {
  // Found while fuzzing: std::stoul threw std::out_of_range ("internal error: stoul").
  ConfigNode n = parse("rules:\n  - {to: a}\n  - {to: b}\n");
  Diagnostics d;
  apply_override(n, "rules.99999999999999999999999.to=c", d);
  apply_override(n, "rules.2.to=c", d);
  apply_override(n, "rules.-1.to=c", d);
  apply_override(n, "rules.1.to=c", d);
  REQUIRE(d.size() == 3);
  CHECK(d.all()[0].message == "expected an index below 2, found '99999999999999999999999'");
  CHECK(n.find("rules")->items[1].find("to")->scalar == "c");
  CHECK(item_index("12") == std::optional<std::size_t>(12));
  CHECK_FALSE(item_index("").has_value());
  CHECK_FALSE(item_index("+1").has_value());
  CHECK_FALSE(item_index("1x").has_value());
}

TEST_CASE("an extends chain deeper than 32 levels is refused at the extends that goes too deep") {
  airace::testing::TempDir dir;
  write_extends_chain(dir.path, 100);
  Diagnostics d;
  std::vector<std::filesystem::path> read;
  const ConfigNode n = load_config_file(dir.path / "f0.yaml", d, &read);
  REQUIRE(d.size() == 1);
  const Diagnostic& e = d.all()[0];
  CHECK(e.where.file == (dir.path / "f32.yaml").string());
  CHECK(e.where.line == 1);
  CHECK(e.where.column == 10);
  CHECK(e.key_path == "extends");
  CHECK(e.message.find("expected at most 32 levels of extends:") != std::string::npos);
  CHECK(read.size() == 33);  // f0 .. f32; f33 is never opened
}

TEST_CASE("an extends chain of 32 levels loads") {
  airace::testing::TempDir dir;
  write_extends_chain(dir.path, 33);
  Diagnostics d;
  const ConfigNode n = load_config_file(dir.path / "f0.yaml", d);
  CHECK(d.empty());
  CHECK(n.find("run")->find("seed")->scalar == "0");
  CHECK(n.find("countries") != nullptr);
}

TEST_CASE("a 30 level extends chain of small files takes little memory") {
  // Each level used to hold a 16 MiB buffer until the whole chain was read: some 480 MiB here.
  airace::testing::TempDir dir;
  write_extends_chain(dir.path, 30);
  // Memory that earlier cases freed and glibc kept resident would hide what this load takes.
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";  // peak RSS := current RSS (Linux >= 4.0)
  const long before_kb = status_kb("VmRSS");
  Diagnostics d;
  const ConfigNode n = load_config_file(dir.path / "f0.yaml", d);
  const long peak_kb = status_kb("VmHWM");
  REQUIRE(d.empty());
  REQUIRE(before_kb > 0);
  CAPTURE(before_kb);
  CAPTURE(peak_kb);
  CHECK(peak_kb - before_kb < 16 * 1024);
}

TEST_CASE("a file is read into a string of its own size") {
  airace::testing::TempDir dir;
  const std::filesystem::path small = dir.path / "small.yaml";
  std::ofstream(small) << "run: {seed: 7, replicates: 2}\n";  // 30 bytes
  std::string why;
  const auto text = read_yaml_file(small, true, why);
  REQUIRE(text.has_value());
  CHECK(text->size() == 30);
  CHECK(text->capacity() < 64);

  // A pipe has no size: its text grows in steps, then is cut to size.
  const std::string big =
      airace::testing::slurp(kDataDir + "small.yaml") + std::string(200'000, '#');
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    for (std::size_t at = 0; at < big.size();) {
      const ssize_t n = ::write(fds[1], big.data() + at, big.size() - at);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  const auto piped = read_yaml_file("/proc/self/fd/" + std::to_string(fds[0]), false, why);
  writer.join();
  ::close(fds[0]);
  REQUIRE(piped.has_value());
  CHECK(*piped == big);
  CHECK(piped->capacity() < big.size() + 4096);
}

}  // namespace config_tree_test
