#include "sim/core/condition.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <cstdio>
#include <utility>

namespace airace {

namespace {

constexpr std::size_t kMaxTextLength = 2000;
// Each '(', 'not' and unary '-' is one level of recursion in the parser: the limit keeps
// hostile text from overflowing the native stack.
constexpr int kMaxNesting = 64;
// Within one level of parentheses at most five values wait on the evaluation stack (left
// operands of or, and, a comparison, + and *), so this bounds any accepted condition.
constexpr std::size_t kStackCapacity = 5 * (kMaxNesting + 1) + 1;
constexpr const char* kComparisons = "a comparison (<, <=, >, >=, ==, !=)";

// clang-format off
enum class Tok {
  number, name, kw_and, kw_or, kw_not, lt, le, gt, ge, eq, ne,  // comparisons lt..ne in order
  plus, minus, star, slash, lparen, rparen, end
};
// clang-format on

struct Token {
  Tok kind;
  std::size_t begin;  // offsets into the text
  std::size_t end;
  double number = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_comparison(Tok t) { return t >= Tok::lt && t <= Tok::ne; }

// Thrown after a syntax error is reported: nothing after it can be parsed reliably.
struct SyntaxError {};

}  // namespace

class ConditionParser {
 public:
  ConditionParser(const std::string& text, SourceLocation origin, int quote_shift,
                  const std::string& path, const std::vector<std::string>& variables,
                  Diagnostics& diags)
      : text_(text),
        origin_(std::move(origin)),
        quote_shift_(quote_shift),
        single_line_(text.find('\n') == std::string::npos),
        path_(path),
        variables_(variables),
        diags_(diags) {}

  std::optional<Condition> parse() {
    if (text_.size() > kMaxTextLength) {
      diags_.error(origin_, path_,
                   "condition too long: " + std::to_string(text_.size()) + " characters, at most " +
                       std::to_string(kMaxTextLength),
                   "split the rule, or name an intermediate quantity");
      return std::nullopt;
    }
    if (text_.find_first_not_of(" \t\r\n") == std::string::npos) {
      diags_.error(origin_, path_,
                   "empty condition: expected " + std::string(kComparisons) +
                       " such as 'tpp >= 4800', found nothing");
      return std::nullopt;
    }
    try {
      lex();
      const Sub all = parse_or(0);
      const Token& t = peek();
      if (t.kind != Tok::end && all.type == Type::number)
        fail(t, "expected " + std::string(kComparisons) + " or + - * / after '" + snippet(all) +
                    "', found " + describe(t));
      if (t.kind != Tok::end)
        fail(t, "unexpected " + describe(t) + " after a complete condition", trailing_hint(t));
      if (all.type == Type::number)
        type_error(all.begin,
                   "expected " + std::string(kComparisons) + ", found " + quoted(all) +
                       ", which is a number",
                   "a condition is true or false, e.g. '" + snippet(all) + " > 0'");
    } catch (const SyntaxError&) {
      return std::nullopt;
    }
    if (failed_) return std::nullopt;
    // The bound above holds by construction; checked anyway, so that evaluate() can never
    // write past its fixed stack whatever the text.
    if (max_stack_ > kStackCapacity) {
      diags_.error(origin_, path_, "condition too complex to evaluate",
                   "split the rule, or name an intermediate quantity");
      return std::nullopt;
    }
    std::sort(cond_.variables_used_.begin(), cond_.variables_used_.end());
    cond_.variables_used_.erase(
        std::unique(cond_.variables_used_.begin(), cond_.variables_used_.end()),
        cond_.variables_used_.end());
    cond_.text_ = text_;
    return std::move(cond_);
  }

 private:
  // `invalid` follows a reported error, and is accepted everywhere so one mistake gives one
  // message.
  enum class Type { number, boolean, invalid };
  struct Sub {
    Type type;
    std::size_t begin;  // text span, for messages
    std::size_t end;
  };
  using Op = Condition::Op;

