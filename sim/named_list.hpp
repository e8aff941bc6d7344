#pragma once
// Lookups in small catalogs of things with a `name` member (GPUs, models): a linear scan, which
// beats a map at a few dozen entries and keeps the catalog's order.

#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::sim {

/// The entry called `name`, or null.
template <class T>
const T* find_by_name(const std::vector<T>& list, std::string_view name) {
  for (const T& item : list) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

/// "a, b, c": the names in order, for error messages that list what is known.
template <class T>
std::string joined_names(const std::vector<T>& list) {
  std::string out;
  for (const T& item : list) out += (out.empty() ? "" : ", ") + item.name;
  return out;
}

}  // namespace kubetwin::sim
