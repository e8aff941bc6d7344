#include "models/k8s/api_server.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace kubetwin::models {

namespace {

constexpr ApiStatus kOk{200, "OK"};
constexpr ApiStatus kCreated{201, "Created"};
constexpr ApiStatus kNotFound{404, "NotFound"};
constexpr const char* kNotServed = "the server could not find the requested resource";
constexpr ApiStatus kAlreadyExists{409, "AlreadyExists"};
constexpr ApiStatus kConflict{409, "Conflict"};
constexpr ApiStatus kGone{410, "Expired"};
constexpr ApiStatus kTooManyRequests{429, "TooManyRequests"};
constexpr ApiStatus kInternalError{500, "InternalError"};
constexpr ApiStatus kUnavailable{503, "ServiceUnavailable"};

bool labels_match(const std::map<std::string, std::string>& labels, const std::map<std::string, std::string>& selector) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

std::string_view verb_name(ApiVerb verb) {
  switch (verb) {
    case ApiVerb::Create: return "create";
    case ApiVerb::Get: return "get";
    case ApiVerb::List: return "list";
    case ApiVerb::Update: return "update";
    case ApiVerb::Patch: return "patch";
    case ApiVerb::Delete: return "delete";
    case ApiVerb::Watch: return "watch";
  }
  return "get";
}

bool ApiServerFaults::any() const {
  return conflict_rate > 0 || !outages.empty() || !restarts.empty() ||
         std::any_of(std::begin(errors), std::end(errors), [](const ApiErrorRate& e) { return e.rate > 0; });
}

ApiServerConfig ApiServerConfig::with_defaults(double api_latency, double watch_latency) {
  ApiServerConfig c;
  c.write_latency = api_latency;
  c.read_latency = api_latency;
  c.watch_latency = watch_latency;
  // kube-controller-manager's --kube-api-qps / --kube-api-burst defaults (20, 30), which its Job
  // controller shares; the status writer stands for every kubelet and the scheduler together,
  // each with its own budget upstream, so it is not throttled; users submitting jobs neither.
  c.clients["job-controller"] = {20, 30};
  c.clients["garbage-collector"] = {20, 30};
  c.clients["kubelet"] = {0, 1};
  c.clients["job-submitter"] = {0, 1};
  return c;
}

ApiServer::ApiServer(sim::Engine& engine, ApiServerConfig config, std::uint64_t seed)
    : engine_(engine), config_(std::move(config)), faults_(seed ^ sim::fnv1a64("api-server")), seed_(seed) {
  for (const ApiOutage& o : config_.faults.outages) {
    engine_.schedule_at(o.from, [this] {
      std::vector<WatchId> open;
      for (const auto& [id, w] : watches_) open.push_back(id);
      for (WatchId id : open) close_watch(id, kUnavailable, config_.watch_latency);
    });
  }
}

double ApiServer::client_backoff(int failures) {
  if (failures <= 0) return 0;
  return std::min(1000.0, 0.005 * std::ldexp(1.0, std::min(failures - 1, 40)));
}

double ApiServer::reflector_backoff(int failures) {
  if (failures <= 0) return 0;
  return std::min(30.0, 0.8 * std::ldexp(1.0, std::min(failures - 1, 40)));
}

bool ApiServer::unavailable(double t) const {
  return std::any_of(config_.faults.outages.begin(), config_.faults.outages.end(),
                     [t](const ApiOutage& o) { return t >= o.from && t < o.to; });
}

std::uint64_t ApiServer::errors(int code) const {
  auto it = errors_.find(code);
  return it == errors_.end() ? 0 : it->second;
}

std::string ApiServer::next_uid() {
  // Derived from the seed and a counter: the same run gives the same uids, formatted as upstream's.
  const std::uint64_t n = ++uids_;
  const std::string key = std::to_string(seed_) + ":" + std::to_string(n);
  const std::uint64_t a = sim::fnv1a64(key), b = sim::fnv1a64(key, a);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

double ApiServer::rate_limited(std::string_view client, double t) {
  auto limits_it = config_.clients.find(client);
  const ApiClientLimits limits = limits_it == config_.clients.end() ? config_.default_client : limits_it->second;
  if (limits.qps <= 0) return t;
  Bucket& b = buckets_[std::string(client)];
  if (!b.primed) {  // a new client starts with a full bucket
    b = Bucket{static_cast<double>(limits.burst), t, true};
  }
  const double t0 = std::max(t, b.stamp);
  b.tokens = std::min(static_cast<double>(limits.burst), b.tokens + (t0 - b.stamp) * limits.qps);
  b.stamp = t0;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return t0;
  }
  b.stamp = t0 + (1 - b.tokens) / limits.qps;  // the token this call waits for is spent at once
  b.tokens = 0;
  return b.stamp;
}

std::optional<ApiStatus> ApiServer::injected_fault(ApiVerb verb) {
  if (unavailable(engine_.now())) return kUnavailable;
  const ApiErrorRate& e = config_.faults.errors[static_cast<int>(verb)];
  if (e.rate > 0 && faults_.uniform01() < e.rate) return e.code == 429 ? kTooManyRequests : kInternalError;
  return std::nullopt;
}

void ApiServer::audit(const Request& req, const ApiReply& reply) {
  ++requests_;
  if (!reply.status.ok()) ++errors_[reply.status.code];
  if (audited.empty()) return;
  const ObjectMeta* m = reply.object ? &reply.object->meta : nullptr;
  audited.emit(AuditEntry{req.verb, req.kind, req.ns, req.name, m ? std::string_view(m->uid) : std::string_view(),
                          req.client, m ? m->resource_version : reply.resource_version, req.submitted, engine_.now(),
                          reply.status.code});
}

void ApiServer::submit(Request req, std::function<ApiReply()> apply, ReplyHandler reply, std::shared_ptr<const ApiObject> admit) {
  const double out = rate_limited(req.client, engine_.now());
  const bool read = req.verb == ApiVerb::Get || req.verb == ApiVerb::List;
  const double at = out + (read ? config_.read_latency : config_.write_latency);
  engine_.schedule_at(at, [this, req = std::move(req), apply = std::move(apply), reply = std::move(reply), admit = std::move(admit)] {
    auto answer = [this, req, reply](const ApiReply& r) {
      audit(req, r);
      if (reply) reply(r);
    };
    ApiReply r;
    if (auto fault = injected_fault(req.verb)) {
      r.status = *fault;
    } else if (served_ && !served_(req.kind)) {
      r.status = kNotFound;
      r.message = kNotServed;
    } else if (admit && admission_) {
      // Applied (or refused) when admission has decided, which may take the webhook's latency.
      admission_(*admit, [apply, answer](std::optional<ApiStatus> refused, std::string message) {
        ApiReply decided;
        if (refused) {
          decided.status = *refused;
          decided.message = std::move(message);
        } else {
          decided = apply();
        }
        answer(decided);
      });
      return;
    } else {
      r = apply();
    }
    answer(r);
  });
}

ObjectPtr ApiServer::commit(WatchEventType type, std::shared_ptr<ApiObject> object) {
  KindStore& store = kinds_[object->meta.kind];
  object->meta.resource_version = ++revision_;
  const auto key = std::make_pair(object->meta.ns, object->meta.name);
  ObjectPtr stored = object;
  ObjectPtr before;
  if (auto it = store.objects.find(key); it != store.objects.end()) before = it->second;
  if (type == WatchEventType::Deleted) {
    store.objects.erase(key);
  } else {
    store.objects[key] = stored;
  }
  WatchEvent event{type, stored};
  store.history.push_back(event);
  while (store.history.size() > config_.history) {
    store.compacted = store.history.front().object->meta.resource_version;
    store.history.pop_front();
  }
  const double at = engine_.now() + config_.watch_latency;
  for (const auto& [id, w] : watches_) {
    if (w.established && w.kind == stored->meta.kind && (w.ns.empty() || w.ns == stored->meta.ns)) deliver(id, event, at);
  }
  committed.emit(type, before, stored);
  return stored;
}

void ApiServer::deliver(WatchId id, const WatchEvent& event, double at) {
  engine_.schedule_at(at, [this, id, event] {
    auto it = watches_.find(id);
    if (it != watches_.end()) it->second.on_event(event);
  });
}

void ApiServer::close_watch(WatchId id, ApiStatus why, double delay) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  auto closed = std::move(it->second.closed);
  watches_.erase(it);
  engine_.schedule_in(delay, [closed = std::move(closed), why] {
    if (closed) closed(why);
  });
}

