#include "models/k8s/informer.hpp"

namespace kubetwin::models {

Informer::Informer(sim::Engine& engine, ApiServer& api, std::string client, std::string kind, std::string ns)
    : engine_(engine), api_(api), client_(std::move(client)), kind_(std::move(kind)), ns_(std::move(ns)) {}

void Informer::start() {
  if (running_) return;
  running_ = true;
  list();
}

void Informer::start_watching_from(std::uint64_t resource_version) {
  if (running_) return;
  running_ = true;
  last_rv_ = resource_version;
  synced_once_ = true;
  synced.emit();
  watch();
}

void Informer::stop() {
  if (!running_) return;
  running_ = false;
  ++generation_;
  if (watch_ != 0) api_.stop_watch(watch_);
  watch_ = 0;
  cache_.clear();
  last_rv_ = 0;
  failures_ = 0;
  synced_once_ = false;
}

void Informer::retry(void (Informer::*step)()) {
  const std::uint64_t gen = generation_;
  engine_.schedule_in(ApiServer::reflector_backoff(++failures_), [this, gen, step] {
    if (gen == generation_) (this->*step)();
  });
}

void Informer::list() {
  const std::uint64_t gen = generation_;
  api_.list(client_, kind_, ns_, {}, [this, gen](const ApiReply& r) {
    if (gen != generation_) return;
    if (!r.status.ok()) {
      retry(&Informer::list);
      return;
    }
    failures_ = 0;
    ++relists_;
    // Replace the cache, telling handlers what changed since the last state they were told.
    std::map<std::pair<std::string, std::string>, ObjectPtr> fresh;
    for (const ObjectPtr& o : r.items) fresh.emplace(std::make_pair(o->meta.ns, o->meta.name), o);
    std::vector<ObjectPtr> gone;
    for (const auto& [key, old] : cache_) {
      if (!fresh.count(key)) gone.push_back(old);
    }
    std::map<std::pair<std::string, std::string>, ObjectPtr> old_cache = std::move(cache_);
    cache_ = std::move(fresh);
    last_rv_ = r.resource_version;
    for (const ObjectPtr& o : gone) deleted.emit(o);
    for (const auto& [key, now] : cache_) {
      auto it = old_cache.find(key);
      if (it == old_cache.end()) {
        added.emit(now);
      } else if (it->second->meta.resource_version != now->meta.resource_version) {
        updated.emit(it->second, now);
      }
    }
    if (!synced_once_) {
      synced_once_ = true;
      synced.emit();
    }
    watch();
  });
}

void Informer::watch() {
  const std::uint64_t gen = generation_;
  watch_ = api_.watch(
      client_, kind_, ns_, last_rv_,
      [this, gen](const WatchEvent& e) {
        if (gen == generation_) apply(e);
      },
      [this, gen](ApiStatus why) {
        if (gen != generation_) return;
        watch_ = 0;
        if (why.code == 410) {
          list();  // too old: only a relist can catch up
        } else {
          retry(&Informer::watch);
        }
      });
}

void Informer::apply(const WatchEvent& e) {
  failures_ = 0;
  last_rv_ = e.object->meta.resource_version;
  const auto key = std::make_pair(e.object->meta.ns, e.object->meta.name);
  if (e.type == WatchEventType::Deleted) {
    cache_.erase(key);
    deleted.emit(e.object);
    return;
  }
  auto [it, fresh] = cache_.try_emplace(key, e.object);
  if (fresh) {
    added.emit(e.object);
    return;
  }
  ObjectPtr old = std::move(it->second);
  it->second = e.object;
  updated.emit(old, e.object);
}

ObjectPtr Informer::get(std::string_view ns, std::string_view name) const {
  auto it = cache_.find({std::string(ns), std::string(name)});
  return it == cache_.end() ? nullptr : it->second;
}

}  // namespace kubetwin::models
