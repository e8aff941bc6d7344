#pragma once
// The API server as an object store in virtual time (docs/api-server.md). Objects are keyed by
// (kind, namespace, name) and carry the metadata controllers rely on: a uid, the resourceVersion
// (one global counter bumped by every write, as etcd's revision), the generation (bumped when the
// spec changes), timestamps, ownerReferences and labels. Every request is asynchronous: it leaves
// through its client's token bucket, is applied `latency` later and answered then. Watches see
// each committed change `watch_latency` after it, in resourceVersion order, from a bounded
// history; a watch from before that history gets 410 Gone and the client must relist.
//
// Faults come from the scenario and a seeded stream: per-verb error rates, unavailability windows
// (503, open watches are closed) and forced conflicts. They are answers, never exceptions: callers
// retry with backoff (client_backoff, reflector_backoff). A failed write is not applied.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/workload/job_spec.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

enum class ApiVerb { Create, Get, List, Update, Patch, Delete, Watch };
inline constexpr int kApiVerbCount = 7;
/// Lower-case, as the audit log writes it ("create", "update"...).
std::string_view verb_name(ApiVerb verb);

/// The answer's HTTP status and its Kubernetes reason ("Conflict", "AlreadyExists", "Expired"...).
struct ApiStatus {
  int code = 200;
  std::string_view reason = "OK";  ///< a string literal
  bool ok() const { return code < 300; }
};

struct ObjectMeta {
  std::string kind;
  std::string ns;  ///< namespace
  std::string name;
  std::string uid;  ///< set by the server on create
  std::uint64_t resource_version = 0;
  std::int64_t generation = 0;
  double creation_timestamp = 0;
  double deletion_timestamp = -1;  ///< set on the last state a DELETED event carries
  std::vector<std::string> owner_uids;  ///< ownerReferences, by uid
  std::map<std::string, std::string> labels;
};

struct ApiObject {
  ObjectMeta meta;
  nlohmann::json spec;    ///< desired state; the generation counts its changes
  nlohmann::json status;  ///< observed state, written by status writers (no generation bump)
  /// Jobs and Pods: the simulator's typed spec (immutable, shared between versions).
  std::shared_ptr<const JobSpec> workload;
};
using ObjectPtr = std::shared_ptr<const ApiObject>;

struct ApiReply {
  ApiStatus status;
  ObjectPtr object;            ///< create, get, update, patch; delete: the last state
  std::vector<ObjectPtr> items;  ///< list, by namespace then name
  std::uint64_t resource_version = 0;  ///< list: the store's revision the list is consistent with
  std::string message;  ///< why a request was refused, where there is more to say (admission denials)
};
using ReplyHandler = std::function<void(const ApiReply&)>;

enum class WatchEventType { Added, Modified, Deleted };
struct WatchEvent {
  WatchEventType type;
  ObjectPtr object;  ///< its resourceVersion orders the events
};

/// client-go's token bucket (flowcontrol): `qps` per second, `burst` saved up; qps 0: unlimited.
struct ApiClientLimits {
  double qps = 5;  // client-go's defaults for a rest.Config that sets none
  int burst = 10;
};

struct ApiErrorRate {
  double rate = 0;  ///< probability that a request of the verb fails
  int code = 500;   ///< 500 (InternalError) or 429 (TooManyRequests)
};
/// The API server answers 503 to requests arriving in [from, to) and closes open watches at `from`.
struct ApiOutage {
  double from = 0, to = 0;
};
/// A controller's process restarts at `at`: its memory is lost, it relists after `downtime`.
struct ControllerRestart {
  std::string client;
  double at = 0;
  double downtime = 0;
};

struct ApiServerFaults {
  ApiErrorRate errors[kApiVerbCount];
  std::vector<ApiOutage> outages;
  double conflict_rate = 0;  ///< updates with a precondition refused with 409 although current
  std::vector<ControllerRestart> restarts;
  bool any() const;
};