void ApiServer::create(std::string_view client, ApiObject object, ReplyHandler reply) {
  Request req{ApiVerb::Create, std::string(client), object.meta.kind, object.meta.ns, object.meta.name, engine_.now()};
  auto obj = std::make_shared<ApiObject>(std::move(object));
  submit(std::move(req), [this, obj] {
    ApiReply r;
    KindStore& store = kinds_[obj->meta.kind];
    if (auto it = store.objects.find({obj->meta.ns, obj->meta.name}); it != store.objects.end()) {
      r.status = kAlreadyExists;
      r.object = it->second;
      return r;
    }
    obj->meta.uid = next_uid();
    obj->meta.generation = 1;
    obj->meta.creation_timestamp = engine_.now();
    obj->meta.deletion_timestamp = -1;
    for (const std::string& owner : obj->meta.owner_uids) {
      dependents_.emplace(owner, std::make_pair(obj->meta.kind, std::make_pair(obj->meta.ns, obj->meta.name)));
    }
    r.status = kCreated;
    r.object = commit(WatchEventType::Added, obj);
    return r;
  }, std::move(reply), obj);
}

void ApiServer::get(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
                    ReplyHandler reply) {
  Request req{ApiVerb::Get, std::string(client), std::string(kind), std::string(ns), std::string(name), engine_.now()};
  submit(req, [this, req] {
    ApiReply r;
    r.object = peek(req.kind, req.ns, req.name);
    r.status = r.object ? kOk : kNotFound;
    return r;
  }, std::move(reply));
}

