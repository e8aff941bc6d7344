#pragma once
// Nodes grouped by their value of one topology key (a "domain": a zone, a rack, a node), for
// PodTopologySpread and InterPodAffinity. Node labels come from the node's pool, except
// kubernetes.io/hostname, so a key is resolved once per pool rather than once per node, and
// domains are small integers that index plain vectors of counts.

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/cluster/gpu_driver.hpp"
#include "models/cluster/node_pool.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

class TopologyDomains {
 public:
  static constexpr std::int32_t kNone = -1;

  /// `key` must outlive this object (it is a pod spec's string or a literal).
  TopologyDomains(const Cluster& cluster, std::string_view key)
      : cluster_(&cluster), key_(key), by_node_(key == kHostnameLabel) {
    if (by_node_) {
      size_ = cluster.node_count();
      return;
    }
    std::vector<std::string_view> values;  // domain id -> value; a handful of pools
    if (is_per_node_label(key)) {  // fabric labels: a value per node, interned
      std::unordered_map<std::string_view, std::int32_t> ids;
      node_domain_.assign(cluster.node_count(), kNone);
      for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
        if (auto v = cluster.node_label(n, key)) node_domain_[n] = ids.emplace(*v, static_cast<std::int32_t>(ids.size())).first->second;
      }
      size_ = ids.size();
      return;
    }
    pool_domain_.assign(cluster.pool_count(), kNone);
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
      for (const auto& [k, v] : cluster.pool(p).labels) {  // a scan: no string built per lookup
        if (k != key) continue;
        std::size_t id = 0;
        while (id < values.size() && values[id] != v) ++id;
        if (id == values.size()) values.emplace_back(v);
        pool_domain_[p] = static_cast<std::int32_t>(id);
        break;
      }
    }
    size_ = values.size();
  }

  std::string_view key() const { return key_; }
  /// The node's domain, 0..size()-1, or kNone if the node has no such label.
  std::int32_t of(NodeIndex n) const {
    if (by_node_) return static_cast<std::int32_t>(n);
    return node_domain_.empty() ? pool_domain_[cluster_->pool_of(n)] : node_domain_[n];
  }
  /// Number of domain ids (every node is its own domain for kubernetes.io/hostname).
  std::size_t size() const { return size_; }
  bool by_node() const { return by_node_; }

 private:
  const Cluster* cluster_;
  std::string_view key_;
  bool by_node_ = false;
  std::vector<std::int32_t> pool_domain_;  // by pool, unless by_node_ or per-node labels
  std::vector<std::int32_t> node_domain_;  // by node, for per-node (fabric) labels
  std::size_t size_ = 0;
};

/// The pod's nodeSelector and requiresCuda hold on the node (what NodeAffinity's filter checks).
inline bool node_selector_matches(const Cluster& cluster, const PodGroupSpec& pod, NodeIndex node) {
  for (const auto& [key, value] : pod.node_selector) {
    auto label = cluster.node_label(node, key);
    if (!label || *label != value) return false;
  }
  return !pod.requires_cuda || advertised_cuda_satisfies(cluster, node, *pod.requires_cuda);
}

/// The pod tolerates every NoSchedule and NoExecute taint of the node (what TaintToleration's
/// filter checks).
inline bool tolerates_node_taints(const Cluster& cluster, const PodGroupSpec& pod, NodeIndex node) {
  for (const auto* taints : {&cluster.pool(cluster.pool_of(node)).taints, &cluster.node_taints(node)}) {
    for (const Taint& t : *taints) {
      if (t.effect == TaintEffect::PreferNoSchedule) continue;
      bool tolerated = false;
      for (const Toleration& tol : pod.tolerations) tolerated = tolerated || tol.tolerates(t);
      if (!tolerated) return false;
    }
  }
  return true;
}

}  // namespace kubetwin::models
