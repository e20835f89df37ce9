#include "sim/core/condition.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace airace;

namespace condition_test {

namespace {
const std::vector<std::string> kVars = {"a", "b", "c", "tpp", "interconnect_gbps"};
const SourceLocation kFirst{"t", 1, 1};  // with parse_condition_text, column = 1 + offset

Condition compile(const std::string& text) {
  Diagnostics d;
  std::optional<Condition> c = parse_condition_text(text, kFirst, "c", kVars, d);
  for (const Diagnostic& e : d.all()) INFO(format_diagnostic(e));
  REQUIRE(d.empty());
  REQUIRE(c.has_value());
  return *c;
}

// Values for a, b, c, tpp, interconnect_gbps.
bool eval(const std::string& text, std::vector<double> values) {
  values.resize(kVars.size(), 0.0);
  return compile(text).evaluate(values);
}

// The diagnostics of parsing `covers: <yaml_value>` from a YAML file, so columns are real.
Diagnostics yaml_errors(const std::string& yaml_value) {
  Diagnostics yd;
  const ConfigNode root = parse_yaml_text("covers: " + yaml_value + "\n", "t.yaml", yd);
  REQUIRE(yd.empty());
  Diagnostics d;
  CHECK_FALSE(parse_condition(*root.find("covers"), "rule.covers", kVars, d).has_value());
  CHECK_FALSE(d.empty());
  return d;
}

// The one error from parsing `text` with parse_condition_text.
Diagnostic text_error(const std::string& text) {
  Diagnostics d;
  CHECK_FALSE(parse_condition_text(text, kFirst, "c", kVars, d).has_value());
  REQUIRE(d.size() == 1);
  return d.all()[0];
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("and binds tighter than or") {
  CHECK(eval("a > 0 or b > 0 and c > 0", {1, 0, 0}));
  CHECK_FALSE(eval("(a > 0 or b > 0) and c > 0", {1, 0, 0}));
  CHECK(eval("b > 0 and c > 0 or a > 0", {1, 0, 0}));
}

TEST_CASE("multiplication binds tighter than addition and both group from the left") {
  CHECK(eval("a + b * c == 7", {1, 2, 3}));
  CHECK(eval("a - b - c == -4", {1, 2, 3}));
  CHECK(eval("a / b / c == 2", {12, 2, 3}));
  CHECK(eval("a * b / c + a == 3", {1, 6, 3}));
}

TEST_CASE("parentheses group conditions and sums alike") {
  CHECK(eval("(a > 1 or b < 2) and c > 0", {0, 1, 1}));
  CHECK_FALSE(eval("(a > 1 or b < 2) and c > 0", {0, 1, 0}));
  CHECK(eval("(a + b) / 2 > 3", {4, 4}));
  CHECK_FALSE(eval("a + b / 2 > 6", {4, 4}));
  CHECK(eval("((a + b)) * 2 == 16 and ((a > 3))", {4, 4}));
  CHECK(eval("(a > 1) and (b - (c - 1)) == 2", {2, 2, 1}));
}

TEST_CASE("not negates and nests") {
  CHECK(eval("not a > 1", {0}));
  CHECK_FALSE(eval("not not a > 1", {0}));
  CHECK(eval("not not not a > 1", {0}));
  CHECK(eval("not (a > 1 and b > 1) and c == 0", {2, 0, 0}));
  CHECK(eval("not a > 1 or b > 1", {2, 2}));  // not binds tighter than or
}

TEST_CASE("all six comparisons compare numbers") {
  CHECK(eval("a < b", {1, 2}));
  CHECK_FALSE(eval("a < b", {2, 2}));
  CHECK(eval("a <= b", {2, 2}));
  CHECK_FALSE(eval("a <= b", {3, 2}));
  CHECK(eval("a > b", {3, 2}));
  CHECK_FALSE(eval("a > b", {2, 2}));
  CHECK(eval("a >= b", {2, 2}));
  CHECK_FALSE(eval("a >= b", {1, 2}));
  CHECK(eval("a == b", {2, 2}));
  CHECK_FALSE(eval("a == b", {1, 2}));
  CHECK(eval("a != b", {1, 2}));
  CHECK_FALSE(eval("a != b", {2, 2}));
}

TEST_CASE("numbers take a fraction and an exponent") {
  CHECK(eval("a == 4800", {4800}));
  CHECK(eval("a == 5.92", {5.92}));
  CHECK(eval("a == 2e5", {200000}));
  CHECK(eval("a == 1.5E-3", {0.0015}));
  CHECK(eval("a == 1e+3 and b == .5", {1000, 0.5}));
}

TEST_CASE("unary minus negates numbers") {
  CHECK(eval("a > -3", {-2}));
  CHECK(eval("-a == -2", {2}));
  CHECK(eval("a - -1 == 3 and - - a == 2", {2}));
  CHECK(eval("-(a + b) * 2 == -6", {1, 2}));
}

TEST_CASE("comparisons with NaN are false except != which is not ==") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const char* op : {"<", "<=", ">", ">=", "=="}) {
    CHECK_FALSE(eval(std::string("a ") + op + " 1", {nan}));
    CHECK_FALSE(eval(std::string("a ") + op + " a", {nan}));
  }
  CHECK(eval("a != 1", {nan}));
  CHECK(eval("a != a", {nan}));
  CHECK(eval("not a > 1", {nan}));
}

TEST_CASE("division by zero follows IEEE") {
  CHECK(eval("a / b > 1e308", {1, 0}));
  CHECK(eval("a / b < -1e308", {-1, 0}));
  CHECK_FALSE(eval("a / b == a / b", {0, 0}));
  CHECK(eval("1 / 0 > 1e308", {}));
}

TEST_CASE("evaluation reads each variable by its index") {
  const Condition c = compile("tpp >= 4800 and interconnect_gbps >= 600");
  const std::vector<double> h100 = {0, 0, 0, 15832, 900};
  const std::vector<double> h20 = {0, 0, 0, 2368, 900};
  const std::vector<double> a800 = {0, 0, 0, 4992, 400};
  CHECK(c.evaluate(h100));
  CHECK_FALSE(c.evaluate(h20));
  CHECK_FALSE(c.evaluate(a800));
  CHECK(c.text() == "tpp >= 4800 and interconnect_gbps >= 600");
  CHECK_FALSE(c.empty());
}

TEST_CASE("variables_used lists the variables once in index order") {
  CHECK(compile("interconnect_gbps > a and a < 3 or interconnect_gbps == 1").variables_used() ==
        std::vector<std::size_t>{0, 4});
  CHECK(compile("1 < 2").variables_used().empty());
}

TEST_CASE("a default Condition is empty and false") {
  const Condition c;
  CHECK(c.empty());
  CHECK(c.text().empty());
  CHECK_FALSE(c.evaluate({}));
}

TEST_CASE("a condition is read from a YAML scalar") {
  Diagnostics yd;
  const ConfigNode root =
      parse_yaml_text("covers: \"tpp >= 4800 and interconnect_gbps >= 600\"\n", "t.yaml", yd);
  REQUIRE(yd.empty());
  Diagnostics d;
  const auto c = parse_condition(*root.find("covers"), "rule.covers", kVars, d);
  REQUIRE(c.has_value());
  CHECK(d.empty());
  CHECK(c->evaluate(std::vector<double>{0, 0, 0, 5000, 600}));
}

TEST_CASE("an unknown variable is located and gets a did-you-mean hint") {
  const Diagnostics d = yaml_errors("tpp >= 4800 and interconect_gbps >= 600");
  REQUIRE(d.size() == 1);
  const Diagnostic& e = d.all()[0];
  CHECK(e.where.file == "t.yaml");
  CHECK(e.where.line == 1);
  CHECK(e.where.column == 9 + 16);
  CHECK(e.key_path == "rule.covers");
  CHECK(e.message == "unknown variable 'interconect_gbps'");
  CHECK(e.hint == "did you mean 'interconnect_gbps'?");
}

TEST_CASE("an unknown variable far from every name lists the known ones") {
  const Diagnostic e = text_error("zzzzzz > 1");
  CHECK(e.message == "unknown variable 'zzzzzz'");
  CHECK(e.hint == "known variables: a, b, c, tpp, interconnect_gbps");
  Diagnostics d;
  CHECK_FALSE(parse_condition_text("x > 1", kFirst, "c", {}, d).has_value());
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].hint == "no variables are available here");
}

