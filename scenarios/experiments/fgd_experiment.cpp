#include "scenarios/experiments/fgd_experiment.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "models/gpushare/fragmentation.hpp"
#include "models/gpushare/policies.hpp"
#include "sim/input_error.hpp"
#include "sim/json_writer.hpp"
#include "sim/random.hpp"

namespace kubetwin::scenarios {

using namespace models::gpushare;

namespace {

struct Sample {
  double arrived_pct, alloc_pct, frag_ratio_pct, frag_amount_pct;
};

// Per-pod samples bucketed by round(arrived %); an empty bucket takes the mean of the samples
// within +-1 %, and failing that the previous bucket's values.
std::vector<FgdCurvePoint> bucket(const std::vector<Sample>& samples, int last_bucket) {
  std::vector<FgdCurvePoint> curve(static_cast<std::size_t>(last_bucket) + 1);
  std::vector<int> count(curve.size(), 0);
  for (const Sample& s : samples) {
    const long b = std::lround(s.arrived_pct);
    if (b < 0 || b > last_bucket) continue;
    auto& p = curve[static_cast<std::size_t>(b)];
    p.alloc_pct += s.alloc_pct;
    p.frag_ratio_pct += s.frag_ratio_pct;
    p.frag_amount_pct += s.frag_amount_pct;
    ++count[static_cast<std::size_t>(b)];
  }
  for (std::size_t b = 0; b < curve.size(); ++b) {
    auto& p = curve[b];
    p.arrived_pct = static_cast<int>(b);
    if (count[b] > 0) {
      p.alloc_pct /= count[b];
      p.frag_ratio_pct /= count[b];
      p.frag_amount_pct /= count[b];
      continue;
    }
    int n = 0;
    for (const Sample& s : samples) {
      if (std::abs(s.arrived_pct - static_cast<double>(b)) <= 1.0) {
        p.alloc_pct += s.alloc_pct;
        p.frag_ratio_pct += s.frag_ratio_pct;
        p.frag_amount_pct += s.frag_amount_pct;
        ++n;
      }
    }
    if (n > 0) {
      p.alloc_pct /= n;
      p.frag_ratio_pct /= n;
      p.frag_amount_pct /= n;
    } else if (b > 0) {
      p = curve[b - 1];
      p.arrived_pct = static_cast<int>(b);
    }
  }
  return curve;
}

template <class T>
void shuffle(std::vector<T>& v, sim::RandomStream& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace

std::string fgd_curve_csv(const std::vector<FgdCurvePoint>& curve) {
  std::string out = "arrived_pct,alloc_pct,frag_ratio_pct,frag_amount_pct\n";
  for (const auto& p : curve) {
    out += std::to_string(p.arrived_pct);
    for (double v : {p.alloc_pct, p.frag_ratio_pct, p.frag_amount_pct}) {
      out += ',';
      sim::append_json_number(out, v);
    }
    out += '\n';
  }
  return out;
}

double FgdRunResult::alloc_pct_at(int arrived_pct) const {
  for (const auto& p : curve) {
    if (p.arrived_pct == arrived_pct) return p.alloc_pct;
  }
  return 0;
}

FgdRunResult run_fgd_experiment(const std::vector<OpenbNode>& openb_nodes, const std::vector<OpenbPod>& openb_pods,
                                const std::string& policy_name, std::uint64_t seed, double tune) {
  // GPU models become bits, in name order.
  std::map<std::string, int> model_bit;
  for (const auto& n : openb_nodes) {
    if (n.gpus > 0) model_bit.emplace(n.model, 0);
  }
  if (model_bit.size() > 32) throw sim::InputError("node list: more than 32 GPU models");
  int next_bit = 0;
  for (auto& [model, bit] : model_bit) bit = next_bit++;

  auto shape_of = [&](const OpenbPod& p) {
    PodShape s{p.cpu_milli, p.memory_mib, p.num_gpu, p.gpu_milli, kAnyModel};
    if (!p.gpu_spec.empty()) {
      s.models = 0;
      for (const auto& m : p.gpu_spec) {
        if (auto it = model_bit.find(m); it != model_bit.end()) s.models |= ModelMask{1} << it->second;
      }
    }
    return s;
  };

  // The original trace in name order: the pool inflation draws from, and the typical tasks' source.
  std::vector<const OpenbPod*> by_name;
  for (const auto& p : openb_pods) by_name.push_back(&p);
  std::stable_sort(by_name.begin(), by_name.end(), [](auto* a, auto* b) { return a->name < b->name; });
  std::vector<PodShape> original;
  for (const auto* p : by_name) original.push_back(shape_of(*p));
  const std::vector<TypicalTask> tasks = typical_tasks(original);

  auto policy = make_policy(policy_name, tasks);
  if (!policy) {
    std::string known;
    for (auto n : policy_names()) known += (known.empty() ? "" : ", ") + std::string(n);
    throw sim::InputError("--policy: unknown policy \"" + policy_name + "\" (known: " + known + ")");
  }

  sim::RandomStreams streams(seed);
  // Node order decides ties (the artifact prefixes node names with a seeded permutation).
  std::vector<GpuShareNode> nodes;
  std::int64_t capacity = 0;
  for (const auto& n : openb_nodes) {
    GpuShareNode g;
    g.cpu_free = n.cpu_milli;
    g.memory_free = n.memory_mib;
    g.gpus = n.gpus;
    g.model = n.gpus > 0 ? model_bit.at(n.model) : 0;
    for (int i = 0; i < n.gpus; ++i) g.gpu_free[static_cast<std::size_t>(i)] = kMilliPerGpu;
    capacity += static_cast<std::int64_t>(n.gpus) * kMilliPerGpu;
    nodes.push_back(g);
  }
  shuffle(nodes, streams.stream("fgd.node-order"));

  // Pods: name order, shuffled with the seed, then inflated (or pruned) to tune x capacity.
  std::vector<PodShape> pods = original;
  shuffle(pods, streams.stream("fgd.pod-order"));
  auto& tuning = streams.stream("fgd.tuning");
  const double target = tune * static_cast<double>(capacity);
  std::int64_t total = 0;
  for (const auto& p : pods) total += p.gpu_request();
  if (tune > 0 && static_cast<double>(total) < target && !original.empty()) {
    while (true) {
      const PodShape& draw = original[tuning.below(original.size())];
      // The artifact's stop test adds the draw's per-GPU milli, its total the whole request.
      if (static_cast<double>(total + draw.gpu_milli) > target) break;
      total += draw.gpu_request();
      pods.push_back(draw);
    }
  } else if (tune > 0) {
    while (static_cast<double>(total) > target && !pods.empty()) {
      const std::size_t i = tuning.below(pods.size());
      total -= pods[i].gpu_request();
      pods.erase(pods.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }

  // Fragmentation is tracked per node and summed, updating only the node that changed.
  std::vector<double> frag(nodes.size());
  double frag_total = 0;
  std::int64_t free_total = capacity;
  for (std::size_t i = 0; i < nodes.size(); ++i) frag_total += frag[i] = node_fragmentation(nodes[i], tasks);

  FgdRunResult result;
  result.capacity_milli = capacity;
  result.typical_tasks = tasks.size();
  std::vector<Sample> samples;
  samples.reserve(pods.size());
  auto& random_choice = streams.stream("fgd.random-policy");
  std::vector<std::size_t> feasible;
  std::vector<NodeScore> scores;
  std::vector<std::int64_t> values;
  std::int64_t arrived = 0, allocated = 0;
  const double cap = capacity > 0 ? static_cast<double>(capacity) : 1.0;

  for (const PodShape& pod : pods) {
    ++result.pods_submitted;
    arrived += pod.gpu_request();
    feasible.clear();
    scores.clear();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].fits(pod)) continue;
      feasible.push_back(i);
      if (!policy->random_choice()) scores.push_back(policy->score(nodes[i], frag[i], pod));
    }
    if (!feasible.empty()) {
      std::size_t chosen = 0;
      GpuChoice devices;
      if (policy->random_choice()) {
        chosen = feasible[random_choice.below(feasible.size())];
        const GpuShareNode& n = nodes[chosen];
        if (pod.fractional()) {
          std::vector<int> ok;
          for (int d = 0; d < n.gpus; ++d) {
            if (n.gpu_free[static_cast<std::size_t>(d)] >= pod.gpu_milli) ok.push_back(d);
          }
          devices.devices[0] = ok[random_choice.below(ok.size())];
          devices.count = 1;
        } else if (!pod.cpu_only()) {
          devices = tightest_devices(n, pod.num_gpu, pod.gpu_milli);
        }
      } else {
        values.resize(scores.size());
        for (std::size_t k = 0; k < scores.size(); ++k) values[k] = scores[k].score;
        if (policy->min_max_normalized()) normalize_min_max(values);
        std::size_t best = 0;  // the first node in order wins ties
        for (std::size_t k = 1; k < values.size(); ++k) {
          if (values[k] > values[best]) best = k;
        }
        chosen = feasible[best];
        devices = scores[best].devices;
      }
      place(nodes[chosen], pod, devices);
      frag_total -= frag[chosen];
      frag_total += frag[chosen] = node_fragmentation(nodes[chosen], tasks);
      allocated += pod.gpu_request();
      free_total -= pod.gpu_request();
      ++result.pods_scheduled;
    }
    samples.push_back({100.0 * static_cast<double>(arrived) / cap, 100.0 * static_cast<double>(allocated) / cap,
                       free_total > 0 ? 100.0 * frag_total / static_cast<double>(free_total) : 0.0,
                       100.0 * frag_total / cap});
  }
  result.curve = bucket(samples, static_cast<int>(std::lround(100.0 * tune)));
  return result;
}

}  // namespace kubetwin::scenarios