struct ApiServerConfig {
  double write_latency = 0;  ///< create, update, patch, delete: until applied and answered
  double read_latency = 0;   ///< get, list, establishing a watch
  double watch_latency = 0;  ///< from a commit until a watcher sees it
  ApiClientLimits default_client;
  /// Clients with their own limits (the control plane's components).
  std::map<std::string, ApiClientLimits, std::less<>> clients;
  /// Watch events kept per kind; a watch from before them is answered 410 Gone.
  std::size_t history = 100;
  bool audit = false;
  ApiServerFaults faults;

  /// Latencies from the control plane's timing; the defaults documented in docs/api-server.md.
  static ApiServerConfig with_defaults(double api_latency, double watch_latency);
};

/// One answered request, for the audit log, as the `audited` signal hands it out. The string_views point into the
/// server's request record: valid only during the callback, so copy what must outlive it.
struct AuditEntry {
  ApiVerb verb;
  std::string_view kind, ns, name, uid, client;
  std::uint64_t resource_version;
  double submitted, replied;
  int code;
};

/// Admission (a validating webhook, admission_webhook.hpp): told every create that reaches the store
/// (not refused by a fault), before it is applied; it answers through `decide`, now or later (the
/// webhook's latency): nullopt admits, a status refuses the request with `message`.
using AdmissionDecision = std::function<void(std::optional<ApiStatus> refused, std::string message)>;
using AdmissionHook = std::function<void(const ApiObject& object, AdmissionDecision decide)>;

/// A Kubernetes Event after the recorder's deduplication.
struct RecordedEvent {
  std::string name;  ///< the Event object's name
  std::string reason, message, type, source;
  std::string involved_kind, involved_ns, involved_name, involved_uid;
  int count = 1;
  double first_timestamp = 0, last_timestamp = 0;
};

class ApiServer {
 public:
  using WatchId = std::uint64_t;

  ApiServer(sim::Engine& engine, ApiServerConfig config, std::uint64_t seed);
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// AlreadyExists (409) if the name is taken; the reply carries the stored object.
  void create(std::string_view client, ApiObject object, ReplyHandler reply);
  void get(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
           ReplyHandler reply);
  /// Every object of `kind` (in `ns` unless empty) whose labels include `selector`.
  void list(std::string_view client, std::string_view kind, std::string_view ns,
            std::map<std::string, std::string> selector, ReplyHandler reply);
  /// Replaces spec, status, labels and owners; Conflict (409) unless object.meta.resource_version
  /// is the stored one (optimistic concurrency), NotFound if absent.
  void update(std::string_view client, ApiObject object, ReplyHandler reply);
  /// Merges `status` into the stored status (top-level keys replaced), no precondition.
  void patch_status(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
                    nlohmann::json status, ReplyHandler reply);
  /// NotFound if absent. Dependents (ownerReferences) are deleted afterwards by the garbage
  /// collector (background propagation).
  void remove(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
              ReplyHandler reply);

  /// Watches `kind` (in `ns` unless empty) from resourceVersion `from`: every change after it, in
  /// order. `closed` is called once if the watch ends without stop_watch: 410 Gone (too old: relist),
  /// 503 (an outage), or an injected error.
  WatchId watch(std::string_view client, std::string_view kind, std::string_view ns, std::uint64_t from,
                std::function<void(const WatchEvent&)> on_event, std::function<void(ApiStatus)> closed);
  void stop_watch(WatchId id);

  /// Records a Kubernetes Event about `involved`; the same source, object, type, reason and message
  /// again bumps its count and lastTimestamp instead (the event recorder's deduplication).
  const RecordedEvent& record(const ObjectMeta& involved, std::string_view type, std::string_view reason,
                              std::string_view message, std::string_view source);
  const std::vector<RecordedEvent>& events() const { return events_; }

  /// The stored object, read without a request (tests, end-of-run reports).
  ObjectPtr peek(std::string_view kind, std::string_view ns, std::string_view name) const;
  std::size_t count(std::string_view kind) const;
  std::uint64_t resource_version() const { return revision_; }
  const ApiServerConfig& config() const { return config_; }
  /// True while an outage window holds at time t.
  bool unavailable(double t) const;

