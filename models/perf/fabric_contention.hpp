#pragma once
// Jobs that share the fabric's oversubscribable links slow each other down. The shared links are
// aggregated per switch, as perfect ECMP spreading would leave them: each leaf's uplinks to its
// spines (one resource per direction) and each spine block's links to the core (per direction).
// NIC links are not shared (a NIC carries only its own GPU's traffic, and a GPU belongs to one job).
//
// A job's demand on a resource is what its inter-node traffic pushes through it when it runs
// alone: a ring per local rank over its nodes in topology order (block, leaf, node), as NCCL builds
// them, each flow at its NIC's rate or its share of the job's own bottleneck. When jobs' demands on
// a resource exceed its capacity, the capacity is shared max-min fair (water-filling by demand),
// and a job's network-bound time stretches by its worst ratio of demand to share: conservative,
// as if the jobs' collectives always coincided. Adding or removing a job recomputes only the
// resources it touches and reports only the jobs whose slowdown changed.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/topology/fabric.hpp"

namespace kubetwin::models {

/// Where each server and GPU of a builder-made fabric sits (server i's GPUs are
/// fabric.gpus()[i * gpus_per_node + k]), and the capacity of the shared resources.
class FabricIndex {
 public:
  /// `efficiency`: the achieved fraction of network link capacity (RoutedCollectiveParameters').
  FabricIndex(const Fabric& fabric, int gpus_per_node, double efficiency = 0.9);

  const Fabric& fabric() const { return fabric_; }
  int gpus_per_node() const { return gpus_per_node_; }
  int nodes() const { return static_cast<int>(node_leaf_.size()); }
  VertexId gpu(int node, int device) const { return fabric_.gpus()[static_cast<std::size_t>(node * gpus_per_node_ + device)]; }
  /// The leaf of the node's first GPU's NIC (first plane) and that leaf's spine block, as ids.
  int leaf_of(int node) const { return node_leaf_[static_cast<std::size_t>(node)]; }
  int block_of(int node) const { return node_block_[static_cast<std::size_t>(node)]; }
  int gpu_leaf(int node, int device) const { return gpu_leaf_[static_cast<std::size_t>(node * gpus_per_node_ + device)]; }
  int leaves() const { return static_cast<int>(leaf_up_.size()); }
  int blocks() const { return static_cast<int>(block_up_.size()); }
  /// The leaf switch (first plane's) behind leaf id `leaf`, and the name of spine block `block`.
  VertexId leaf_vertex(int leaf) const { return leaf_vertex_[static_cast<std::size_t>(leaf)]; }
  const std::string& block_name(int block) const { return block_names_[static_cast<std::size_t>(block)]; }
  int block_of_leaf(int leaf) const { return leaf_block_[static_cast<std::size_t>(leaf)]; }
  /// Nodes of each leaf and leaves of each block, in index order.
  const std::vector<int>& nodes_of_leaf(int leaf) const { return leaf_nodes_[static_cast<std::size_t>(leaf)]; }
  const std::vector<int>& leaves_of_block(int block) const { return block_leaves_[static_cast<std::size_t>(block)]; }

  /// Shared resources: 4 per leaf or block (leaf up, leaf down, then block up, block down).
  std::size_t resource_count() const { return 2 * leaf_up_.size() + 2 * block_up_.size(); }
  std::size_t leaf_up(int leaf) const { return 2 * static_cast<std::size_t>(leaf); }
  std::size_t leaf_down(int leaf) const { return 2 * static_cast<std::size_t>(leaf) + 1; }
  std::size_t block_up(int block) const { return 2 * leaf_up_.size() + 2 * static_cast<std::size_t>(block); }
  std::size_t block_down(int block) const { return block_up(block) + 1; }
  /// Achieved bytes/s of a resource, and of one NIC.
  double capacity(std::size_t resource) const;
  double nic_rate() const { return nic_rate_; }

 private:
  const Fabric& fabric_;
  int gpus_per_node_;
  double nic_rate_ = 0;
  std::vector<int> node_leaf_, node_block_, gpu_leaf_;
  std::vector<VertexId> leaf_vertex_;
  std::vector<int> leaf_block_;
  std::vector<std::string> block_names_;
  std::vector<double> leaf_up_, block_up_;  // capacity per direction (symmetric links)
  std::vector<std::vector<int>> leaf_nodes_, block_leaves_;
};

/// Demand of a job on one shared resource, bytes/s.
struct ResourceDemand {
  std::size_t resource = 0;
  double rate = 0;
};

/// The shared resources a job's inter-node rings cross and what it pushes through each when alone.
/// `nodes` and `devices`: its nodes and, for each, the devices it holds there.
std::vector<ResourceDemand> job_demands(const FabricIndex& index, std::span<const int> nodes,
                                        std::span<const std::vector<int>> devices);

class FabricContention {
 public:
  explicit FabricContention(const FabricIndex& index) : index_(index), jobs_on_(index.resource_count()) {}

  /// A changed slowdown: the job's network-bound time now takes `slowdown` x as long (>= 1).
  struct Change {
    std::uint64_t job = 0;
    double old_slowdown = 1, new_slowdown = 1;
  };
  /// Registers a running job; returns the jobs whose slowdown changed (the new one included when
  /// it is above 1), in job order.
  std::vector<Change> add(std::uint64_t job, std::vector<ResourceDemand> demands);
  /// Unregisters a job (no-op if unknown); returns the others whose slowdown changed.
  std::vector<Change> remove(std::uint64_t job);
  double slowdown(std::uint64_t job) const;
  /// What a running job pushes through each shared resource when alone (empty if unknown).
  std::span<const ResourceDemand> demands(std::uint64_t job) const;
  /// Sum over the jobs on resource `r` of the rate they get (their max-min share), and of what
  /// they would push alone, bytes/s: the resource's modelled load and demand.
  double load(std::size_t r) const;
  double demand(std::size_t r) const;
  /// Jobs whose slowdown was recomputed, in all (a measure of the incremental work).
  std::uint64_t recomputed() const { return recomputed_; }

 private:
  std::vector<Change> recompute(std::span<const std::size_t> resources, std::uint64_t except);
  // Max-min share of each job on one resource (water-filling); writes share_ entries.
  void share(std::size_t resource);
  double worst_ratio(std::uint64_t job) const;

  const FabricIndex& index_;
  struct Job {
    std::vector<ResourceDemand> demands;
    std::vector<double> shares;  // per demand
    double slowdown = 1;
  };
  std::map<std::uint64_t, Job> jobs_;
  std::vector<std::vector<std::uint64_t>> jobs_on_;  // per resource: jobs with a demand, ascending
  std::uint64_t recomputed_ = 0;
};

}  // namespace kubetwin::models