TEST_CASE("every unknown variable is reported") {
  const Diagnostics d = yaml_errors("tp > 1 and zz < 2");
  REQUIRE(d.size() == 2);
  CHECK(d.all()[0].where.column == 9);
  CHECK(d.all()[1].where.column == 9 + 11);
}

TEST_CASE("errors in a quoted scalar are located after the quote") {
  const Diagnostics d = yaml_errors("\"tpp >= 4800 and tp >= 600\"");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9 + 1 + 16);
  const Diagnostics s = yaml_errors("'tpp >= 4800 and tp >= 600'");
  REQUIRE(s.size() == 1);
  CHECK(s.all()[0].where.column == 9 + 1 + 16);
}

TEST_CASE("a missing operand is reported where it should be") {
  const Diagnostics d = yaml_errors("tpp > 1 and");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9 + 11);
  CHECK(d.all()[0].message ==
        "expected a number, a variable or '(', found the end of the condition");
  const Diagnostic e = text_error("a > 1 and ) ");
  CHECK(e.where.column == 11);
  CHECK(e.message == "expected a number, a variable or '(', found ')'");
}

TEST_CASE("an unclosed parenthesis names the column of its opening") {
  const Diagnostics d = yaml_errors("(tpp > 1 or a < 2");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9 + 17);
  CHECK(d.all()[0].message ==
        "expected ')' to close the '(' at column 9, found the end of the condition");
  const Diagnostic e = text_error("a > (b + 1 c");
  CHECK(e.where.column == 12);
  CHECK(e.message == "expected ')' to close the '(' at column 5, found 'c'");
}

