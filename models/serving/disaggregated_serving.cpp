#include "models/serving/disaggregated_serving.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "models/hardware/gpu_catalog.hpp"

namespace kubetwin::models {

const char* kv_path_name(KvPath p) {
  switch (p) {
    case KvPath::SameNode: return "node";
    case KvPath::NvlinkDomain: return "nvlinkDomain";
    case KvPath::Leaf: return "leaf";
    case KvPath::SpineBlock: return "spineBlock";
    case KvPath::Core: return "core";
  }
  return "?";
}

/// A Ready pod of either role, with its own step model (its node's GPU, its GPUs as TP ranks).
struct DisaggregatedServing::Pod {
  Role role = Role::Prefill;
  std::uint64_t seq = 0;
  std::string name;
  NodeIndex node = 0;
  std::vector<VertexId> gpus;  // tensor-parallel ranks in device order
  AlphaBetaCollectives tp_comm;
  InferenceStepModel step;
  // prefill: requests in FIFO order, the first one running when `busy`
  std::vector<std::size_t> queue;
  bool busy = false;
  // decode: requests in the running batch (with tokens generated so far), and K/V caches that
  // arrived during an iteration (they join the next one)
  std::vector<std::pair<std::size_t, int>> running;
  std::vector<std::size_t> joining;
  std::size_t in_flight = 0;  // K/V transfers on their way here
  bool iterating = false;

