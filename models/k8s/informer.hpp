#pragma once
// An informer (client-go's reflector + store): lists a kind, then watches it from the list's
// resourceVersion, keeping a local cache that handlers read. A watch closed by an outage or an
// error is reopened from the last resourceVersion seen, after the reflector's backoff; a 410 Gone
// (the server no longer keeps those events) makes it relist, and the difference between the old
// cache and the new list is told as adds, updates and deletes, so no change is lost.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/k8s/api_server.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class Informer {
 public:
  Informer(sim::Engine& engine, ApiServer& api, std::string client, std::string kind, std::string ns = {});
  ~Informer() { stop(); }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  /// Lists, then watches; `synced` fires once the first list is in the cache.
  void start();
  /// Stops watching and forgets the cache (a process that dies); replies still on their way are ignored.
  void stop();
  /// Watches from `resource_version` without listing first, so the cache holds only what the watch
  /// brings: an edge-triggered client, which never learns what changed before. Only the
  /// deliberately broken operator does this (TrainJobOperatorConfig::relist_on_restart false).
  void start_watching_from(std::uint64_t resource_version);

  bool has_synced() const { return synced_once_; }
  ObjectPtr get(std::string_view ns, std::string_view name) const;
  const std::map<std::pair<std::string, std::string>, ObjectPtr>& cache() const { return cache_; }
  std::uint64_t last_resource_version() const { return last_rv_; }
  std::uint64_t relists() const { return relists_; }

  sim::Signal<const ObjectPtr&> added;
  sim::Signal<const ObjectPtr& /*old*/, const ObjectPtr& /*now*/> updated;
  sim::Signal<const ObjectPtr& /*last state*/> deleted;
  sim::Signal<> synced;

 private:
  void list();
  void watch();
  void retry(void (Informer::*step)());
  void apply(const WatchEvent& event);

  sim::Engine& engine_;
  ApiServer& api_;
  const std::string client_, kind_, ns_;
  std::map<std::pair<std::string, std::string>, ObjectPtr> cache_;
  std::uint64_t last_rv_ = 0;
  std::uint64_t generation_ = 0;  // bumped by stop(): callbacks of an older run are ignored
  ApiServer::WatchId watch_ = 0;
  int failures_ = 0;
  bool running_ = false, synced_once_ = false;
  std::uint64_t relists_ = 0;
};

}  // namespace kubetwin::models
