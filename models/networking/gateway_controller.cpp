#include "models/networking/gateway_controller.hpp"

#include <algorithm>
#include <cmath>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/transformer_spec.hpp"
#include "sim/input_error.hpp"
#include "sim/named_list.hpp"

namespace kubetwin::models::networking {

struct GatewayController::ServerKind {
  GpuSpec gpu;
  TransformerSpec model;
  AlphaBetaCollectives comm;
  InferenceStepModel step;
  ServingSimulator sizing;
  ServerKind(const GpuSpec& g, const TransformerSpec& m, int tp, const ServerConfig& config)
      : gpu(g),
        model(m),
        comm(AlphaBetaCollectives::for_gpu(gpu)),
        step(gpu, EfficiencyModel::builtin(), comm, options(tp)),
        sizing(step, model, config) {}
  static InferenceOptions options(int tp) {
    InferenceOptions o;
    o.tp = tp;
    return o;
  }
};

GatewayController::GatewayController(sim::Engine& engine, ControlPlane& cp, const Cluster& cluster,
                                     GatewayConfig config, std::vector<std::string> deployments,
                                     std::vector<std::optional<ModelServing>> serving,
                                     std::uint64_t seed)
    : engine_(engine),
      cluster_(cluster),
      config_(std::move(config)),
      deployments_(std::move(deployments)),
      serving_(std::move(serving)),
      streams_(seed) {
  for (const InferencePool& pool : config_.pools) {
    const EndpointPickerSpec* spec = sim::find_by_name(config_.pickers, pool.endpoint_picker);
    EndpointPickerSpec picker = spec ? *spec : EndpointPickerSpec{};
    pickers_.push_back(
        std::make_unique<EndpointPicker>(picker, streams_.stream("gateway.picker." + pool.name)));
  }
  cp.job_started.connect([this](const JobState& pod) { on_pod_started(pod); });
  cp.job_terminated.connect(
      [this](const JobState& pod, const PodTermination&) { on_pod_gone(pod); });
}

GatewayController::~GatewayController() = default;

const BackendRef& GatewayController::backend_ref(const GatewayRequest& r) const {
  return config_.routes[static_cast<std::size_t>(r.route)]
      .rules[static_cast<std::size_t>(r.rule)]
      .backend_refs[static_cast<std::size_t>(r.backend)];
}

void GatewayController::start() {
  RouteTargets targets{&config_.gateways, deployments_, &config_.pools};
  for (const HttpRoute& route : config_.routes) {
    status_.push_back(route_conditions(route, targets));
    accepted_.push_back(accepted(status_.back()));
    route_status_written.emit(route, status_.back());
  }
  for (std::size_t p = 0; p < config_.traffic.size(); ++p) {
    sim::RandomStream& arrivals = streams_.stream("gateway.arrivals." + std::to_string(p));
    schedule_arrival(p,
                     config_.traffic[p].start + arrivals.exponential(1 / config_.traffic[p].rate));
  }
}

void GatewayController::schedule_arrival(std::size_t phase, double t) {
  const TrafficPhase& ph = config_.traffic[phase];
  if (t >= ph.start + ph.duration) return;
  engine_.schedule_at(t, [this, phase] { arrive(phase); });
}

void GatewayController::arrive(std::size_t phase) {
  if (finished_) return;
  const TrafficPhase& ph = config_.traffic[phase];
  const std::string tag = std::to_string(phase);
  sim::RandomStream& lengths = streams_.stream("gateway.lengths." + tag);
  auto draw = [&](const TokenLengths& l) {
    return l.min + static_cast<int>(lengths.below(static_cast<std::uint64_t>(l.max - l.min) + 1));
  };
  GatewayRequest r;
  r.id = requests_.size();
  r.arrival = engine_.now();
  r.phase = phase;
  HttpRequest http;
  if (!ph.mix.empty()) {
    std::vector<double> weights;
    for (const HeaderMix& m : ph.mix) weights.push_back(m.weight);
    r.mix = streams_.stream("gateway.headers." + tag).pick_weighted(weights);
    http.path = ph.mix[r.mix].path;
    http.headers = ph.mix[r.mix].headers;
  }
  r.tokens.arrival_seconds = r.arrival;
  r.tokens.input_tokens = draw(ph.input);
  r.tokens.output_tokens = draw(ph.output);
  if (ph.prefix_groups > 0) {
    const auto group = streams_.stream("gateway.prefixes." + tag)
                           .below(static_cast<std::uint64_t>(ph.prefix_groups));
    r.tokens.prefix = (static_cast<std::uint64_t>(phase + 1) << 32) | (group + 1);
    r.tokens.prefix_tokens = ph.prefix_tokens;
    r.tokens.input_tokens += ph.prefix_tokens;
  }
  route(r, http);
  requests_.push_back(std::move(r));
  sim::RandomStream& arrivals = streams_.stream("gateway.arrivals." + tag);
  schedule_arrival(phase, engine_.now() + arrivals.exponential(1 / ph.rate));
}

void GatewayController::route(GatewayRequest& r, const HttpRequest& http) {
  const std::optional<RouteChoice> choice = select_rule(config_.routes, accepted_, http);
  if (!choice) {
    r.outcome = "noRoute", r.status = 404;
    return;
  }
  r.route = static_cast<int>(choice->route);
  r.rule = static_cast<int>(choice->rule);
  const RouteRule& rule = config_.routes[choice->route].rules[choice->rule];
  const std::optional<std::size_t> b =
      pick_backend(rule, streams_.stream("gateway.backends"), config_.ignore_weights);
  // A backendRef that resolves to nothing gets its share of the traffic answered with 500.
  if (!b || !resolves(rule.backend_refs[*b],
                      RouteTargets{&config_.gateways, deployments_, &config_.pools})) {
    if (b) r.backend = static_cast<int>(*b);
    r.outcome = "backendError", r.status = 500;
    return;
  }
  r.backend = static_cast<int>(*b);
  const BackendRef& ref = rule.backend_refs[*b];

  // The candidate endpoints: the Ready model-server pods of the Deployment, or those the pool
  // selects; each server caught up to now, so its queue and cache are current.
  std::vector<Endpoint*> candidates;
  const InferencePool* pool = nullptr;
  std::size_t pool_index = 0;
  if (ref.kind == BackendKind::InferencePool) {
    pool = sim::find_by_name(config_.pools, ref.name);
    pool_index = static_cast<std::size_t>(pool - config_.pools.data());
  }
  for (auto& [seq, e] : endpoints_) {
    const bool member = pool ? std::all_of(pool->selector.begin(), pool->selector.end(),
                                           [&](const auto& kv) {
                                             const auto it = e.labels.find(kv.first);
                                             return it != e.labels.end() && it->second == kv.second;
                                           })
                             : e.deployment == ref.name;
    if (member) candidates.push_back(&e);
  }
  if (candidates.empty()) {
    r.outcome = "unavailable", r.status = 503;
    return;
  }
  for (Endpoint* e : candidates) e->server->advance_to(engine_.now());
  std::size_t chosen = 0;
  if (pool) {
    std::vector<EndpointMetrics> metrics;
    for (auto& [seq, e] : endpoints_) {
      if (std::find(candidates.begin(), candidates.end(), &e) == candidates.end()) continue;
      metrics.push_back(
          {seq, e.server->waiting(), e.server->running(), e.server->kv_utilization()});
    }
    chosen = pickers_[pool_index]->pick(metrics, r.tokens);
  } else {
    chosen =
        static_cast<std::size_t>(streams_.stream("gateway.endpoints").below(candidates.size()));
  }
  Endpoint& e = *candidates[chosen];
  r.endpoint = e.pod;
  ++endpoint_requests_[e.pod];
  if (e.server->blocks_needed(r.tokens) > e.server->usable_blocks()) {
    r.outcome = "tooLarge", r.status = 413;
    return;
  }
  e.server->enqueue(r.id, r.tokens);
  r.outcome = "inFlight";
}

GatewayController::ServerKind& GatewayController::server_kind(std::size_t d, const JobState& pod) {
  const ModelServing& s = *serving_[d];
  const std::uint32_t pool = cluster_.pool_of(pod.pod_nodes.front());
  const std::string& gpu_name = cluster_.pool(pool).gpu_model;
  const std::string key = deployments_[d] + "@" + gpu_name;
  auto& kind = kinds_[key];
  if (!kind) {
    const GpuSpec* gpu = GpuCatalog::builtin().find(gpu_name);
    const TransformerSpec* model = ModelCatalog::builtin().find(s.model);
    if (gpu == nullptr)
      throw sim::InputError("deployment \"" + deployments_[d] + "\" serves on node pool \"" +
                            cluster_.pool(pool).name + "\", which has no gpuModel");
    const int tp =
        s.tp > 0 ? s.tp : std::max<int>(1, static_cast<int>(pod.spec.pods.front().requests.gpus));
    if (auto problems = InferenceStepModel::check(*model, tp); !problems.empty()) {
      for (auto& p : problems) p = "deployment \"" + deployments_[d] + "\" serving: " + p;
      throw sim::InputError(std::move(problems));
    }
    kind = std::make_unique<ServerKind>(*gpu, *model, tp, s.config);
  }
  return *kind;
}

void GatewayController::on_pod_started(const JobState& pod) {
  if (finished_ || pod.spec.owner.empty() || pod.pod_nodes.empty()) return;
  const auto d = std::find(deployments_.begin(), deployments_.end(), pod.spec.owner);
  if (d == deployments_.end()) return;
  const std::size_t di = static_cast<std::size_t>(d - deployments_.begin());
  if (!serving_[di]) return;
  ServerKind& kind = server_kind(di, pod);
  Endpoint e;
  e.pod = pod.pod_name(0);
  e.deployment = pod.spec.owner;
  e.labels = pod.spec.pods.front().labels;
  // Chunked prefill's budget (vLLM V1 always chunks when configured so; 2048 otherwise too, the
  // gateway's requests are not known in advance).
  e.server = std::make_unique<ModelServer>(kind.sizing.start_server(kind.sizing.token_budget({})));
  e.server->advance_to(engine_.now());
  endpoints_.emplace(pod.seq, std::move(e));
}

void GatewayController::on_pod_gone(const JobState& pod) {
  auto it = endpoints_.find(pod.seq);
  if (it == endpoints_.end()) return;
  it->second.server->advance_to(engine_.now());
  harvest(it->second, engine_.now());
  for (std::uint64_t id : it->second.server->unfinished()) {
    requests_[id].outcome = "aborted", requests_[id].status = 503;
  }
  for (auto& picker : pickers_) picker->forget(pod.seq);
  endpoints_.erase(it);
}

// Copies the server's newly finished requests into their records; at the end of the run one that
// finishes after now is still in flight.
void GatewayController::harvest(Endpoint& e, double end) {
  const auto& done = e.server->finished();
  for (; e.harvested < done.size(); ++e.harvested) {
    const FinishedRequest& f = done[e.harvested];
    GatewayRequest& r = requests_[f.id];
    r.first_token = f.first_token;
    r.prefix_hit = f.prefix_hit;
    if (f.finish > end) continue;
    r.finish = f.finish;
    r.outcome = "completed", r.status = 200;
  }
}

void GatewayController::finish(double end) {
  if (finished_) return;
  for (auto& [seq, e] : endpoints_) {
    if (std::isfinite(end))
      e.server->advance_to(end);
    else
      e.server->drain();
    harvest(e, end);
  }
  finished_ = true;
}

}  // namespace kubetwin::models::networking