  SourceLocation at(std::size_t offset) const {
    SourceLocation loc = origin_;
    if (single_line_ && loc.column > 0) loc.column += quote_shift_ + static_cast<int>(offset);
    return loc;
  }
  std::string place(std::size_t offset) const {
    if (single_line_ && origin_.column > 0) return "column " + std::to_string(at(offset).column);
    return "character " + std::to_string(offset + 1) + " of the condition";
  }
  std::string snippet(const Sub& s) const {
    const std::string t = text_.substr(s.begin, s.end - s.begin);
    return t.size() <= 40 ? t : t.substr(0, 37) + "...";
  }
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string&&.
  static std::string in_quotes(std::string_view x) {
    std::string q(1, '\'');
    q.append(x);
    q.push_back('\'');
    return q;
  }
  std::string quoted(const Sub& s) const { return in_quotes(snippet(s)); }
  std::string describe(const Token& t) const {
    if (t.kind == Tok::end) return "the end of the condition";
    return in_quotes(std::string_view(text_).substr(t.begin, t.end - t.begin));
  }
  std::string trailing_hint(const Token& t) const {
    std::string word = text_.substr(t.begin, t.end - t.begin);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t.kind == Tok::name && (word == "and" || word == "or" || word == "not"))
      return "keywords are lowercase: write '" + word + "'";
    if (t.kind == Tok::rparen) return "no '(' is open here";
    return "join conditions with 'and' or 'or'";
  }

  [[noreturn]] void fail(std::size_t offset, const std::string& message,
                         const std::string& hint = {}) {
    diags_.error(at(offset), path_, message, hint);
    throw SyntaxError{};
  }
  [[noreturn]] void fail(const Token& t, const std::string& message, const std::string& hint = {}) {
    fail(t.begin, message, hint);
  }
  void type_error(std::size_t offset, const std::string& message, const std::string& hint = {}) {
    diags_.error(at(offset), path_, message, hint);
    failed_ = true;
  }