void ApiServer::list(std::string_view client, std::string_view kind, std::string_view ns,
                     std::map<std::string, std::string> selector, ReplyHandler reply) {
  Request req{ApiVerb::List, std::string(client), std::string(kind), std::string(ns), {}, engine_.now()};
  submit(req, [this, req, selector = std::move(selector)] {
    ApiReply r;
    r.status = kOk;
    r.resource_version = revision_;
    auto it = kinds_.find(req.kind);
    if (it == kinds_.end()) return r;
    for (const auto& [key, obj] : it->second.objects) {
      if ((req.ns.empty() || key.first == req.ns) && labels_match(obj->meta.labels, selector)) r.items.push_back(obj);
    }
    return r;
  }, std::move(reply));
}

void ApiServer::update(std::string_view client, ApiObject object, ReplyHandler reply) {
  Request req{ApiVerb::Update, std::string(client), object.meta.kind, object.meta.ns, object.meta.name, engine_.now()};
  auto obj = std::make_shared<ApiObject>(std::move(object));
  submit(std::move(req), [this, obj] {
    ApiReply r;
    ObjectPtr current = peek(obj->meta.kind, obj->meta.ns, obj->meta.name);
    if (!current) {
      r.status = kNotFound;
      return r;
    }
    const bool forced = config_.faults.conflict_rate > 0 && faults_.uniform01() < config_.faults.conflict_rate;
    if (obj->meta.resource_version != current->meta.resource_version || forced) {
      r.status = kConflict;
      r.object = current;
      return r;
    }
    // The server owns identity and history; the client's copy only brings spec, status, labels, owners.
    obj->meta.uid = current->meta.uid;
    obj->meta.creation_timestamp = current->meta.creation_timestamp;
    obj->meta.deletion_timestamp = -1;
    const bool spec_changed = obj->spec != current->spec || obj->workload != current->workload;
    obj->meta.generation = current->meta.generation + (spec_changed ? 1 : 0);
    r.status = kOk;
    r.object = commit(WatchEventType::Modified, obj);
    return r;
  }, std::move(reply));
}

