#pragma once
// The fabric of a run (fabric.json) and the modelled load of its shared links over time
// (fabric-usage.jsonl), both written by `kubetwin run` for scenarios with a /fabric. The shared
// links are those of the contention model (models/perf/fabric_contention.hpp): each leaf's uplinks
// to its spines and each spine block's links to the core, aggregated per switch and direction.
// Qt-free, tested with GoogleTest.

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace kubetwin::gui {

struct FabricBlock {
  std::string name;
  int spines = 0;              ///< spine switches of the block (all planes)
  double core_capacity = 0;    ///< usable bytes/s to the core, per direction
  std::vector<std::uint32_t> leaves;
};

struct FabricLeaf {
  std::string name;
  std::uint32_t block = 0;
  double spine_capacity = 0;   ///< usable bytes/s to the block's spines, per direction
  std::vector<std::uint32_t> nodes;  ///< nodes with a NIC on this leaf, ascending
};

/// The load of a shared link (both directions: the busier one counts) at one time.
struct LinkUse {
  double load = 0;      ///< bytes/s the jobs on it get (their max-min shares)
  double demand = 0;    ///< bytes/s they would push alone
  double capacity = 0;  ///< usable bytes/s
  double utilization() const { return capacity > 0 ? load / capacity : 0; }
};

class FabricModel {
 public:
  /// Reads fabric.json and fabric-usage.jsonl in `dir`; `node_index` maps node names to their
  /// index in the run. Throws sim::InputError naming the file and line or JSON pointer.
  static FabricModel load(const std::filesystem::path& dir, const std::unordered_map<std::string, std::uint32_t>& node_index);

  const std::string& kind() const { return kind_; }  ///< "railOptimized" or "fatTree"
  int cores() const { return cores_; }
  int planes() const { return planes_; }
  double nic_rate() const { return nic_rate_; }
  const std::vector<FabricBlock>& blocks() const { return blocks_; }
  const std::vector<FabricLeaf>& leaves() const { return leaves_; }
  /// The leaves node `n`'s NICs connect to (empty for a node outside the fabric).
  const std::vector<std::uint32_t>& leaves_of_node(std::uint32_t n) const;

  /// Shared links: a leaf's uplinks (to its spines) and a block's uplinks (to the core).
  std::size_t link_count() const { return leaves_.size() + blocks_.size(); }
  std::size_t leaf_link(std::uint32_t leaf) const { return leaf; }
  std::size_t block_link(std::uint32_t block) const { return leaves_.size() + block; }
  /// "leaf pod0.leaf1 -> spines" or "block pod0 spines -> core".
  std::string link_name(std::size_t link) const;
  /// The link's load at time t (changes at exactly t applied).
  LinkUse use_at(std::size_t link, double t) const;
  /// Jobs whose traffic crosses the link at t, in the order they started.
  std::vector<std::string> jobs_at(std::size_t link, double t) const;
  /// Load changes recorded (fabric-usage.jsonl lines).
  std::size_t usage_records() const { return usage_records_; }

 private:
  // Model resources are per direction: 2 per leaf (up, down), then 2 per block.
  std::size_t link_of_resource(std::size_t resource) const;
  void read_fabric(const std::filesystem::path& file, const std::unordered_map<std::string, std::uint32_t>& node_index);
  void read_usage(const std::filesystem::path& file);

  struct DirectionLoad {  // one direction of one link, from a time on
    double t = 0;
    double load[2] = {0, 0}, demand[2] = {0, 0};  // up, down
  };
  struct Crossing {
    std::string job;
    double start = 0, stop = 0;
  };

  std::string kind_;
  int cores_ = 0, planes_ = 1;
  double nic_rate_ = 0;
  std::vector<FabricBlock> blocks_;
  std::vector<FabricLeaf> leaves_;
  std::vector<std::vector<std::uint32_t>> node_leaves_;
  std::vector<std::vector<DirectionLoad>> loads_;      // per link, in time order
  std::vector<std::vector<Crossing>> crossings_;       // per link, by start
  std::size_t usage_records_ = 0;
};

}  // namespace kubetwin::gui
