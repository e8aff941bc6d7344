#include "sim/strict_json.hpp"

#include "sim/input_error.hpp"

#include <cmath>
#include <cstdint>

namespace kubetwin::sim {

nlohmann::json parse_json_document(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source + ": not valid JSON: " + e.what());
  }
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    default: return "a number";
  }
}

StrictObject::StrictObject(const nlohmann::json& value, std::string pointer,
                           std::vector<JsonIssue>& issues)
    : pointer_(std::move(pointer)), issues_(&issues) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    issues_->push_back({pointer_, "must be an object, not " + json_type_name(value)});
  }
}

bool StrictObject::has(std::string_view key) const {
  return object_ != nullptr && object_->contains(key);
}

void StrictObject::issue(std::string_view key, std::string message) {
  issues_->push_back({key.empty() ? pointer_ : pointer_of(key), std::move(message)});
}

const nlohmann::json* StrictObject::raw(std::string_view key, Required required) {
  if (object_ == nullptr) return nullptr;
  read_.emplace(key);
  auto it = object_->find(key);
  if (it == object_->end()) {
    if (required == Required::Yes) issue(key, "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> StrictObject::string(std::string_view key, Required required) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    issue(key, "must be a string, not " + json_type_name(*v));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> StrictObject::boolean(std::string_view key, Required required) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    issue(key, "must be true or false, not " + json_type_name(*v));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<double> StrictObject::number(std::string_view key, Required required,
                                           std::optional<double> min, std::optional<double> max) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    issue(key, "must be a number, not " + json_type_name(*v));
    return std::nullopt;
  }
  const double x = v->get<double>();
  if (min && x < *min) {
    issue(key, "must be at least " + nlohmann::json(*min).dump() + ", got " + v->dump());
    return std::nullopt;
  }
  if (max && x > *max) {
    issue(key, "must be at most " + nlohmann::json(*max).dump() + ", got " + v->dump());
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> StrictObject::integer(std::string_view key, Required required,
                                                  std::optional<std::int64_t> min,
                                                  std::optional<std::int64_t> max) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() &&
      !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
        std::abs(v->get<double>()) < 9e15)) {
    issue(key, "must be a whole number, not " + (v->is_number() ? v->dump() : json_type_name(*v)));
    return std::nullopt;
  }
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    issue(key, "must be at most " + std::to_string(max.value_or(INT64_MAX)) + ", got " + v->dump());
    return std::nullopt;
  }
  const auto x = v->is_number_integer() ? v->get<std::int64_t>() : static_cast<std::int64_t>(v->get<double>());
  if (min && x < *min) {
    issue(key, "must be at least " + std::to_string(*min) + ", got " + std::to_string(x));
    return std::nullopt;
  }
  if (max && x > *max) {
    issue(key, "must be at most " + std::to_string(*max) + ", got " + std::to_string(x));
    return std::nullopt;
  }
  return x;
}

std::optional<double> StrictObject::quantity(std::string_view key, Dimension dim, Required required,
                                             double min) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  double x = 0;
  if (v->is_number()) {
    x = v->get<double>();
  } else if (v->is_string()) {
    try {
      x = parse_quantity(v->get<std::string>(), dim);
    } catch (const QuantityError& e) {
      issue(key, e.what());
      return std::nullopt;
    }
  } else {
    issue(key, "must be a quantity string such as \"80Gi\" or a number, not " + json_type_name(*v));
    return std::nullopt;
  }
  if (!std::isfinite(x) || x < min) {
    issue(key, "must be at least " + nlohmann::json(min).dump() + " in base units, got " + v->dump());
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> StrictObject::cpu_millis(std::string_view key, Required required) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  std::int64_t millis = 0;
  if (v->is_number()) {
    millis = static_cast<std::int64_t>(std::llround(v->get<double>() * 1000.0));
  } else if (v->is_string()) {
    try {
      millis = parse_cpu_millis(v->get<std::string>());
    } catch (const QuantityError& e) {
      issue(key, e.what());
      return std::nullopt;
    }
  } else {
    issue(key, "must be a CPU quantity such as \"8\" or \"500m\", not " + json_type_name(*v));
    return std::nullopt;
  }
  if (millis < 0) {
    issue(key, "must not be negative, got " + v->dump());
    return std::nullopt;
  }
  return millis;
}

std::optional<std::string> StrictObject::enumeration(std::string_view key,
                                                     const std::vector<std::string>& allowed,
                                                     Required required) {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  for (const auto& a : allowed) {
    if (a == *s) return s;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  issue(key, "must be one of " + list + ", got \"" + *s + "\"");
  return std::nullopt;
}

std::optional<StrictObject> StrictObject::object(std::string_view key, Required required) {
  const auto* v = raw(key, required);
  if (v == nullptr) return std::nullopt;
  StrictObject child(*v, pointer_of(key), *issues_);
  if (!child.valid()) return std::nullopt;
  return child;
}

const nlohmann::json* StrictObject::array(std::string_view key, Required required) {
  const auto* v = raw(key, required);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    issue(key, "must be an array, not " + json_type_name(*v));
    return nullptr;
  }
  return v;
}

std::map<std::string, std::string> StrictObject::string_map(std::string_view key) {
  std::map<std::string, std::string> out;
  const auto* v = raw(key);
  if (v == nullptr) return out;
  if (!v->is_object()) {
    issue(key, "must be an object of strings, not " + json_type_name(*v));
    return out;
  }
  for (const auto& [k, val] : v->items()) {
    if (!val.is_string()) {
      issues_->push_back({pointer_of(key) + "/" + json_pointer_token(k),
                          "must be a string, not " + json_type_name(val)});
    } else {
      out.emplace(k, val.get<std::string>());
    }
  }
  return out;
}

void StrictObject::finish() {
  if (object_ == nullptr) return;
  for (const auto& [k, v] : object_->items()) {
    if (!read_.contains(k)) issue(k, "is not a known field");
  }
}

}  // namespace kubetwin::sim
