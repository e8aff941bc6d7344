#pragma once
// A small, fast JSON object writer for streamed outputs (event log lines, timeline records).
// Numbers use the shortest round-trip form (std::to_chars), so equal values always print the same
// bytes: outputs are byte-for-byte reproducible.

#include <cstdint>
#include <string>
#include <string_view>

namespace kubetwin::sim {

/// Appends `s` to `out` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);
/// Appends a finite double in shortest round-trip form (non-finite values print as null).
void append_json_number(std::string& out, double v);
void append_json_number(std::string& out, std::int64_t v);

/// Writes one flat JSON object into a caller-owned buffer: `{"a":1,"b":"x"}`.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

  JsonObjectWriter& field(std::string_view key, std::string_view value);
  JsonObjectWriter& field(std::string_view key, const char* value) {
    return field(key, std::string_view(value));
  }
  JsonObjectWriter& field(std::string_view key, double value);
  JsonObjectWriter& field(std::string_view key, std::int64_t value);
  JsonObjectWriter& field(std::string_view key, int value) {
    return field(key, static_cast<std::int64_t>(value));
  }
  JsonObjectWriter& field(std::string_view key, bool value);
  /// Writes `key` followed by already-serialized JSON (an array or object).
  JsonObjectWriter& raw_field(std::string_view key, std::string_view json);
  /// Closes the object; further fields are a bug.
  void close() { out_ += '}'; }

 private:
  void key(std::string_view k);
  std::string& out_;
  bool first_ = true;
};

}  // namespace kubetwin::sim