  /// Which kinds the server serves (custom_resources.hpp: built-in kinds and those of established
  /// CRDs); requests for any other kind are answered 404 NotFound. Unset: every kind is served.
  void set_served_kinds(std::function<bool(std::string_view kind)> served) { served_ = std::move(served); }
  /// The admission step for creates; unset: every create is admitted.
  void set_admission(AdmissionHook hook) { admission_ = std::move(hook); }
  /// Every committed change, as it is committed (server-side controllers: CRD establishment, and
  /// observers that must see each stored state exactly once): the previous state (null on create).
  sim::Signal<WatchEventType, const ObjectPtr& /*before*/, const ObjectPtr& /*now*/> committed;

  /// Answered requests (every verb, watches when established or refused).
  sim::Signal<const AuditEntry&> audited;
  /// Requests answered with an error (injected or semantic), by code.
  std::uint64_t errors(int code) const;
  std::uint64_t requests() const { return requests_; }

  /// Retry delay after the n-th consecutive failure of a controller's write (client-go
  /// workqueue's per-item exponential limiter: 5 ms doubled, at most 1000 s).
  static double client_backoff(int failures);
  /// Relist/rewatch delay after the n-th consecutive failure (client-go reflector: 800 ms
  /// doubled, at most 30 s; without its jitter, to keep runs byte-identical).
  static double reflector_backoff(int failures);

 private:
  struct KindStore {
    std::map<std::pair<std::string, std::string>, ObjectPtr> objects;  // (namespace, name)
    std::deque<WatchEvent> history;
    std::uint64_t compacted = 0;  // revision of the newest event dropped from history
  };
  struct Watch {
    std::string kind, ns, client;
    std::function<void(const WatchEvent&)> on_event;
    std::function<void(ApiStatus)> closed;
    bool established = false;  // events flow once the server has accepted the watch
  };
  struct Request {
    ApiVerb verb;
    std::string client, kind, ns, name;
    double submitted;
  };

  /// Sends the request through the client's bucket; `apply` runs when it reaches the store, unless
  /// a fault answers it first.
  void submit(Request req, std::function<ApiReply()> apply, ReplyHandler reply, std::shared_ptr<const ApiObject> admit = nullptr);
  /// The injected fault for a request arriving now, if any.
  std::optional<ApiStatus> injected_fault(ApiVerb verb);
  double rate_limited(std::string_view client, double t);
  /// Stores `object` (null: deletes the key) at the next revision and feeds watchers.
  ObjectPtr commit(WatchEventType type, std::shared_ptr<ApiObject> object);
  void deliver(WatchId id, const WatchEvent& event, double at);
  /// Ends the watch now (events still on their way are dropped: the client rewatches from the
  /// last one it saw); its `closed` is told `delay` later.
  void close_watch(WatchId id, ApiStatus why, double delay);
  void collect_dependents(const std::string& owner_uid);
  void gc_delete(std::string kind, std::string ns, std::string name, int attempt);
  std::string next_uid();
  void audit(const Request& req, const ApiReply& reply);

  sim::Engine& engine_;
  const ApiServerConfig config_;
  sim::RandomStream faults_;
  std::uint64_t seed_;
  std::map<std::string, KindStore, std::less<>> kinds_;
  std::multimap<std::string, std::pair<std::string, std::pair<std::string, std::string>>> dependents_;  // owner uid -> (kind, (ns, name))
  std::map<WatchId, Watch> watches_;
  WatchId next_watch_ = 1;
  std::uint64_t revision_ = 0;
  std::uint64_t uids_ = 0;
  struct Bucket {
    double tokens = 0, stamp = 0;
    bool primed = false;
  };
  std::unordered_map<std::string, Bucket> buckets_;
  std::vector<RecordedEvent> events_;
  std::map<std::string, std::size_t, std::less<>> event_index_;  // dedup key -> events_ index
  std::map<int, std::uint64_t> errors_;
  std::uint64_t requests_ = 0;
  std::function<bool(std::string_view)> served_;
  AdmissionHook admission_;
};

}  // namespace kubetwin::models
