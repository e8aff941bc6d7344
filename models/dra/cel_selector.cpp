#include "models/dra/cel_selector.hpp"

#include <array>
#include <charconv>
#include <vector>

#include "models/dra/dra_objects.hpp"

namespace kubetwin::models::dra {

// --- the parsed tree -------------------------------------------------------------------------

namespace {

enum class Op : std::uint8_t {
  Literal, Device, List, Select, Index, Has, Method, Size,
  Not, Neg, And, Or, Cond, Eq, Ne, Lt, Le, Gt, Ge, In, Add, Sub, Mul, Div, Mod,
};

enum class Method : std::uint8_t {
  None, CompareTo, IsGreaterThan, IsLessThan, Major, Minor, Patch, AsInteger, StartsWith, EndsWith, Contains, Size,
};

struct MethodInfo {
  std::string_view name;
  Method method;
  int arity;
};
constexpr std::array<MethodInfo, 11> kMethods{{
    {"compareTo", Method::CompareTo, 1},
    {"isGreaterThan", Method::IsGreaterThan, 1},
    {"isLessThan", Method::IsLessThan, 1},
    {"major", Method::Major, 0},
    {"minor", Method::Minor, 0},
    {"patch", Method::Patch, 0},
    {"asInteger", Method::AsInteger, 0},
    {"startsWith", Method::StartsWith, 1},
    {"endsWith", Method::EndsWith, 1},
    {"contains", Method::Contains, 1},
    {"size", Method::Size, 0},
}};

using Literal = std::variant<bool, std::int64_t, std::string, DeviceQuantity, SemVer>;

struct Node {
  Op op = Op::Literal;
  Method method = Method::None;
  int a = -1, b = -1, c = -1;  // operands (c: the else branch of ?:)
  std::vector<int> items;      // list elements
  Literal literal;
  std::string field;  // Select and Has
};

}  // namespace

struct CelSelector::Program {
  std::string expression;
  std::vector<Node> nodes;
  int root = -1;
};

std::string CelParseError::describe() const { return "column " + std::to_string(position + 1) + ": " + message; }

const std::string& CelSelector::expression() const { return program_->expression; }

// --- parsing -----------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxExpressionBytes = 10 * 1024;  // upstream's limit per selector
constexpr int kMaxDepth = 64;

struct ParseFailure {
  CelParseError error;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  CelSelector::Program run() {
    CelSelector::Program p;
    p.expression = std::string(text_);
    if (text_.size() > kMaxExpressionBytes) fail(0, "expression longer than 10 KiB");
    skip_space();
    if (pos_ == text_.size()) fail(0, "empty expression");
    p.root = expression(0);
    skip_space();
    if (pos_ != text_.size()) fail(pos_, "unexpected '" + std::string(1, text_[pos_]) + "'");
    const Node& root = nodes_[static_cast<std::size_t>(p.root)];
    const bool not_bool = (root.op == Op::Literal && !std::holds_alternative<bool>(root.literal)) ||
                          root.op == Op::List || root.op == Op::Device || root.op == Op::Add || root.op == Op::Sub ||
                          root.op == Op::Mul || root.op == Op::Div || root.op == Op::Mod || root.op == Op::Neg ||
                          root.op == Op::Size ||
                          (root.op == Op::Select && nodes_[static_cast<std::size_t>(root.a)].op == Op::Device);
    if (not_bool) fail(0, "must evaluate to bool");
    p.nodes = std::move(nodes_);
    return p;
  }

 private:
  [[noreturn]] void fail(std::size_t at, std::string message) { throw ParseFailure{{at, std::move(message)}}; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }
  bool peek(std::string_view token) {
    skip_space();
    return text_.substr(pos_, token.size()) == token;
  }
  bool accept(std::string_view token) {
    if (!peek(token)) return false;
    pos_ += token.size();
    return true;
  }
  void expect(std::string_view token) {
    if (!accept(token)) {
      fail(pos_, pos_ < text_.size() ? "expected '" + std::string(token) + "', found '" + std::string(1, text_[pos_]) + "'"
                                     : "expected '" + std::string(token) + "' at the end");
    }
  }
  int add(Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size() - 1);
  }
  int binary(Op op, int a, int b) {
    Node n;
    n.op = op;
    n.a = a;
    n.b = b;
    return add(std::move(n));
  }
  void enter(int depth) {
    if (depth > kMaxDepth) fail(pos_, "expression nests too deeply");
  }