TEST_CASE("text after a complete condition is reported") {
  const Diagnostics d = yaml_errors("tpp > 1 xyz");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9 + 8);
  CHECK(d.all()[0].message == "unexpected 'xyz' after a complete condition");
  CHECK(d.all()[0].hint == "join conditions with 'and' or 'or'");
  const Diagnostic upper = text_error("a > 1 AND b > 1");
  CHECK(upper.where.column == 7);
  CHECK(upper.hint == "keywords are lowercase: write 'and'");
  const Diagnostic paren = text_error("a > 1)");
  CHECK(paren.where.column == 6);
  CHECK(paren.message == "unexpected ')' after a complete condition");
  const Diagnostic operand = text_error("a b > 1");
  CHECK(operand.where.column == 3);
  CHECK(contains(operand.message, "after 'a', found 'b'"));
}

TEST_CASE("chained comparisons are refused") {
  const Diagnostic e = text_error("a < b < c");
  CHECK(e.where.column == 7);
  CHECK(e.message == "comparisons cannot be chained, found '<' after 'a < b'");
  CHECK(contains(e.hint, "a < b and b < c"));
}

TEST_CASE("unexpected characters are reported") {
  const Diagnostics d = yaml_errors("tpp = 4800");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9 + 4);
  CHECK(d.all()[0].message == "unexpected character '='");
  CHECK(d.all()[0].hint == "compare with '=='");
  CHECK(text_error("a > 1 && b > 1").hint == "join conditions with 'and'");
  CHECK(text_error("a > 1 $").where.column == 7);
  const Diagnostic utf8 = text_error("a > 1 and caf\xc3\xa9 > 2");
  CHECK(utf8.where.column == 14);
  CHECK(contains(utf8.message, "unexpected character (byte 0xC3, not plain ASCII)"));
  const Diagnostic control = text_error("a >\x01 1");
  CHECK(control.where.column == 4);
  CHECK(contains(control.message, "unexpected character (byte 0x01, a control character)"));
}

TEST_CASE("malformed numbers are reported") {
  for (const char* bad : {"1_000", "4800x", "1.2.3", "2e", "2e+"}) {
    const Diagnostic e = text_error(std::string("a > ") + bad);
    CHECK(e.where.column == 5);
    CHECK(contains(e.message, "expected a number such as 4800, 5.92 or 2e5"));
  }
  CHECK(text_error("a > 1_000").message ==
        "expected a number such as 4800, 5.92 or 2e5, found '1_000'");
}

TEST_CASE("numbers beyond the range of a double are refused") {
  const Diagnostic e = text_error("1e999999 > 1");
  CHECK(e.where.column == 1);
  CHECK(e.message == "number '1e999999' is out of range");
}

TEST_CASE("arithmetic at the top level is refused") {
  const Diagnostics d = yaml_errors("tpp + 3");
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.column == 9);
  CHECK(d.all()[0].message ==
        "expected a comparison (<, <=, >, >=, ==, !=), found 'tpp + 3', which is a number");
  CHECK(contains(d.all()[0].hint, "'tpp + 3 > 0'"));
  CHECK(contains(text_error("(a + b)").message, "which is a number"));
  CHECK(contains(text_error("4800").message, "which is a number"));
}

TEST_CASE("and or and not need conditions as operands") {
  const Diagnostic e = text_error("a > 1 and b");
  CHECK(e.where.column == 11);
  CHECK(e.message ==
        "expected a comparison (<, <=, >, >=, ==, !=) after 'and', found 'b', "
        "which is a number");
  CHECK(text_error("a + 1 or b > 1").message ==
        "expected a comparison (<, <=, >, >=, ==, !=) before 'or', found 'a + 1', which is a "
        "number");
  const Diagnostic n = text_error("not (a)");
  CHECK(n.where.column == 5);
  CHECK(contains(n.message, "after 'not'"));
}

