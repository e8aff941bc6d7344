#pragma once
// The typed records of events.jsonl for custom resources and the TrainJob operator
// (docs/output-files.md lists every field).

#include <cstdint>
#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models {

/// A CRD's Established condition was committed: the API server serves its kind from now on.
struct CrdEstablishedEvent {
  static constexpr std::string_view kType = "CustomResourceDefinitionEstablished";
  std::string_view crd, kind;
  void write(sim::JsonObjectWriter& w) const { w.field("crd", crd).field("kind", kind); }
};

/// A TrainJob was stored (its create passed the webhook).
struct TrainJobStoredEvent {
  static constexpr std::string_view kType = "TrainJobStored";
  std::string_view train_job, uid;
  std::int64_t num_nodes;
  void write(sim::JsonObjectWriter& w) const {
    w.field("trainJob", train_job).field("uid", uid).field("numNodes", num_nodes);
  }
};

/// The user's create of a TrainJob was refused for good (403: the webhook denied it; 409: the name
/// is taken).
struct TrainJobRejectedEvent {
  static constexpr std::string_view kType = "TrainJobRejected";
  std::string_view train_job;
  std::int64_t code;
  std::string_view reason, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("trainJob", train_job)
        .field("code", code)
        .field("reason", reason)
        .field("message", message);
  }
};

/// A condition (Created, Running, Succeeded, Failed) was added to a TrainJob's stored status.
struct TrainJobConditionEvent {
  static constexpr std::string_view kType = "TrainJobCondition";
  std::string_view train_job, condition, reason, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("trainJob", train_job)
        .field("condition", condition)
        .field("reason", reason)
        .field("message", message);
  }
};

}  // namespace kubetwin::models
