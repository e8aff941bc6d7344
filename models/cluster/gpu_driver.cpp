#include "models/cluster/gpu_driver.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace kubetwin::models {

namespace {

// A dotted version of up to three numbers, "550.54.15" -> {550, 54, 15}; nullopt if malformed.
std::optional<std::array<int, 3>> dotted(std::string_view text, std::size_t min_parts) {
  std::array<int, 3> out{};
  std::size_t parts = 0;
  while (parts < out.size()) {
    const auto dot = text.find('.');
    const std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 6) return std::nullopt;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out[parts]);
    if (ec != std::errc() || end != part.data() + part.size()) return std::nullopt;
    ++parts;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    if (parts == out.size()) return std::nullopt;  // a fourth part
  }
  if (parts < min_parts) return std::nullopt;
  return out;
}

// NVIDIA's minimum Linux x86_64 driver for each CUDA toolkit's GA release (CUDA Toolkit release
// notes, table 3), newest first.
struct CudaDriverRow {
  CudaVersion cuda;
  std::array<int, 3> min_driver;
};
constexpr std::array<CudaDriverRow, 11> kCudaDrivers = {{
    {{13, 0}, {580, 65, 6}},
    {{12, 9}, {575, 51, 3}},
    {{12, 8}, {570, 26, 0}},
    {{12, 6}, {560, 28, 3}},
    {{12, 5}, {555, 42, 2}},
    {{12, 4}, {550, 54, 14}},
    {{12, 3}, {545, 23, 6}},
    {{12, 2}, {535, 54, 3}},
    {{12, 1}, {530, 30, 2}},
    {{12, 0}, {525, 60, 13}},
    {{11, 8}, {520, 61, 5}},
}};

}  // namespace

std::optional<CudaVersion> max_cuda_for_driver(std::string_view version) {
  const auto v = dotted(version, 2);
  if (!v) return std::nullopt;
  for (const CudaDriverRow& row : kCudaDrivers) {
    if (*v >= row.min_driver) return row.cuda;
  }
  return std::nullopt;
}

const char* compatibility_name(CudaCompatibility c) {
  switch (c) {
    case CudaCompatibility::Compatible: return "Compatible";
    case CudaCompatibility::Incompatible: return "Incompatible";
    case CudaCompatibility::Unknown: break;
  }
  return "Unknown";
}

CudaCompatibility check_cuda(const std::optional<DriverVersions>& installed, const std::optional<CudaVersion>& required) {
  if (!installed) return CudaCompatibility::Unknown;
  if (required && installed->cuda < *required) return CudaCompatibility::Incompatible;
  return CudaCompatibility::Compatible;
}

std::vector<std::string> driver_label_keys() {
  return {"nvidia.com/cuda.driver-version.major",  "nvidia.com/cuda.driver-version.minor",
          "nvidia.com/cuda.driver-version.revision", kCudaDriverVersionFullLabel,
          kCudaRuntimeVersionMajorLabel,           kCudaRuntimeVersionMinorLabel,
          kCudaRuntimeVersionFullLabel,            "nvidia.com/cuda.driver.major",
          "nvidia.com/cuda.driver.minor",          "nvidia.com/cuda.driver.rev",
          "nvidia.com/cuda.runtime.major",         "nvidia.com/cuda.runtime.minor",
          kContainerToolkitLabel};
}

std::vector<std::pair<std::string, std::string>> driver_labels(const DriverVersions& v) {
  // The driver's parts as GFD writes them: "550.54.15" -> 550, 54, 15 (revision kept as text).
  std::string parts[3];
  std::size_t i = 0;
  for (char c : v.driver) {
    if (c == '.') {
      if (++i == 3) break;
    } else {
      parts[i] += c;
    }
  }
  const std::string major = std::to_string(v.cuda.major), minor = std::to_string(v.cuda.minor);
  std::vector<std::pair<std::string, std::string>> out = {
      {"nvidia.com/cuda.driver-version.major", parts[0]},
      {"nvidia.com/cuda.driver-version.minor", parts[1]},
      {"nvidia.com/cuda.driver-version.revision", parts[2]},
      {kCudaDriverVersionFullLabel, v.driver},
      {kCudaRuntimeVersionMajorLabel, major},
      {kCudaRuntimeVersionMinorLabel, minor},
      {kCudaRuntimeVersionFullLabel, v.cuda.text()},
      {"nvidia.com/cuda.driver.major", parts[0]},
      {"nvidia.com/cuda.driver.minor", parts[1]},
      {"nvidia.com/cuda.driver.rev", parts[2]},
      {"nvidia.com/cuda.runtime.major", major},
      {"nvidia.com/cuda.runtime.minor", minor},
  };
  if (!v.container_toolkit.empty()) out.emplace_back(kContainerToolkitLabel, v.container_toolkit);
  return out;
}

