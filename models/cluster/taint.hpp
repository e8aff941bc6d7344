#pragma once
// Node taints and pod tolerations with Kubernetes matching rules.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::models {

enum class TaintEffect { NoSchedule, PreferNoSchedule, NoExecute };

inline std::optional<TaintEffect> parse_taint_effect(std::string_view s) {
  if (s == "NoSchedule") return TaintEffect::NoSchedule;
  if (s == "PreferNoSchedule") return TaintEffect::PreferNoSchedule;
  if (s == "NoExecute") return TaintEffect::NoExecute;
  return std::nullopt;
}

inline const char* taint_effect_name(TaintEffect e) {
  switch (e) {
    case TaintEffect::NoSchedule: return "NoSchedule";
    case TaintEffect::PreferNoSchedule: return "PreferNoSchedule";
    case TaintEffect::NoExecute: return "NoExecute";
  }
  return "NoSchedule";
}

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::NoSchedule;
};

struct Toleration {
  enum class Operator { Equal, Exists };
  std::string key;  ///< empty with Exists tolerates every taint
  Operator op = Operator::Equal;
  std::string value;
  bool any_effect = true;  ///< no effect given: tolerates all effects
  TaintEffect effect = TaintEffect::NoSchedule;

  bool tolerates(const Taint& taint) const {
    if (!any_effect && effect != taint.effect) return false;
    if (key.empty()) return op == Operator::Exists;
    if (key != taint.key) return false;
    return op == Operator::Exists || value == taint.value;
  }
};

}  // namespace kubetwin::models