void ApiServer::patch_status(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
                             nlohmann::json status, ReplyHandler reply) {
  Request req{ApiVerb::Patch, std::string(client), std::string(kind), std::string(ns), std::string(name), engine_.now()};
  submit(req, [this, req, status = std::move(status)] {
    ApiReply r;
    ObjectPtr current = peek(req.kind, req.ns, req.name);
    if (!current) {
      r.status = kNotFound;
      return r;
    }
    auto obj = std::make_shared<ApiObject>(*current);
    if (!obj->status.is_object()) obj->status = nlohmann::json::object();
    for (const auto& [k, v] : status.items()) obj->status[k] = v;
    r.status = kOk;
    r.object = commit(WatchEventType::Modified, obj);
    return r;
  }, std::move(reply));
}

void ApiServer::remove(std::string_view client, std::string_view kind, std::string_view ns, std::string_view name,
                       ReplyHandler reply) {
  Request req{ApiVerb::Delete, std::string(client), std::string(kind), std::string(ns), std::string(name), engine_.now()};
  submit(req, [this, req] {
    ApiReply r;
    ObjectPtr current = peek(req.kind, req.ns, req.name);
    if (!current) {
      r.status = kNotFound;
      return r;
    }
    auto last = std::make_shared<ApiObject>(*current);
    last->meta.deletion_timestamp = engine_.now();
    for (const std::string& owner : last->meta.owner_uids) {
      auto [lo, hi] = dependents_.equal_range(owner);
      for (auto it = lo; it != hi; ++it) {
        if (it->second.first == req.kind && it->second.second == std::make_pair(req.ns, req.name)) {
          dependents_.erase(it);
          break;
        }
      }
    }
    r.status = kOk;
    r.object = commit(WatchEventType::Deleted, last);
    // Background propagation: the garbage collector sees the deletion through its watch and
    // deletes the dependents afterwards.
    const std::string uid = last->meta.uid;
    engine_.schedule_in(config_.watch_latency, [this, uid] { collect_dependents(uid); });
    return r;
  }, std::move(reply));
}

void ApiServer::collect_dependents(const std::string& owner_uid) {
  auto [lo, hi] = dependents_.equal_range(owner_uid);
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> victims;
  for (auto it = lo; it != hi; ++it) victims.push_back(it->second);
  for (auto& [kind, key] : victims) gc_delete(kind, key.first, key.second, 0);
}

void ApiServer::gc_delete(std::string kind, std::string ns, std::string name, int attempt) {
  remove("garbage-collector", kind, ns, name, [this, kind, ns, name, attempt](const ApiReply& r) {
    if (r.status.ok() || r.status.code == 404) return;
    engine_.schedule_in(client_backoff(attempt + 1), [this, kind, ns, name, attempt] { gc_delete(kind, ns, name, attempt + 1); });
  });
}

