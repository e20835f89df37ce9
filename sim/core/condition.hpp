#pragma once
// A condition written in scenario text, such as "tpp >= 4800 and interconnect_gbps >= 600" or
// "us_cn_gap_months < 3 or cn_smuggled_h100e > 2e5": comparisons of arithmetic over named
// numbers, joined by and/or/not. The text is data, never code: it is parsed once, against the
// variable names the caller supplies, into postfix code that evaluate() runs without allocating.
//
//   or_expr    := and_expr ('or' and_expr)*        and_expr := not_expr ('and' not_expr)*
//   not_expr   := 'not' not_expr | comparison | '(' or_expr ')'
//   comparison := sum ('<' | '<=' | '>' | '>=' | '==' | '!=') sum
//   sum := product (('+' | '-') product)*   product := unary (('*' | '/') unary)*
//   unary := '-' unary | NUMBER | NAME | '(' sum ')'
//
// Types are checked when parsing: the whole text, and each operand of and/or/not, must be true
// or false; each operand of a comparison or of arithmetic must be a number. That is also what
// tells a parenthesised condition from a parenthesised sum.
// Values are IEEE doubles: x / 0 is inf or nan, and every comparison with nan is false except
// '!=', which is defined as not '=='.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/core/config_tree.hpp"
#include "sim/core/diagnostics.hpp"

namespace airace {

class Condition {
 public:
  Condition() = default;  // empty: evaluate() returns false
  bool empty() const { return code_.empty(); }
  // values[i] is the value of variables[i] as given to parse_condition; values must be long
  // enough for every index in variables_used().
  bool evaluate(std::span<const double> values) const;
  const std::string& text() const { return text_; }
  // Indices into the parse-time variable list, sorted and unique.
  const std::vector<std::size_t>& variables_used() const { return variables_used_; }

 private:
  friend class ConditionParser;
  // clang-format off
  enum class Op : std::uint8_t {
    number, variable, negate, add, subtract, multiply, divide,
    less, less_equal, greater, greater_equal, equal, not_equal, both, either, negation
  };
  // clang-format on
  struct Instruction {
    Op op;
    std::uint32_t variable;  // for Op::variable
    double number;           // for Op::number
  };
  std::string text_;
  std::vector<Instruction> code_;  // postfix
  std::vector<std::size_t> variables_used_;
};

// Parses the scalar `node`. `path` is the key path for messages (e.g.
// "export_rules[bis_2023_10].covers"); `variables` lists the names the text may use. Errors,
// located at the offending character, go to diags, and the result is then std::nullopt.
std::optional<Condition> parse_condition(const ConfigNode& node, const std::string& path,
                                         const std::vector<std::string>& variables,
                                         Diagnostics& diags);
// The same from plain text whose first character is at `first_char` (tests, command line).
std::optional<Condition> parse_condition_text(const std::string& text, SourceLocation first_char,
                                              const std::string& path,
                                              const std::vector<std::string>& variables,
                                              Diagnostics& diags);

}  // namespace airace
