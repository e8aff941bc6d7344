#pragma once
// Disaggregated (prefill/decode-split) LLM serving, as llm-d, vLLM's P/D disaggregation, SGLang
// and Dynamo run it: two scalable pod groups (two Deployments, the prefill role and the decode
// role) behind a router, with every request going through both:
//
//   arrival -> router picks a prefill pod (fewest requests held) -> the prefill pod computes the
//   prompt's K/V cache and the first token (FIFO, one prompt at a time, InferenceStepModel) ->
//   router picks a decode pod (nearest in the interconnect first, then fewest requests held) ->
//   the K/V cache moves from every prefill GPU to its decode peer (tensor-parallel rank k to rank
//   k) over the fabric: NVLink inside a server or NVLink domain, NICs and switches otherwise
//   (routed max-min rates of models/perf/collectives) -> the decode pod streams the first token
//   and generates the rest with continuous batching (each iteration one token for every running
//   request, timed by InferenceStepModel for that batch).
//
// Pods come from the Deployments: a pod joins its role when it starts (Ready) and leaves when it
// terminates; the requests it holds then fail (the gateway's client sees an error). The model
// observes pods through ControlPlane signals, so the scheduler (pod affinity on the topology
// labels) decides where prefill and decode sit, and the K/V transfer pays for that placement.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/hardware/efficiency.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/perf/collectives.hpp"
#include "models/perf/fabric_contention.hpp"
#include "models/perf/inference_step.hpp"
#include "models/perf/serving_simulator.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

struct DisaggregatedServingSpec {
  std::string name;
  TransformerSpec model;
  std::string prefill_deployment;  ///< the Deployment whose pods are the prefill role
  std::string decode_deployment;
  double start = 0;        ///< the first request's arrival
  RequestStream requests;  ///< Poisson arrivals and token lengths (seeded)
};

/// How far the K/V cache travels: the closest level prefill and decode pods share.
enum class KvPath { SameNode, NvlinkDomain, Leaf, SpineBlock, Core };
const char* kv_path_name(KvPath p);  ///< "node", "nvlinkDomain", "leaf", "spineBlock", "core"

/// One request's way through the stack (seconds of simulated time).
struct ServedRequest {
  std::string id;  ///< <service>-<index>
  int input_tokens = 0, output_tokens = 0;
  double arrival = 0;
  std::string prefill_pod, prefill_node;
  double prefill_start = -1, prefill_end = -1;
  std::string decode_pod, decode_node;
  KvPath path = KvPath::SameNode;
  double kv_bytes = 0;  ///< over all tensor-parallel ranks
  double kv_transfer_seconds = 0;
  double first_token = -1;  ///< the K/V cache and first token reached the decode pod
  double end = -1;          ///< the last token
  bool failed = false;
  std::string failure;  ///< why, when failed
};

class DisaggregatedServing {
 public:
  /// `fabric`: the interconnect the K/V cache crosses (server i is node i).
  DisaggregatedServing(sim::Engine& engine, ControlPlane& cp, const Cluster& cluster, const FabricIndex& fabric,
                       DisaggregatedServingSpec spec);
  DisaggregatedServing(const DisaggregatedServing&) = delete;
  DisaggregatedServing& operator=(const DisaggregatedServing&) = delete;
  ~DisaggregatedServing();

  /// Schedules the request arrivals.
  void start();

  const DisaggregatedServingSpec& spec() const { return spec_; }
  const std::vector<ServedRequest>& requests() const { return requests_; }
  int completed() const { return completed_; }
  int failed() const { return failed_; }

  /// A request's prefill finished (its prefill pod and times are set).
  sim::Signal<const ServedRequest&> prefilled;
  /// A request completed or failed.
  sim::Signal<const ServedRequest&> finished;

 private:
  enum class Role { Prefill, Decode };
  struct Pod;
  void pod_started(const JobState& job);
  void pod_terminated(const JobState& job);
  void arrive(std::size_t r);
  void dispatch_prefill(std::size_t r);
  void run_prefill(Pod& pod);
  void dispatch_decode(std::size_t r);
  void kv_arrived(std::uint64_t pod, std::size_t r);
  void iterate(Pod& pod);
  void finish(std::size_t r);
  void fail(std::size_t r, std::string why);
  KvPath path_between(const Pod& a, const Pod& b) const;
  double kv_transfer_seconds(const Pod& from, const Pod& to, double bytes_per_rank);

  sim::Engine& engine_;
  const Cluster& cluster_;
  const FabricIndex& fabric_;
  DisaggregatedServingSpec spec_;
  std::vector<ServingRequest> arrivals_;
  std::vector<ServedRequest> requests_;
  std::map<std::uint64_t, std::unique_ptr<Pod>> pods_;  // by control-plane sequence number: deterministic order
  std::vector<std::size_t> waiting_prefill_, waiting_decode_;  // requests no pod of the role could take yet
  std::map<std::pair<std::uint64_t, std::uint64_t>, TimedSchedule> transfers_;  // (prefill pod, decode pod)
  RoutedCollectiveParameters comm_;
  int completed_ = 0, failed_ = 0;
};

}  // namespace kubetwin::models