TEST_CASE("arithmetic and comparisons need numbers as operands") {
  const Diagnostic sum = text_error("(a > 1) + 1 > 0");
  CHECK(sum.where.column == 1);
  CHECK(sum.message == "expected a number before '+', found '(a > 1)', which is true or false");
  const Diagnostic cmp = text_error("a == (b > 1)");
  CHECK(cmp.where.column == 6);
  CHECK(cmp.message == "expected a number after '==', found '(b > 1)', which is true or false");
  CHECK(contains(text_error("-(a > 1) > 0").message, "after '-'"));
}

TEST_CASE("one mistake gives one message") {
  for (const char* text : {"-zz * 2 + 1", "not (zz)", "(zz > 1) + 1 > 0 and zz"}) {
    INFO(text);
    Diagnostics d;
    CHECK_FALSE(parse_condition_text(text, kFirst, "c", kVars, d).has_value());
    REQUIRE(d.size() == (std::string(text).find("and") == std::string::npos ? 1u : 2u));
    CHECK(d.all()[0].message == "unknown variable 'zz'");
  }
}

TEST_CASE("empty and blank text is refused") {
  for (const char* blank : {"\"\"", "\"   \"", "''"}) {
    const Diagnostics d = yaml_errors(blank);
    REQUIRE(d.size() == 1);
    CHECK(contains(d.all()[0].message, "empty condition"));
    CHECK(d.all()[0].where.column == 9);
  }
}

TEST_CASE("a node that is not a scalar is refused") {
  for (const auto& [yaml, found] : std::vector<std::pair<std::string, std::string>>{
           {"[tpp > 1]", "a list"}, {"{tpp: 1}", "a mapping"}, {"", "nothing"}}) {
    const Diagnostics d = yaml_errors(yaml);
    REQUIRE(d.size() == 1);
    CHECK(d.all()[0].message ==
          "expected a condition such as 'tpp >= 4800 and interconnect_gbps >= 600', found " +
              found);
    CHECK(d.all()[0].key_path == "rule.covers");
  }
}

TEST_CASE("deep nesting is refused without a crash") {
  const Diagnostic parens = text_error(std::string(1000, '('));
  CHECK(parens.where.column == 65);
  CHECK(contains(parens.message, "nested too deeply"));
  std::string nots;
  for (int i = 0; i < 400; ++i) nots += "not ";
  CHECK(text_error(nots + "a > 1").where.column == 1 + 64 * 4);
  CHECK(contains(text_error("a > " + std::string(1500, '-') + "1").message, "nested too deeply"));
}

TEST_CASE("nesting up to the limit parses and evaluates") {
  std::string logic, sum;
  for (int i = 0; i < 64; ++i) {
    logic += "a > 0 or a > 0 and (";
    sum += "a + a * (";
  }
  logic += "a > 0" + std::string(64, ')');
  sum += "a" + std::string(64, ')') + " > 0";
  CHECK(eval(logic, {1}));
  CHECK_FALSE(eval(logic, {0}));
  CHECK(eval(sum, {1}));
  CHECK(eval("(((((a > 1)))))", {2}));
}

TEST_CASE("overlong text is refused") {
  std::string longest = "a > 1";
  while (longest.size() + 10 <= 2000) longest += " and a > 1";
  CHECK(eval(longest, {2}));
  const Diagnostic e = text_error(longest + "          ");
  CHECK(e.message == "condition too long: 2005 characters, at most 2000");
  CHECK(e.where.column == 1);
  CHECK(contains(text_error(std::string(100000, '(')).message, "too long"));
}

TEST_CASE("a multi-line condition is located at its node") {
  Diagnostics yd;
  const ConfigNode root = parse_yaml_text("covers: |\n  tpp > 1\n  and tp > 2\n", "t.yaml", yd);
  REQUIRE(yd.empty());
  const ConfigNode& node = *root.find("covers");
  Diagnostics d;
  CHECK_FALSE(parse_condition(node, "rule.covers", kVars, d).has_value());
  REQUIRE(d.size() == 1);
  CHECK(d.all()[0].where.line == node.where.line);
  CHECK(d.all()[0].where.column == node.where.column);
  const Diagnostic e = text_error("(a > 1\n and b > 1");
  CHECK(e.where.column == 1);
  CHECK(contains(e.message, "'(' at character 1 of the condition"));
  CHECK(eval("a > 1\n  and b > 1", {2, 2}));
}

TEST_CASE("hostile text gives clean errors") {
  for (const char* bad : {"(", ")", ">>>", "a and", "not", "-", "((((a", "a >", "()", "a > 1 or",
                          "and", "a > > 1", "1e999999 > 1"}) {
    INFO(bad);
    Diagnostics d;
    CHECK_FALSE(parse_condition_text(bad, kFirst, "c", kVars, d).has_value());
    CHECK_FALSE(d.empty());
  }
}

}  // namespace condition_test