  void lex() {
    const std::string& s = text_;
    std::size_t i = 0;
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
      if (i == s.size()) break;
      const std::size_t b = i;
      const char c = s[i];
      if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
        while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) ++i;
        if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
          std::size_t j = i + 1;
          if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
          if (j < s.size() && is_digit(s[j])) i = j;
          while (i < s.size() && is_digit(s[i])) ++i;
        }
        while (i < s.size() && (is_name_char(s[i]) || s[i] == '.')) ++i;  // e.g. 1_000, 4800x
        Token t{Tok::number, b, i};
        const auto [p, ec] = std::from_chars(s.data() + b, s.data() + i, t.number);
        const std::string found = s.substr(b, i - b);
        if (ec == std::errc::result_out_of_range && p == s.data() + i)
          fail(b, "number '" + found + "' is out of range",
               "numbers must lie between about 1e-308 and 1e308 in size");
        if (ec != std::errc() || p != s.data() + i)
          fail(b, "expected a number such as 4800, 5.92 or 2e5, found '" + found + "'");
        tokens_.push_back(t);
      } else if (is_name_start(c)) {
        while (i < s.size() && is_name_char(s[i])) ++i;
        const std::string_view w(s.data() + b, i - b);
        const Tok k = w == "and"   ? Tok::kw_and
                      : w == "or"  ? Tok::kw_or
                      : w == "not" ? Tok::kw_not
                                   : Tok::name;
        tokens_.push_back({k, b, i});
      } else {
        const char d = i + 1 < s.size() ? s[i + 1] : '\0';
        Tok k = Tok::end;
        switch (c) {
          case '<': k = d == '=' ? Tok::le : Tok::lt; break;
          case '>': k = d == '=' ? Tok::ge : Tok::gt; break;
          case '=': k = d == '=' ? Tok::eq : Tok::end; break;
          case '!': k = d == '=' ? Tok::ne : Tok::end; break;
          case '+': k = Tok::plus; break;
          case '-': k = Tok::minus; break;
          case '*': k = Tok::star; break;
          case '/': k = Tok::slash; break;
          case '(': k = Tok::lparen; break;
          case ')': k = Tok::rparen; break;
          default: break;
        }
        if (k == Tok::end) unexpected_character(b);
        i += (k == Tok::le || k == Tok::ge || k == Tok::eq || k == Tok::ne) ? 2 : 1;
        tokens_.push_back({k, b, i});
      }
    }
    tokens_.push_back({Tok::end, s.size(), s.size()});
  }

  [[noreturn]] void unexpected_character(std::size_t offset) {
    const auto c = static_cast<unsigned char>(text_[offset]);
    std::string shown;
    if (c >= 0x20 && c < 0x7f) {
      shown = std::string("'") + static_cast<char>(c) + "'";
    } else {
      char buf[48];
      std::snprintf(buf, sizeof buf, "(byte 0x%02X, %s)", c,
                    c >= 0x80 ? "not plain ASCII" : "a control character");
      shown = buf;
    }
    std::string hint;
    switch (c) {
      case '=': hint = "compare with '=='"; break;
      case '!': hint = "write 'not' or '!='"; break;
      case '&': hint = "join conditions with 'and'"; break;
      case '|': hint = "join conditions with 'or'"; break;
      default: break;
    }
    fail(offset, "unexpected character " + shown, hint);
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_++]; }

  void emit(Op op, std::uint32_t variable = 0, double number = 0) {
    if (op == Op::number || op == Op::variable) {
      max_stack_ = std::max(max_stack_, ++stack_);
    } else if (op != Op::negate && op != Op::negation) {
      --stack_;
    }
    cond_.code_.push_back({op, variable, number});
  }
  void enter(const Token& t, int depth) {
    if (depth > kMaxNesting)
      fail(t,
           "condition nested too deeply: more than " + std::to_string(kMaxNesting) +
               " levels of '(', 'not' or '-'",
           "simplify the condition");
  }

  // Reports a type error unless s has the wanted type; returns whether the result is usable.
  bool want(const Sub& s, Type wanted, const std::string& where) {
    if (s.type == Type::invalid) return false;
    if (s.type == wanted) return true;
    if (wanted == Type::boolean)
      type_error(s.begin, "expected " + std::string(kComparisons) + " " + where + ", found " +
                              quoted(s) + ", which is a number");
    else
      type_error(s.begin, "expected a number " + where + ", found " + quoted(s) +
                              ", which is true or false");
    return false;
  }
  Sub binary(const Sub& l, const Token& t, const Sub& r, Op op, Type operands, Type result) {
    const std::string name = describe(t);
    const bool ok_l = want(l, operands, "before " + name);
    const bool ok_r = want(r, operands, "after " + name);
    emit(op);
    return {ok_l && ok_r ? result : Type::invalid, l.begin, r.end};
  }

  Sub parse_or(int depth) {
    Sub l = parse_and(depth);
    while (peek().kind == Tok::kw_or) {
      const Token& t = next();
      l = binary(l, t, parse_and(depth), Op::either, Type::boolean, Type::boolean);
    }
    return l;
  }
  Sub parse_and(int depth) {
    Sub l = parse_not(depth);
    while (peek().kind == Tok::kw_and) {
      const Token& t = next();
      l = binary(l, t, parse_not(depth), Op::both, Type::boolean, Type::boolean);
    }
    return l;
  }
  Sub parse_not(int depth) {
    if (peek().kind != Tok::kw_not) return parse_comparison(depth);
    const Token& t = next();
    enter(t, depth + 1);
    const Sub inner = parse_not(depth + 1);
    const bool ok = want(inner, Type::boolean, "after 'not'");
    emit(Op::negation);
    return {ok ? Type::boolean : Type::invalid, t.begin, inner.end};
  }
  Sub parse_comparison(int depth) {
    const Sub l = parse_sum(depth);
    if (!is_comparison(peek().kind)) return l;
    const Token& t = next();
    static constexpr Op kOps[] = {Op::less,          Op::less_equal, Op::greater,
                                  Op::greater_equal, Op::equal,      Op::not_equal};
    const Sub r = parse_sum(depth);
    const Sub c = binary(l, t, r, kOps[static_cast<int>(t.kind) - static_cast<int>(Tok::lt)],
                         Type::number, Type::boolean);
    if (is_comparison(peek().kind))
      fail(peek(),
           "comparisons cannot be chained, found " + describe(peek()) + " after '" + snippet(c) +
               "'",
           "join two comparisons with 'and', e.g. 'a < b and b < c'");
    return c;
  }
  Sub parse_sum(int depth) {
    Sub l = parse_product(depth);
    while (peek().kind == Tok::plus || peek().kind == Tok::minus) {
      const Token& t = next();
      const Op op = t.kind == Tok::plus ? Op::add : Op::subtract;
      l = binary(l, t, parse_product(depth), op, Type::number, Type::number);
    }
    return l;
  }
  Sub parse_product(int depth) {
    Sub l = parse_unary(depth);
    while (peek().kind == Tok::star || peek().kind == Tok::slash) {
      const Token& t = next();
      const Op op = t.kind == Tok::star ? Op::multiply : Op::divide;
      l = binary(l, t, parse_unary(depth), op, Type::number, Type::number);
    }
    return l;
  }
  Sub parse_unary(int depth) {
    if (peek().kind != Tok::minus) return parse_primary(depth);
    const Token& t = next();
    enter(t, depth + 1);
    const Sub inner = parse_unary(depth + 1);
    const bool ok = want(inner, Type::number, "after '-'");
    emit(Op::negate);
    return {ok ? Type::number : Type::invalid, t.begin, inner.end};
  }
  Sub parse_primary(int depth) {
    const Token& t = next();
    if (t.kind == Tok::number) {
      emit(Op::number, 0, t.number);
      return {Type::number, t.begin, t.end};
    }
    if (t.kind == Tok::name) return variable(t);
    if (t.kind != Tok::lparen)
      fail(t, "expected a number, a variable or '(', found " + describe(t));
    enter(t, depth + 1);
    // A parenthesis may hold a condition or a sum: parse the wider one and let its type decide.
    const Sub inner = parse_or(depth + 1);
    const Token& close = peek();
    if (close.kind != Tok::rparen)
      fail(close,
           "expected ')' to close the '(' at " + place(t.begin) + ", found " + describe(close));
    next();
    return {inner.type, t.begin, close.end};
  }
  Sub variable(const Token& t) {
    const std::string name = text_.substr(t.begin, t.end - t.begin);
    const auto it = std::find(variables_.begin(), variables_.end(), name);
    if (it == variables_.end()) {
      const std::string hint = variables_.empty() ? "no variables are available here"
                                                  : suggest(name, variables_, "known variables");
      type_error(t.begin, "unknown variable '" + name + "'", hint);
      emit(Op::number, 0, 0);  // keeps the stack count right while parsing goes on
      return {Type::invalid, t.begin, t.end};
    }
    const auto index = static_cast<std::size_t>(it - variables_.begin());
    emit(Op::variable, static_cast<std::uint32_t>(index));
    cond_.variables_used_.push_back(index);
    return {Type::number, t.begin, t.end};
  }

  const std::string& text_;
  SourceLocation origin_;
  int quote_shift_;  // 1 for a quoted scalar: the text starts after the quote
  bool single_line_;
  const std::string& path_;
  const std::vector<std::string>& variables_;
  Diagnostics& diags_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t stack_ = 0;
  std::size_t max_stack_ = 0;
  bool failed_ = false;  // a type error or unknown name was reported
  Condition cond_;
};

