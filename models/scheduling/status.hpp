#pragma once
// The outcome of one plugin on one pod and node, in the manner of the kube-scheduler framework:
// a code and the reasons, in upstream's words ("Insufficient nvidia.com/gpu").

#include <array>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::models {

enum class StatusCode {
  Success,
  Skip,                          ///< PreFilter/PreScore: this plugin has nothing to do for the pod
  Wait,                          ///< Permit: hold the reserved pod until allowed or timed out
  Unschedulable,                 ///< might fit after other pods leave (preemption could help)
  UnschedulableAndUnresolvable,  ///< cannot fit this node whatever happens to other pods
};

class Status {
 public:
  static Status success() { return Status(); }
  static Status skip() { return Status(StatusCode::Skip, {}); }
  static Status wait(std::string_view plugin) { return Status(StatusCode::Wait, plugin); }
  /// `reason` must be a string literal: filters run once per node, so no allocation here.
  static Status unschedulable(std::string_view plugin, const char* reason) {
    return Status(StatusCode::Unschedulable, plugin).with_reason(reason);
  }
  static Status unresolvable(std::string_view plugin, const char* reason) {
    return Status(StatusCode::UnschedulableAndUnresolvable, plugin).with_reason(reason);
  }
  /// A reason built at run time, e.g. naming the taint.
  static Status unresolvable(std::string_view plugin, std::string reason) {
    Status s(StatusCode::UnschedulableAndUnresolvable, plugin);
    s.dynamic_reason_ = std::move(reason);
    return s;
  }
  static Status unschedulable(std::string_view plugin, std::string reason) {
    Status s(StatusCode::Unschedulable, plugin);
    s.dynamic_reason_ = std::move(reason);
    return s;
  }
  /// Adds another literal reason (a node short of both CPU and GPUs reports both).
  Status&& with_reason(const char* reason) && {
    assert(static_count_ < static_reasons_.size());
    static_reasons_[static_count_++] = reason;
    return std::move(*this);
  }

  bool ok() const { return code_ == StatusCode::Success; }
  bool is_skip() const { return code_ == StatusCode::Skip; }
  bool is_wait() const { return code_ == StatusCode::Wait; }
  /// A rejection (not success, skip or wait).
  bool rejected() const { return code_ == StatusCode::Unschedulable || code_ == StatusCode::UnschedulableAndUnresolvable; }
  StatusCode code() const { return code_; }
  std::string_view plugin() const { return plugin_; }
  /// The first reason ("" on success).
  std::string_view reason() const {
    if (static_count_ > 0) return static_reasons_[0];
    return dynamic_reason_;
  }
  /// Calls `f(std::string_view)` for each reason, without allocating.
  template <class F>
  void for_each_reason(F f) const {
    for (std::uint8_t i = 0; i < static_count_; ++i) f(std::string_view(static_reasons_[i]));
    if (!dynamic_reason_.empty()) f(std::string_view(dynamic_reason_));
  }
  std::vector<std::string_view> reasons() const {
    std::vector<std::string_view> out(static_reasons_.begin(), static_reasons_.begin() + static_count_);
    if (!dynamic_reason_.empty()) out.emplace_back(dynamic_reason_);
    return out;
  }

 private:
  Status() = default;
  Status(StatusCode code, std::string_view plugin) : code_(code), plugin_(plugin) {}
  StatusCode code_ = StatusCode::Success;
  std::string_view plugin_;  // plugin names are string literals
  std::array<const char*, 3> static_reasons_{};
  std::uint8_t static_count_ = 0;
  std::string dynamic_reason_;
};

}  // namespace kubetwin::models