ApiServer::WatchId ApiServer::watch(std::string_view client, std::string_view kind, std::string_view ns,
                                    std::uint64_t from, std::function<void(const WatchEvent&)> on_event,
                                    std::function<void(ApiStatus)> closed) {
  const WatchId id = next_watch_++;
  Request req{ApiVerb::Watch, std::string(client), std::string(kind), std::string(ns), {}, engine_.now()};
  watches_[id] = Watch{req.kind, req.ns, req.client, std::move(on_event), std::move(closed), false};
  const double at = rate_limited(req.client, engine_.now()) + config_.read_latency;
  engine_.schedule_at(at, [this, id, req, from] {
    auto it = watches_.find(id);
    if (it == watches_.end()) return;  // stopped before it was established
    ApiReply r;
    r.status = kOk;
    KindStore& store = kinds_[req.kind];
    if (auto fault = injected_fault(ApiVerb::Watch)) {
      r.status = *fault;
    } else if (served_ && !served_(req.kind)) {
      r.status = kNotFound;
    } else if (from < store.compacted) {
      r.status = kGone;  // "too old resource version": the events after `from` are no longer kept
    }
    r.resource_version = from;
    audit(req, r);
    if (!r.status.ok()) {
      close_watch(id, r.status, 0);
      return;
    }
    it->second.established = true;
    const double deliver_at = engine_.now() + config_.watch_latency;
    for (const WatchEvent& e : store.history) {
      if (e.object->meta.resource_version > from && (req.ns.empty() || e.object->meta.ns == req.ns)) deliver(id, e, deliver_at);
    }
  });
  return id;
}

void ApiServer::stop_watch(WatchId id) { watches_.erase(id); }

const RecordedEvent& ApiServer::record(const ObjectMeta& involved, std::string_view type, std::string_view reason,
                                       std::string_view message, std::string_view source) {
  std::string key;
  for (std::string_view part : {source, std::string_view(involved.kind), std::string_view(involved.ns),
                                std::string_view(involved.name), std::string_view(involved.uid), type, reason, message}) {
    key.append(part);
    key.push_back('\0');
  }
  const double now = engine_.now();
  auto [it, fresh] = event_index_.try_emplace(std::move(key), events_.size());
  if (fresh) {
    RecordedEvent e;
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(events_.size() + 1));
    e.name = involved.name + suffix;
    e.reason = reason;
    e.message = message;
    e.type = type;
    e.source = source;
    e.involved_kind = involved.kind;
    e.involved_ns = involved.ns;
    e.involved_name = involved.name;
    e.involved_uid = involved.uid;
    e.first_timestamp = e.last_timestamp = now;
    events_.push_back(std::move(e));
  } else {
    RecordedEvent& e = events_[it->second];
    ++e.count;
    e.last_timestamp = now;
  }
  const RecordedEvent& e = events_[it->second];
  // The Event object: created once, then its count and lastTimestamp patched (written at once:
  // the recorder's writes are best effort and neither rate-limited nor faulted here).
  ObjectPtr current = peek("Event", e.involved_ns, e.name);
  auto obj = current ? std::make_shared<ApiObject>(*current) : std::make_shared<ApiObject>();
  if (!current) {
    obj->meta.kind = "Event";
    obj->meta.ns = e.involved_ns;
    obj->meta.name = e.name;
    obj->meta.uid = next_uid();
    obj->meta.generation = 1;
    obj->meta.creation_timestamp = now;
  }
  obj->status = {{"involvedObject", {{"kind", e.involved_kind}, {"name", e.involved_name}, {"uid", e.involved_uid}}},
                 {"type", e.type},
                 {"reason", e.reason},
                 {"message", e.message},
                 {"source", e.source},
                 {"count", e.count},
                 {"firstTimestamp", e.first_timestamp},
                 {"lastTimestamp", e.last_timestamp}};
  commit(current ? WatchEventType::Modified : WatchEventType::Added, obj);
  return e;
}

ObjectPtr ApiServer::peek(std::string_view kind, std::string_view ns, std::string_view name) const {
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) return nullptr;
  auto o = it->second.objects.find({std::string(ns), std::string(name)});
  return o == it->second.objects.end() ? nullptr : o->second;
}

std::size_t ApiServer::count(std::string_view kind) const {
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? 0 : it->second.objects.size();
}

}  // namespace kubetwin::models
