// The documentation must describe what the program does: every parameter, with its unit.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "sim/model/describe.hpp"
#include "sim/model/scenario.hpp"

using namespace airace;

namespace {
std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(AIRACE_SOURCE_DIR) + "/docs/" + name);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("the parameter table in docs/scenarios.md matches airace describe") {
  const std::string doc = read_doc("scenarios.md");
  const std::string table = describe_markdown(all_parameters());
  const bool found = doc.find(table) != std::string::npos;
  if (!found)
    MESSAGE(
        "regenerate it with: build/debug/airace describe --markdown, and paste it under "
        "'Parameter reference' in docs/scenarios.md");
  CHECK(found);
}

TEST_CASE("every model parameter is explained in docs/model.md") {
  const std::string doc = read_doc("model.md");
  for (const ParamInfo& p : all_parameters()) {
    if (p.type == "section" || p.type == "list") continue;
    // Scenario bookkeeping (names, ids, sources, dates, run settings) is covered in
    // scenarios.md; model.md must explain every quantity that enters the model.
    if (p.type != "number") continue;
    const std::string leaf = p.key.substr(p.key.rfind('.') + 1);
    CAPTURE(p.key);
    CHECK(doc.find(leaf) != std::string::npos);
  }
}
