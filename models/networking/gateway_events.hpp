#pragma once
// The typed records of events.jsonl the gateway writes (docs/output-files.md).

#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models::networking {

/// An HTTPRoute's status as the gateway controller wrote it: its Accepted and ResolvedRefs
/// conditions with their reasons (e.g. NoMatchingParent, BackendNotFound).
struct RouteStatusEvent {
  static constexpr std::string_view kType = "RouteStatus";
  std::string_view route;
  bool accepted;
  std::string_view accepted_reason;
  bool resolved_refs;
  std::string_view resolved_refs_reason, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("route", route)
        .field("accepted", accepted)
        .field("acceptedReason", accepted_reason)
        .field("resolvedRefs", resolved_refs)
        .field("resolvedRefsReason", resolved_refs_reason)
        .field("message", message);
  }
};

}  // namespace kubetwin::models::networking