std::optional<DriverVersions> advertised_driver(const Cluster& cluster, NodeIndex n) {
  const auto driver = cluster.node_label(n, kCudaDriverVersionFullLabel);
  const auto cuda = cluster.node_label(n, kCudaRuntimeVersionFullLabel);
  if (!driver || !cuda) return std::nullopt;
  DriverVersions v;
  v.driver = std::string(*driver);
  v.cuda = CudaVersion::parse(*cuda).value_or(CudaVersion{});
  if (auto toolkit = cluster.node_label(n, kContainerToolkitLabel)) v.container_toolkit = std::string(*toolkit);
  return v;
}

bool advertised_cuda_satisfies(const Cluster& cluster, NodeIndex n, const CudaVersion& required) {
  const auto cuda = cluster.node_label(n, kCudaRuntimeVersionFullLabel);
  if (!cuda) return false;
  const auto advertised = CudaVersion::parse(*cuda);
  return advertised && *advertised >= required;
}

bool GpuDriverConfig::any() const {
  return std::any_of(pools.begin(), pools.end(), [](const auto& d) { return d.has_value(); });
}

namespace {

// {version, cudaVersion?, containerToolkitVersion?} into `v` (the fields not given keep v's values;
// cudaVersion defaults to the newest the driver supports and may not exceed it).
void read_versions(sim::StrictObject& o, DriverVersions& v, bool version_required) {
  const auto version = o.string("version", version_required ? sim::Required::Yes : sim::Required::No);
  if (version) v.driver = *version;
  const auto supported = max_cuda_for_driver(v.driver);
  if (version && !supported) {
    o.issue("version", "must be an NVIDIA driver version such as \"550.54.15\", at least 520.61.05 (CUDA 11.8), got \"" +
                           *version + "\"");
  }
  if (auto cuda = o.string("cudaVersion")) {
    const auto parsed = CudaVersion::parse(*cuda);
    if (!parsed) {
      o.issue("cudaVersion", "must be <major>.<minor>, such as \"12.4\", got \"" + *cuda + "\"");
    } else if (supported && *parsed > *supported) {
      o.issue("cudaVersion", "CUDA " + parsed->text() + " needs a newer driver than " + v.driver + " (which supports up to " +
                                 supported->text() + ")");
    } else {
      v.cuda = *parsed;
    }
  } else if (supported && version) {
    v.cuda = *supported;
  }
  if (auto toolkit = o.string("containerToolkitVersion")) {
    if (toolkit->empty()) o.issue("containerToolkitVersion", "must not be empty");
    v.container_toolkit = *toolkit;
  }
}

}  // namespace

std::optional<DriverVersions> read_pool_driver(sim::StrictObject& pool) {
  auto d = pool.object("driver");
  if (!d || !d->valid()) return std::nullopt;
  DriverVersions v;
  read_versions(*d, v, true);
  d->finish();
  return v;
}

std::vector<DriverUpgrade> read_driver_upgrades(sim::StrictObject& root, const std::vector<NodePoolSpec>& pools,
                                                const std::vector<std::optional<DriverVersions>>& drivers,
                                                std::vector<sim::JsonIssue>& issues) {
  std::vector<DriverUpgrade> out;
  const auto* list = root.array("driverUpgrades");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    sim::StrictObject u((*list)[i], root.pointer_of("driverUpgrades") + "/" + std::to_string(i), issues);
    if (!u.valid()) continue;
    DriverUpgrade up;
    const std::string pool = u.string("pool", sim::Required::Yes).value_or("");
    const auto it = std::find_if(pools.begin(), pools.end(), [&](const NodePoolSpec& p) { return p.name == pool; });
    const std::size_t p = static_cast<std::size_t>(it - pools.begin());
    if (it == pools.end()) {
      if (u.has("pool") && !pools.empty()) u.issue("pool", "no node pool \"" + pool + "\"");
    } else if (p >= drivers.size() || !drivers[p]) {
      u.issue("pool", "node pool \"" + pool + "\" has no driver (/platform/nodePools/" + std::to_string(p) + "/driver)");
    } else {
      up.pool = p;  // the toolkit, unless given, stays what it is when the upgrade comes (GpuDriverStack)
    }
    up.at = u.quantity("at", sim::Dimension::Time, sim::Required::Yes).value_or(0);
    read_versions(u, up.to, true);
    u.finish();
    out.push_back(std::move(up));
  }
  return out;
}

GpuFeatureDiscoveryConfig read_feature_discovery(sim::StrictObject& gfd) {
  GpuFeatureDiscoveryConfig c;
  c.sleep_interval = gfd.quantity("sleepInterval", sim::Dimension::Time, sim::Required::No, 1).value_or(c.sleep_interval);
  c.oneshot = gfd.boolean("oneshot").value_or(c.oneshot);
  gfd.finish();
  return c;
}

}  // namespace kubetwin::models