  int expression(int depth) {
    enter(depth);
    const int cond = logical_or(depth + 1);
    if (!accept("?")) return cond;
    const int then = expression(depth + 1);
    expect(":");
    const int otherwise = expression(depth + 1);
    Node n;
    n.op = Op::Cond;
    n.a = cond;
    n.b = then;
    n.c = otherwise;
    return add(std::move(n));
  }
  int logical_or(int depth) {
    int left = logical_and(depth);
    while (accept("||")) left = binary(Op::Or, left, logical_and(depth));
    return left;
  }
  int logical_and(int depth) {
    int left = relation(depth);
    while (accept("&&")) left = binary(Op::And, left, relation(depth));
    return left;
  }
  int relation(int depth) {
    int left = additive(depth);
    for (;;) {
      Op op;
      if (accept("==")) op = Op::Eq;
      else if (accept("!=")) op = Op::Ne;
      else if (accept("<=")) op = Op::Le;
      else if (accept(">=")) op = Op::Ge;
      else if (accept("<")) op = Op::Lt;
      else if (accept(">")) op = Op::Gt;
      else if (peek("in") && !ident_char_at(pos_ + 2)) {
        pos_ += 2;
        op = Op::In;
      } else {
        return left;
      }
      left = binary(op, left, additive(depth));
    }
  }
  int additive(int depth) {
    int left = multiplicative(depth);
    for (;;) {
      if (accept("+")) left = binary(Op::Add, left, multiplicative(depth));
      else if (accept("-")) left = binary(Op::Sub, left, multiplicative(depth));
      else return left;
    }
  }
  int multiplicative(int depth) {
    int left = unary(depth);
    for (;;) {
      if (accept("*")) left = binary(Op::Mul, left, unary(depth));
      else if (accept("/")) left = binary(Op::Div, left, unary(depth));
      else if (accept("%")) left = binary(Op::Mod, left, unary(depth));
      else return left;
    }
  }
  int unary(int depth) {
    enter(depth);
    if (peek("!") && !peek("!=")) {
      ++pos_;
      Node n;
      n.op = Op::Not;
      n.a = unary(depth + 1);
      return add(std::move(n));
    }
    if (peek("-") && !(pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
      ++pos_;
      Node n;
      n.op = Op::Neg;
      n.a = unary(depth + 1);
      return add(std::move(n));
    }
    return member(depth + 1);
  }
  int member(int depth) {
    int target = primary(depth);
    for (;;) {
      if (accept(".")) {
        skip_space();
        const std::size_t at = pos_;
        std::string name = identifier();
        if (accept("(")) {
          const MethodInfo* m = find_method(name);
          if (m == nullptr) fail(at, "undeclared method '" + name + "'");
          Node n;
          n.op = Op::Method;
          n.method = m->method;
          n.a = target;
          if (m->arity == 1) n.b = expression(depth + 1);
          expect(")");
          target = add(std::move(n));
          continue;
        }
        if (nodes_[static_cast<std::size_t>(target)].op == Op::Device && name != "driver" && name != "attributes" &&
            name != "capacity") {
          fail(at, "undefined field '" + name + "' (device has driver, attributes, capacity)");
        }
        Node n;
        n.op = Op::Select;
        n.a = target;
        n.field = std::move(name);
        target = add(std::move(n));
      } else if (accept("[")) {
        const int index = expression(depth + 1);
        expect("]");
        target = binary(Op::Index, target, index);
      } else {
        return target;
      }
    }
  }
  int primary(int depth) {
    skip_space();
    if (pos_ == text_.size()) fail(pos_, "unexpected end of expression");
    const std::size_t at = pos_;
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      const int inner = expression(depth + 1);
      expect(")");
      return inner;
    }
    if (c == '[') {
      ++pos_;
      Node n;
      n.op = Op::List;
      if (!accept("]")) {
        do {
          n.items.push_back(expression(depth + 1));
        } while (accept(","));
        expect("]");
      }
      return add(std::move(n));
    }
    if (c == '"' || c == '\'') return literal(string_literal());
    if (is_digit(c) || c == '-') return literal(integer_literal());
    if (!ident_char_at(pos_)) fail(at, "unexpected '" + std::string(1, c) + "'");
    const std::string name = identifier();
    if (name == "true" || name == "false") return literal(name == "true");
    if (name == "null") fail(at, "null is not supported in kubetwin's CEL subset");
    if (accept("(")) return call(name, at, depth);
    if (name != "device") fail(at, "undeclared reference to '" + name + "' (the only variable is 'device')");
    Node n;
    n.op = Op::Device;
    return add(std::move(n));
  }
  int call(const std::string& name, std::size_t at, int depth) {
    if (name == "has") {
      const int arg = expression(depth + 1);
      expect(")");
      if (nodes_[static_cast<std::size_t>(arg)].op != Op::Select) fail(at, "has() needs a field selection, e.g. has(device.attributes[\"d\"].name)");
      Node n = nodes_[static_cast<std::size_t>(arg)];
      n.op = Op::Has;
      return add(std::move(n));
    }
    if (name == "size") {
      Node n;
      n.op = Op::Size;
      n.a = expression(depth + 1);
      expect(")");
      return add(std::move(n));
    }
    if (name == "quantity" || name == "semver") {
      skip_space();
      const std::size_t arg_at = pos_;
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        fail(arg_at, name + "() takes a string literal in kubetwin's CEL subset");
      }
      const std::string s = string_literal();
      expect(")");
      if (name == "quantity") {
        const auto q = parse_device_quantity(s);
        if (!q) fail(arg_at, "invalid quantity \"" + s + "\"");
        return literal(*q);
      }
      auto v = parse_semver(s);
      if (!v) fail(arg_at, "invalid semantic version \"" + s + "\"");
      return literal(std::move(*v));
    }
    fail(at, "undeclared function '" + name + "'");
  }
  int literal(Literal value) {
    Node n;
    n.op = Op::Literal;
    n.literal = std::move(value);
    return add(std::move(n));
  }
  std::string string_literal() {
    const char quote = text_[pos_];
    const std::size_t start = pos_++;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        const char e = text_[pos_++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case '\\': case '"': case '\'': c = e; break;
          default: fail(pos_ - 2, std::string("unsupported escape '\\") + e + "'");
        }
      }
      out += c;
    }
    if (pos_ >= text_.size()) fail(start, "unterminated string literal");
    ++pos_;
    return out;
  }
  std::int64_t integer_literal() {
    const std::size_t start = pos_;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
    if (ec != std::errc()) fail(start, ec == std::errc::result_out_of_range ? "integer literal out of range" : "invalid number");
    pos_ = static_cast<std::size_t>(end - text_.data());
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'u')) {
      fail(start, "only int literals are supported (no double or uint)");
    }
    return v;
  }
  std::string identifier() {
    const std::size_t start = pos_;
    while (ident_char_at(pos_)) ++pos_;
    if (start == pos_) fail(start, pos_ < text_.size() ? "expected a name, found '" + std::string(1, text_[pos_]) + "'" : "expected a name");
    if (is_digit(text_[start])) fail(start, "a name cannot start with a digit");
    return std::string(text_.substr(start, pos_ - start));
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  bool ident_char_at(std::size_t i) const {
    if (i >= text_.size()) return false;
    const char c = text_[i];
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static const MethodInfo* find_method(std::string_view name) {
    for (const auto& m : kMethods) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<Node> nodes_;
};

}  // namespace

std::variant<CelSelector, CelParseError> CelSelector::parse(std::string_view expression) {
  try {
    return CelSelector(std::make_shared<const Program>(Parser(expression).run()));
  } catch (ParseFailure& f) {
    return std::move(f.error);
  }
}

// --- evaluation --------------------------------------------------------------------------------

namespace {

struct Value {
  enum class Kind : std::uint8_t { Error, Bool, Int, String, Quantity, Version, List, Device, AttrDomains, AttrMap, CapDomains, CapMap };
  Kind kind = Kind::Error;
  bool b = false;
  std::int64_t i = 0;
  std::string_view s;  // String; the domain of AttrMap and CapMap
  DeviceQuantity q;
  const SemVer* v = nullptr;
  const Node* list = nullptr;
  const char* error = nullptr;

  static Value fail(const char* why) {
    Value x;
    x.error = why;
    return x;
  }
  static Value boolean(bool value) {
    Value x;
    x.kind = Kind::Bool;
    x.b = value;
    return x;
  }
  static Value integer(std::int64_t value) {
    Value x;
    x.kind = Kind::Int;
    x.i = value;
    return x;
  }
  static Value string(std::string_view value) {
    Value x;
    x.kind = Kind::String;
    x.s = value;
    return x;
  }
  static Value map(Kind kind, std::string_view domain = {}) {
    Value x;
    x.kind = kind;
    x.s = domain;
    return x;
  }
  bool is_error() const { return kind == Kind::Error; }
};

constexpr const char* kNoSuchKey = "no such key";
constexpr const char* kNoSuchOverload = "no such overload";

class Evaluator {
 public:
  Evaluator(const CelSelector::Program& program, const Device& device, std::string_view driver)
      : nodes_(program.nodes), device_(device), driver_(driver) {}

  Value eval(int index) const {
    const Node& n = nodes_[static_cast<std::size_t>(index)];
    switch (n.op) {
      case Op::Literal: return literal(n.literal);
      case Op::Device: return Value::map(Value::Kind::Device);
      case Op::List: {
        Value x;
        x.kind = Value::Kind::List;
        x.list = &n;
        return x;
      }
      case Op::Select: return select(eval(n.a), n.field);
      case Op::Index: {
        const Value target = eval(n.a), key = eval(n.b);
        if (target.is_error()) return target;
        if (key.is_error()) return key;
        if (target.kind == Value::Kind::List) {
          if (key.kind != Value::Kind::Int) return Value::fail(kNoSuchOverload);
          if (key.i < 0 || static_cast<std::size_t>(key.i) >= target.list->items.size()) return Value::fail("index out of range");
          return eval(target.list->items[static_cast<std::size_t>(key.i)]);
        }
        if (key.kind != Value::Kind::String) return Value::fail(kNoSuchOverload);
        return select(target, key.s);
      }
      case Op::Has: return has(eval(n.a), n.field);
      case Op::Size: return size(eval(n.a));
      case Op::Method: return method(n);
      case Op::Not: {
        const Value x = eval(n.a);
        if (x.is_error()) return x;
        if (x.kind != Value::Kind::Bool) return Value::fail(kNoSuchOverload);
        return Value::boolean(!x.b);
      }
      case Op::Neg: {
        const Value x = eval(n.a);
        if (x.is_error()) return x;
        if (x.kind != Value::Kind::Int) return Value::fail(kNoSuchOverload);
        return Value::integer(-x.i);
      }
      case Op::And:
      case Op::Or: return logical(n.op == Op::And, eval(n.a), n.b);
      case Op::Cond: {
        const Value c = eval(n.a);
        if (c.is_error()) return c;
        if (c.kind != Value::Kind::Bool) return Value::fail(kNoSuchOverload);
        return eval(c.b ? n.b : n.c);
      }
      case Op::Eq:
      case Op::Ne: {
        const Value x = equal(eval(n.a), eval(n.b));
        return x.is_error() || n.op == Op::Eq ? x : Value::boolean(!x.b);
      }
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: return order(n.op, eval(n.a), eval(n.b));
      case Op::In: return in(eval(n.a), eval(n.b));
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::Mod: return arithmetic(n.op, eval(n.a), eval(n.b));
    }
    return Value::fail("internal error");
  }

 private:
  static Value literal(const Literal& l) {
    if (const auto* b = std::get_if<bool>(&l)) return Value::boolean(*b);
    if (const auto* i = std::get_if<std::int64_t>(&l)) return Value::integer(*i);
    if (const auto* s = std::get_if<std::string>(&l)) return Value::string(*s);
    Value x;
    if (const auto* q = std::get_if<DeviceQuantity>(&l)) {
      x.kind = Value::Kind::Quantity;
      x.q = *q;
    } else {
      x.kind = Value::Kind::Version;
      x.v = &std::get<SemVer>(l);
    }
    return x;
  }

  const std::pair<std::string, AttributeValue>* find_attribute(std::string_view domain, std::string_view id) const {
    for (const auto& a : device_.attributes) {
      if (split_qualified_name(a.first, driver_) == std::pair{domain, id}) return &a;
    }
    return nullptr;
  }
  const std::pair<std::string, DeviceQuantity>* find_capacity(std::string_view domain, std::string_view id) const {
    for (const auto& c : device_.capacity) {
      if (split_qualified_name(c.first, driver_) == std::pair{domain, id}) return &c;
    }
    return nullptr;
  }
  bool has_domain(bool attributes, std::string_view domain) const {
    if (attributes) {
      for (const auto& a : device_.attributes) {
        if (split_qualified_name(a.first, driver_).first == domain) return true;
      }
      return false;
    }
    for (const auto& c : device_.capacity) {
      if (split_qualified_name(c.first, driver_).first == domain) return true;
    }
    return false;
  }

  Value select(const Value& target, std::string_view field) const {
    using K = Value::Kind;
    switch (target.kind) {
      case K::Error: return target;
      case K::Device:
        if (field == "driver") return Value::string(driver_);
        if (field == "attributes") return Value::map(K::AttrDomains);
        if (field == "capacity") return Value::map(K::CapDomains);
        return Value::fail("no such field");
      case K::AttrDomains: return Value::map(K::AttrMap, field);  // an unknown domain is an empty map
      case K::CapDomains: return Value::map(K::CapMap, field);
      case K::AttrMap: {
        const auto* a = find_attribute(target.s, field);
        if (a == nullptr) return Value::fail(kNoSuchKey);
        return std::visit(
            [](const auto& v) -> Value {
              using T = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<T, bool>) {
                return Value::boolean(v);
              } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return Value::integer(v);
              } else if constexpr (std::is_same_v<T, std::string>) {
                return Value::string(v);
              } else {
                Value x;
                x.kind = Value::Kind::Version;
                x.v = &v;
                return x;
              }
            },
            a->second);
      }
      case K::CapMap: {
        const auto* c = find_capacity(target.s, field);
        if (c == nullptr) return Value::fail(kNoSuchKey);
        Value x;
        x.kind = K::Quantity;
        x.q = c->second;
        return x;
      }
      default: return Value::fail("type has no fields");
    }
  }

  Value has(const Value& target, std::string_view field) const {
    using K = Value::Kind;
    switch (target.kind) {
      case K::Error: return target;
      case K::Device: return Value::boolean(field == "driver" || field == "attributes" || field == "capacity");
      case K::AttrDomains: return Value::boolean(has_domain(true, field));
      case K::CapDomains: return Value::boolean(has_domain(false, field));
      case K::AttrMap: return Value::boolean(find_attribute(target.s, field) != nullptr);
      case K::CapMap: return Value::boolean(find_capacity(target.s, field) != nullptr);
      default: return Value::fail("type has no fields");
    }
  }

  Value size(const Value& x) const {
    if (x.is_error()) return x;
    if (x.kind == Value::Kind::String) return Value::integer(static_cast<std::int64_t>(x.s.size()));
    if (x.kind == Value::Kind::List) return Value::integer(static_cast<std::int64_t>(x.list->items.size()));
    return Value::fail(kNoSuchOverload);
  }

  Value method(const Node& n) const {
    using K = Value::Kind;
    const Value target = eval(n.a);
    if (target.is_error()) return target;
    Value arg;
    if (n.b >= 0) {
      arg = eval(n.b);
      if (arg.is_error()) return arg;
    }
    switch (n.method) {
      case Method::CompareTo:
      case Method::IsGreaterThan:
      case Method::IsLessThan: {
        int c = 0;
        if (target.kind == K::Quantity && arg.kind == K::Quantity) {
          c = target.q < arg.q ? -1 : (arg.q < target.q ? 1 : 0);
        } else if (target.kind == K::Version && arg.kind == K::Version) {
          const auto o = *target.v <=> *arg.v;
          c = o < 0 ? -1 : (o > 0 ? 1 : 0);
        } else {
          return Value::fail(kNoSuchOverload);
        }
        if (n.method == Method::CompareTo) return Value::integer(c);
        return Value::boolean(n.method == Method::IsGreaterThan ? c > 0 : c < 0);
      }
      case Method::Major:
      case Method::Minor:
      case Method::Patch:
        if (target.kind != K::Version) return Value::fail(kNoSuchOverload);
        return Value::integer(n.method == Method::Major ? target.v->major
                              : n.method == Method::Minor ? target.v->minor
                                                          : target.v->patch);
      case Method::AsInteger:
        if (target.kind != K::Quantity) return Value::fail(kNoSuchOverload);
        if (target.q.milli % 1000 != 0) return Value::fail("cannot convert a fractional quantity to int");
        return Value::integer(target.q.milli / 1000);
      case Method::StartsWith:
      case Method::EndsWith:
      case Method::Contains:
        if (target.kind != K::String || arg.kind != K::String) return Value::fail(kNoSuchOverload);
        return Value::boolean(n.method == Method::StartsWith ? target.s.starts_with(arg.s)
                              : n.method == Method::EndsWith ? target.s.ends_with(arg.s)
                                                             : target.s.find(arg.s) != std::string_view::npos);
      case Method::Size: return size(target);
      case Method::None: break;
    }
    return Value::fail("internal error");
  }

  // CEL's commutative && and ||: an error on one side is absorbed if the other side decides.
  Value logical(bool is_and, const Value& left, int right_index) const {
    const bool decisive = !is_and;  // false decides &&, true decides ||
    if (left.kind == Value::Kind::Bool && left.b == decisive) return left;
    const Value right = eval(right_index);
    if (right.kind == Value::Kind::Bool && right.b == decisive) return right;
    if (left.is_error()) return left;
    if (right.is_error()) return right;
    if (left.kind != Value::Kind::Bool || right.kind != Value::Kind::Bool) return Value::fail(kNoSuchOverload);
    return Value::boolean(!decisive);
  }

  // Heterogeneous equality, as cel-go: values of different types are unequal, not an error.
  static Value equal(const Value& a, const Value& b) {
    using K = Value::Kind;
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    if (a.kind != b.kind) return Value::boolean(false);
    switch (a.kind) {
      case K::Bool: return Value::boolean(a.b == b.b);
      case K::Int: return Value::boolean(a.i == b.i);
      case K::String: return Value::boolean(a.s == b.s);
      case K::Quantity: return Value::boolean(a.q == b.q);
      case K::Version: return Value::boolean(*a.v == *b.v);
      default: return Value::fail(kNoSuchOverload);
    }
  }

  static Value order(Op op, const Value& a, const Value& b) {
    using K = Value::Kind;
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    if (a.kind != b.kind) return Value::fail(kNoSuchOverload);
    int c = 0;
    if (a.kind == K::Int) c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    else if (a.kind == K::String) c = a.s.compare(b.s) < 0 ? -1 : (a.s == b.s ? 0 : 1);
    else if (a.kind == K::Bool) c = static_cast<int>(a.b) - static_cast<int>(b.b);
    else return Value::fail(kNoSuchOverload);  // quantities and versions compare with compareTo()
    switch (op) {
      case Op::Lt: return Value::boolean(c < 0);
      case Op::Le: return Value::boolean(c <= 0);
      case Op::Gt: return Value::boolean(c > 0);
      default: return Value::boolean(c >= 0);
    }
  }

  Value in(const Value& element, const Value& container) const {
    using K = Value::Kind;
    if (element.is_error()) return element;
    switch (container.kind) {
      case K::Error: return container;
      case K::List:
        for (int item : container.list->items) {
          const Value eq = equal(element, eval(item));
          if (eq.is_error()) return eq;
          if (eq.b) return eq;
        }
        return Value::boolean(false);
      case K::AttrDomains:
      case K::CapDomains:
      case K::AttrMap:
      case K::CapMap:
        if (element.kind != K::String) return Value::fail(kNoSuchOverload);
        return has(container, element.s);
      default: return Value::fail(kNoSuchOverload);
    }
  }

  static Value arithmetic(Op op, const Value& a, const Value& b) {
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    if (a.kind != Value::Kind::Int || b.kind != Value::Kind::Int) return Value::fail(kNoSuchOverload);
    std::int64_t r = 0;
    switch (op) {
      case Op::Add:
        if (__builtin_add_overflow(a.i, b.i, &r)) return Value::fail("integer overflow");
        return Value::integer(r);
      case Op::Sub:
        if (__builtin_sub_overflow(a.i, b.i, &r)) return Value::fail("integer overflow");
        return Value::integer(r);
      case Op::Mul:
        if (__builtin_mul_overflow(a.i, b.i, &r)) return Value::fail("integer overflow");
        return Value::integer(r);
      default:
        if (b.i == 0) return Value::fail(op == Op::Div ? "division by zero" : "modulus by zero");
        return Value::integer(op == Op::Div ? a.i / b.i : a.i % b.i);
    }
  }

  const std::vector<Node>& nodes_;
  const Device& device_;
  std::string_view driver_;
};

}  // namespace

CelResult CelSelector::evaluate(const Device& device, std::string_view driver) const {
  const Value v = Evaluator(*program_, device, driver).eval(program_->root);
  if (v.is_error()) return {false, v.error};
  if (v.kind != Value::Kind::Bool) return {false, "must evaluate to bool"};
  return {v.b, nullptr};
}

}  // namespace kubetwin::models::dra
