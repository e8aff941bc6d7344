#pragma once
// The GPU catalog: datasheet figures for each GPU model, loaded from models/hardware/data/gpus.json
// (compiled into the binary so the tool runs from anywhere).

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::models {

struct GpuSpec {
  std::string name;                       ///< catalog key, e.g. "H100-SXM-80GB"
  double memory_bytes = 0;
  double memory_bandwidth = 0;            ///< bytes per second
  std::map<std::string, double> peak_flops;  ///< dense FLOP/s by data type ("bf16", "fp8", ...)
  double nvlink_bandwidth = 0;            ///< bytes per second, bidirectional, 0 if none
  double tdp_watts = 0;
  int streaming_multiprocessors = 0;      ///< SM count, 0 if unknown (GEMM wave quantization)

  /// Dense peak for `dtype`, or 0 if the GPU has no such unit.
  double peak(std::string_view dtype) const;
  /// NVLink bandwidth in one direction (half the bidirectional datasheet figure).
  double nvlink_bandwidth_per_direction() const { return nvlink_bandwidth / 2; }
};

class GpuCatalog {
 public:
  /// The catalog shipped with kubetwin.
  static const GpuCatalog& builtin();
  /// Parses a catalog document; throws sim::InputError naming `source` and the JSON pointer.
  static GpuCatalog parse(std::string_view json_text, const std::string& source);

  const GpuSpec* find(std::string_view name) const;
  const std::vector<GpuSpec>& gpus() const { return gpus_; }
  /// "A100-SXM-80GB, H100-SXM-80GB, ..." for error messages.
  std::string names() const;

 private:
  std::vector<GpuSpec> gpus_;
};

}  // namespace kubetwin::models