bool Condition::evaluate(std::span<const double> values) const {
  if (code_.empty()) return false;
  std::array<double, kStackCapacity> stack;  // booleans are 0 and 1
  std::size_t n = 0;
  for (const Instruction& in : code_) {
    switch (in.op) {
      case Op::number: stack[n++] = in.number; continue;
      case Op::variable:  // a value the caller did not supply is unknown: NaN
        stack[n++] = in.variable < values.size() ? values[in.variable]
                                                 : std::numeric_limits<double>::quiet_NaN();
        continue;
      case Op::negate: stack[n - 1] = -stack[n - 1]; continue;
      case Op::negation: stack[n - 1] = stack[n - 1] == 0; continue;
      default: break;
    }
    const double b = stack[--n];
    double& a = stack[n - 1];
    switch (in.op) {
      case Op::add: a = a + b; break;
      case Op::subtract: a = a - b; break;
      case Op::multiply: a = a * b; break;
      case Op::divide: a = a / b; break;
      case Op::less: a = a < b; break;
      case Op::less_equal: a = a <= b; break;
      case Op::greater: a = a > b; break;
      case Op::greater_equal: a = a >= b; break;
      case Op::equal: a = a == b; break;
      case Op::not_equal: a = !(a == b); break;
      case Op::both: a = a != 0 && b != 0; break;
      case Op::either: a = a != 0 || b != 0; break;
      default: break;
    }
  }
  return stack[0] != 0;
}

std::optional<Condition> parse_condition(const ConfigNode& node, const std::string& path,
                                         const std::vector<std::string>& variables,
                                         Diagnostics& diags) {
  if (!node.is_scalar()) {
    diags.error(node.where, path,
                "expected a condition such as 'tpp >= 4800 and interconnect_gbps >= 600', found " +
                    node.describe());
    return std::nullopt;
  }
  return ConditionParser(node.scalar, node.where, node.quoted ? 1 : 0, path, variables, diags)
      .parse();
}

std::optional<Condition> parse_condition_text(const std::string& text, SourceLocation first_char,
                                              const std::string& path,
                                              const std::vector<std::string>& variables,
                                              Diagnostics& diags) {
  return ConditionParser(text, std::move(first_char), 0, path, variables, diags).parse();
}

}  // namespace airace