  Pod(const GpuSpec& gpu, int tp) : tp_comm(AlphaBetaCollectives::for_gpu(gpu)), step(gpu, EfficiencyModel::builtin(), tp_comm, {.tp = tp}) {}
  std::size_t load() const { return queue.size() + running.size() + joining.size() + in_flight; }
};

DisaggregatedServing::DisaggregatedServing(sim::Engine& engine, ControlPlane& cp, const Cluster& cluster,
                                           const FabricIndex& fabric, DisaggregatedServingSpec spec)
    : engine_(engine), cluster_(cluster), fabric_(fabric), spec_(std::move(spec)) {
  cp.job_started.connect([this](const JobState& job) { pod_started(job); });
  cp.job_terminated.connect([this](const JobState& job, const PodTermination&) { pod_terminated(job); });
}

DisaggregatedServing::~DisaggregatedServing() = default;

void DisaggregatedServing::start() {
  arrivals_ = poisson_requests(spec_.requests);
  requests_.resize(arrivals_.size());
  for (std::size_t r = 0; r < arrivals_.size(); ++r) {
    ServedRequest& q = requests_[r];
    q.id = spec_.name + "-" + std::to_string(r);
    q.input_tokens = arrivals_[r].input_tokens;
    q.output_tokens = arrivals_[r].output_tokens;
    q.arrival = spec_.start + arrivals_[r].arrival_seconds;
    engine_.schedule_at(q.arrival, [this, r] { arrive(r); });
  }
}

void DisaggregatedServing::pod_started(const JobState& job) {
  const bool prefill = job.spec.owner == spec_.prefill_deployment;
  if (!prefill && job.spec.owner != spec_.decode_deployment) return;
  const NodeIndex node = job.pod_nodes.at(0);
  const std::string& model = cluster_.pool(cluster_.pool_of(node)).gpu_model;
  const GpuSpec* gpu = GpuCatalog::builtin().find(model);
  if (gpu == nullptr) throw std::logic_error("disaggregated serving: node pool without a known gpuModel");  // checked at load
  const auto& devices = job.pod_devices.at(0);
  auto pod = std::make_unique<Pod>(*gpu, static_cast<int>(devices.size()));
  pod->role = prefill ? Role::Prefill : Role::Decode;
  pod->seq = job.seq;
  pod->name = job.pod_name(0);
  pod->node = node;
  for (DeviceIndex d : devices) pod->gpus.push_back(fabric_.gpu(static_cast<int>(node), static_cast<int>(d)));
  pods_.emplace(job.seq, std::move(pod));
  // Requests that found no pod of this role get one now, oldest first.
  std::vector<std::size_t> waiting;
  waiting.swap(prefill ? waiting_prefill_ : waiting_decode_);
  for (std::size_t r : waiting) prefill ? dispatch_prefill(r) : dispatch_decode(r);
}

void DisaggregatedServing::pod_terminated(const JobState& job) {
  const auto it = pods_.find(job.seq);
  if (it == pods_.end()) return;
  const std::string why = "pod " + it->second->name + " terminated";
  std::unique_ptr<Pod> pod = std::move(it->second);
  pods_.erase(it);
  // Every request it held fails; so do those whose K/V cache is on its way here (kv_arrived finds no pod).
  for (std::size_t r : pod->queue) fail(r, why);
  for (const auto& [r, tokens] : pod->running) fail(r, why);
  for (std::size_t r : pod->joining) fail(r, why);
}

void DisaggregatedServing::arrive(std::size_t r) { dispatch_prefill(r); }

void DisaggregatedServing::dispatch_prefill(std::size_t r) {
  Pod* best = nullptr;
  for (auto& [seq, pod] : pods_) {
    if (pod->role == Role::Prefill && (best == nullptr || pod->load() < best->load())) best = pod.get();
  }
  if (best == nullptr) {
    waiting_prefill_.push_back(r);
    return;
  }
  best->queue.push_back(r);
  requests_[r].prefill_pod = best->name;
  requests_[r].prefill_node = cluster_.node_name(best->node);
  if (!best->busy) run_prefill(*best);
}

void DisaggregatedServing::run_prefill(Pod& pod) {
  if (pod.queue.empty()) {
    pod.busy = false;
    return;
  }
  pod.busy = true;
  const std::size_t r = pod.queue.front();
  ServedRequest& q = requests_[r];
  q.prefill_start = engine_.now();
  const double seconds = pod.step.step(spec_.model, IterationWork::prefill(1, q.input_tokens)).seconds;
  engine_.schedule_in(seconds, [this, seq = pod.seq, r] {
    const auto it = pods_.find(seq);
    if (it == pods_.end() || it->second->queue.empty() || it->second->queue.front() != r) return;  // the pod is gone
    Pod& p = *it->second;
    p.queue.erase(p.queue.begin());
    ServedRequest& done = requests_[r];
    done.prefill_end = engine_.now();
    done.kv_bytes = p.step.kv_bytes_per_token(spec_.model) * done.input_tokens * static_cast<double>(p.gpus.size());
    prefilled.emit(done);
    dispatch_decode(r);
    run_prefill(p);
  });
}

KvPath DisaggregatedServing::path_between(const Pod& a, const Pod& b) const {
  if (a.node == b.node) return KvPath::SameNode;
  const auto da = cluster_.node_label(a.node, kNvlinkDomainLabel), db = cluster_.node_label(b.node, kNvlinkDomainLabel);
  if (da && db && *da == *db) return KvPath::NvlinkDomain;
  const int na = static_cast<int>(a.node), nb = static_cast<int>(b.node);
  if (fabric_.leaf_of(na) == fabric_.leaf_of(nb)) return KvPath::Leaf;
  if (fabric_.block_of(na) == fabric_.block_of(nb)) return KvPath::SpineBlock;
  return KvPath::Core;
}

double DisaggregatedServing::kv_transfer_seconds(const Pod& from, const Pod& to, double bytes_per_rank) {
  auto it = transfers_.find({from.seq, to.seq});
  if (it == transfers_.end()) {
    // Rank k of the prefill group sends its K/V shard to rank k of the decode group, all at once.
    CommStep step;
    for (std::size_t k = 0; k < from.gpus.size(); ++k) step.transfers.push_back({from.gpus[k], to.gpus[k % to.gpus.size()], 1.0});
    it = transfers_.emplace(std::pair{from.seq, to.seq}, time_schedule(fabric_.fabric(), {step}, comm_)).first;
  }
  return schedule_seconds(it->second, bytes_per_rank, comm_.step_latency);
}

void DisaggregatedServing::dispatch_decode(std::size_t r) {
  ServedRequest& q = requests_[r];
  const Pod* prefill = nullptr;
  for (const auto& [seq, pod] : pods_) {
    if (pod->name == q.prefill_pod) prefill = pod.get();
  }
  if (prefill == nullptr) {  // the prefill pod went away while no decode pod existed: the cache is lost
    fail(r, "pod " + q.prefill_pod + " terminated");
    return;
  }
  // The nearest decode pod (the K/V cache travels least), then the least loaded, then the oldest.
  Pod* best = nullptr;
  KvPath best_path = KvPath::Core;
  for (auto& [seq, pod] : pods_) {
    if (pod->role != Role::Decode) continue;
    const KvPath path = path_between(*prefill, *pod);
    if (best == nullptr || std::tuple(path, pod->load()) < std::tuple(best_path, best->load())) best = pod.get(), best_path = path;
  }
  if (best == nullptr) {
    waiting_decode_.push_back(r);
    return;
  }
  q.decode_pod = best->name;
  q.decode_node = cluster_.node_name(best->node);
  q.path = best_path;
  q.kv_transfer_seconds = kv_transfer_seconds(*prefill, *best, q.kv_bytes / static_cast<double>(prefill->gpus.size()));
  ++best->in_flight;
  engine_.schedule_in(q.kv_transfer_seconds, [this, seq = best->seq, r] { kv_arrived(seq, r); });
}

void DisaggregatedServing::kv_arrived(std::uint64_t seq, std::size_t r) {
  const auto it = pods_.find(seq);
  if (it == pods_.end()) {
    fail(r, "pod " + requests_[r].decode_pod + " terminated");
    return;
  }
  Pod& pod = *it->second;
  --pod.in_flight;
  ServedRequest& q = requests_[r];
  q.first_token = engine_.now();  // the prefill's token, streamed by the decode pod
  if (q.output_tokens <= 1) {
    finish(r);
    return;
  }
  pod.joining.push_back(r);
  if (!pod.iterating) iterate(pod);
}

void DisaggregatedServing::iterate(Pod& pod) {
  for (std::size_t r : pod.joining) pod.running.emplace_back(r, 1);
  pod.joining.clear();
  if (pod.running.empty()) {
    pod.iterating = false;
    return;
  }
  pod.iterating = true;
  IterationWork work;
  for (const auto& [r, tokens] : pod.running) work.add_sequence(1, requests_[r].input_tokens + tokens, true);
  const double seconds = pod.step.step(spec_.model, work).seconds;
  engine_.schedule_in(seconds, [this, seq = pod.seq] {
    const auto it = pods_.find(seq);
    if (it == pods_.end()) return;
    Pod& p = *it->second;
    std::vector<std::pair<std::size_t, int>> still;
    for (auto [r, tokens] : p.running) {
      if (++tokens >= requests_[r].output_tokens) finish(r);
      else still.emplace_back(r, tokens);
    }
    p.running = std::move(still);
    iterate(p);
  });
}

void DisaggregatedServing::finish(std::size_t r) {
  requests_[r].end = engine_.now();
  ++completed_;
  finished.emit(requests_[r]);
}

void DisaggregatedServing::fail(std::size_t r, std::string why) {
  ServedRequest& q = requests_[r];
  if (q.failed || q.end >= 0) return;
  q.failed = true;
  q.failure = std::move(why);
  q.end = engine_.now();
  ++failed_;
  finished.emit(q);
}

}  // namespace kubetwin::models
