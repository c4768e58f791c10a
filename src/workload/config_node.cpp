#include "workload/config_node.h"

#include <nlohmann/json.hpp>
// toml++ is used as Debian's shared library (TOML_HEADER_ONLY=0 from
// pkg-config), built with NDEBUG: malformed input is reported, not asserted
// (the header-only parser asserts on e.g. `},}` inside an array when NDEBUG
// is off). tests/unit/sim/workload_test.cpp feeds it damaged files.
#include <toml++/toml.h>

#include "base/toml_nesting.h"

namespace ups::workload {

const char* ConfigNode::type_name() const {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "a boolean";
    case Type::integer: return "an integer";
    case Type::floating: return "a number";
    case Type::string: return "a string";
    case Type::array: return "an array";
    case Type::table: return "a table";
  }
  return "?";
}

namespace {

ConfigNode from_toml(const toml::node& n) {
  ConfigNode out;
  out.line = static_cast<int>(n.source().begin.line);
  out.column = static_cast<int>(n.source().begin.column);
  if (auto* t = n.as_table()) {
    out.type = ConfigNode::Type::table;
    for (auto& [k, v] : *t) out.fields.push_back({std::string(k.str()), from_toml(v)});
    // toml++ orders keys by name; restore file order for readable messages.
    std::stable_sort(out.fields.begin(), out.fields.end(),
                     [](auto& a, auto& b) { return a.value.line < b.value.line; });
  } else if (auto* a = n.as_array()) {
    out.type = ConfigNode::Type::array;
    for (auto& v : *a) out.items.push_back(from_toml(v));
  } else if (auto* s = n.as_string()) {
    out.type = ConfigNode::Type::string;
    out.s = s->get();
  } else if (auto* i = n.as_integer()) {
    out.type = ConfigNode::Type::integer;
    out.i = i->get();
  } else if (auto* f = n.as_floating_point()) {
    out.type = ConfigNode::Type::floating;
    out.f = f->get();
  } else if (auto* b = n.as_boolean()) {
    out.type = ConfigNode::Type::boolean;
    out.b = b->get();
  } else {
    out.type = ConfigNode::Type::string;  // dates and times: keep the text
    out.s = "<date>";
  }
  return out;
}

// Feeds nlohmann's parser one character at a time and remembers the line of
// the last non-blank character read, which is the line of the value that
// the SAX handler is told about.
struct LineCounter {
  int line = 1;
  int last_token_line = 1;
};
class CountingIterator {
public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;
  CountingIterator(const char* p, LineCounter* c) : p_(p), c_(c) {}
  const char& operator*() const { return *p_; }
  CountingIterator& operator++() {
    char ch = *p_;
    if (ch == '\n') ++c_->line;
    else if (ch != ' ' && ch != '\t' && ch != '\r') c_->last_token_line = c_->line;
    ++p_;
    return *this;
  }
  CountingIterator operator++(int) { auto t = *this; ++*this; return t; }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }
private:
  const char* p_;
  LineCounter* c_;
};

class JsonBuilder : public nlohmann::json_sax<nlohmann::json> {
public:
  explicit JsonBuilder(LineCounter* c) : c_(c) {}
  ConfigNode root;
  std::string error;
  int error_line = 0;

  bool null() override { return put(ConfigNode{}); }
  bool boolean(bool v) override { ConfigNode n; n.type = ConfigNode::Type::boolean; n.b = v; return put(std::move(n)); }
  bool number_integer(number_integer_t v) override { ConfigNode n; n.type = ConfigNode::Type::integer; n.i = v; return put(std::move(n)); }
  bool number_unsigned(number_unsigned_t v) override {
    ConfigNode n; n.type = ConfigNode::Type::integer; n.i = static_cast<s64>(v); return put(std::move(n));
  }
  bool number_float(number_float_t v, const string_t&) override { ConfigNode n; n.type = ConfigNode::Type::floating; n.f = v; return put(std::move(n)); }
  bool string(string_t& v) override { ConfigNode n; n.type = ConfigNode::Type::string; n.s = v; return put(std::move(n)); }
  bool binary(binary_t&) override { return put(ConfigNode{}); }
  bool start_object(std::size_t) override { ConfigNode n; n.type = ConfigNode::Type::table; return open(std::move(n)); }
  bool key(string_t& k) override { key_ = k; key_line_ = c_->last_token_line; return true; }
  bool end_object() override { stack_.pop_back(); return true; }
  bool start_array(std::size_t) override { ConfigNode n; n.type = ConfigNode::Type::array; return open(std::move(n)); }
  bool end_array() override { stack_.pop_back(); return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    if (!error.empty()) return false;  // our own refusal (nesting) stands
    error = ex.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    auto pos = error.find("parse error");
    if (pos != std::string::npos) error = error.substr(pos);
    error_line = c_->line;
    return false;
  }

private:
  ConfigNode* place(ConfigNode n) {
    n.line = c_->last_token_line;
    if (stack_.empty()) {
      root = std::move(n);
      return &root;
    }
    ConfigNode* parent = stack_.back();
    if (parent->type == ConfigNode::Type::array) {
      parent->items.push_back(std::move(n));
      return &parent->items.back();
    }
    n.line = key_line_;
    parent->fields.push_back({key_, std::move(n)});
    return &parent->fields.back().value;
  }
  bool put(ConfigNode n) { place(std::move(n)); return true; }
  // Nesting is bounded (base/toml_nesting.h): ConfigNode and its readers
  // recurse over the tree.
  bool open(ConfigNode n) {
    if (stack_.size() >= static_cast<size_t>(kMaxConfigNesting)) {
      error = nesting_message(kMaxConfigNesting);
      error_line = c_->last_token_line;
      return false;
    }
    stack_.push_back(place(std::move(n)));
    return true;
  }

  LineCounter* c_;
  std::vector<ConfigNode*> stack_;  // pointers stay valid: children of the top only grow
  std::string key_;
  int key_line_ = 0;
};

bool ends_with(const std::string& s, std::string_view suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

}  // namespace

Result<ConfigNode> parse_config(std::string_view text, const std::string& name) {
  if (ends_with(name, ".json")) {
    LineCounter counter;
    std::string buf(text);
    CountingIterator first(buf.data(), &counter), last(buf.data() + buf.size(), &counter);
    JsonBuilder b(&counter);
    bool ok = nlohmann::json::sax_parse(first, last, &b);
    if (!ok)
      return make_error(ErrorKind::parse, b.error.starts_with("nested") ? b.error : "syntax error: " + b.error,
                        SourceLoc{name, b.error_line, 0, ""});
    if (b.root.type != ConfigNode::Type::table)
      return make_error(ErrorKind::parse, "the top level must be an object",
                        SourceLoc{name, 1, 0, ""});
    return std::move(b.root);
  }
  if (auto depth = check_toml_nesting(text, name); !depth) return tl::unexpected(depth.error());
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {  // toml++ reports syntax errors by throwing
    return make_error(ErrorKind::parse, "syntax error: " + std::string(e.description()),
                      SourceLoc{name, static_cast<int>(e.source().begin.line),
                                static_cast<int>(e.source().begin.column), ""});
  }
  ConfigNode root = from_toml(table);
  root.line = 1;
  return root;
}

}  // namespace ups::workload
