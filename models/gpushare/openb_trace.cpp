#include "models/gpushare/openb_trace.hpp"

#include <charconv>
#include <fstream>
#include <set>
#include <string_view>

#include "sim/input_error.hpp"

namespace kubetwin::models::gpushare {
namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(sep, start);
    out.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// Reads a CSV with a fixed header, calling `row(fields, where)` for each data line.
template <class Row>
void read_csv(const std::string& path, const std::vector<std::vector<std::string>>& headers, Row row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sim::InputError(path + ": cannot open file");
  std::string line;
  if (!std::getline(in, line)) throw sim::InputError(path + ":1: empty file, expected a CSV header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto header = split(line, ',');
  const std::vector<std::string>* layout = nullptr;
  for (const auto& h : headers) {
    if (std::vector<std::string>(header.begin(), header.end()) == h) layout = &h;
  }
  if (layout == nullptr) {
    std::string expected;
    for (const auto& h : headers) {
      std::string joined;
      for (const auto& c : h) joined += (joined.empty() ? "" : ",") + c;
      expected += (expected.empty() ? "" : " or ") + joined;
    }
    throw sim::InputError(path + ":1: unexpected header \"" + line + "\" (expected " + expected + ")");
  }
  std::int64_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = split(line, ',');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (fields.size() != layout->size()) {
      throw sim::InputError(where + "expected " + std::to_string(layout->size()) + " fields, got " +
                            std::to_string(fields.size()));
    }
    row(fields, where);
  }
}

std::int64_t integer(std::string_view text, std::string_view column, std::int64_t min, std::int64_t max,
                     const std::string& where) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw sim::InputError(where + std::string(column) + ": not a whole number: \"" + std::string(text) + "\"");
  }
  if (v < min || v > max) {
    throw sim::InputError(where + std::string(column) + ": must be " + std::to_string(min) + ".." +
                          std::to_string(max) + ", got " + std::to_string(v));
  }
  return v;
}

}  // namespace

std::vector<OpenbNode> read_openb_nodes(const std::string& path) {
  std::vector<OpenbNode> nodes;
  std::set<std::string, std::less<>> names;
  read_csv(path, {{"sn", "cpu_milli", "memory_mib", "gpu", "model"}}, [&](const auto& f, const std::string& where) {
    OpenbNode n;
    n.name = std::string(f[0]);
    if (n.name.empty()) throw sim::InputError(where + "sn: empty node name");
    if (!names.insert(n.name).second) throw sim::InputError(where + "sn: duplicate node \"" + n.name + "\"");
    n.cpu_milli = integer(f[1], "cpu_milli", 1, 100'000'000, where);
    n.memory_mib = integer(f[2], "memory_mib", 1, 1'000'000'000, where);
    n.gpus = static_cast<int>(integer(f[3], "gpu", 0, kMaxGpusPerNode, where));
    n.model = std::string(f[4]);
    if (n.gpus > 0 && n.model.empty()) throw sim::InputError(where + "model: a node with GPUs needs a GPU model");
    nodes.push_back(std::move(n));
  });
  return nodes;
}

std::vector<OpenbPod> read_openb_pods(const std::string& path) {
  std::vector<OpenbPod> pods;
  const std::vector<std::string> full{"name",   "cpu_milli", "memory_mib",    "num_gpu",       "gpu_milli", "gpu_spec",
                                      "qos",    "pod_phase", "creation_time", "deletion_time", "scheduled_time"};
  const std::vector<std::string> short_layout{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"};
  read_csv(path, {full, short_layout}, [&](const auto& f, const std::string& where) {
    OpenbPod p;
    p.name = std::string(f[0]);
    p.cpu_milli = integer(f[1], "cpu_milli", 0, 100'000'000, where);
    p.memory_mib = integer(f[2], "memory_mib", 0, 1'000'000'000, where);
    p.num_gpu = static_cast<int>(integer(f[3], "num_gpu", 0, kMaxGpusPerNode, where));
    p.gpu_milli = static_cast<int>(integer(f[4], "gpu_milli", 0, kMilliPerGpu, where));
    if ((p.num_gpu == 0) != (p.gpu_milli == 0)) {
      throw sim::InputError(where + "gpu_milli: must be 0 exactly when num_gpu is 0 (num_gpu " +
                            std::to_string(p.num_gpu) + ", gpu_milli " + std::to_string(p.gpu_milli) + ")");
    }
    if (p.num_gpu > 1 && p.gpu_milli != kMilliPerGpu) {
      throw sim::InputError(where + "gpu_milli: a multi-GPU pod must use whole GPUs (1000), got " +
                            std::to_string(p.gpu_milli));
    }
    if (f.size() > 5 && !f[5].empty()) {
      for (std::string_view model : split(f[5], '|')) {
        if (model.empty()) throw sim::InputError(where + "gpu_spec: empty model in \"" + std::string(f[5]) + "\"");
        p.gpu_spec.emplace_back(model);
      }
    }
    pods.push_back(std::move(p));
  });
  return pods;
}

}  // namespace kubetwin::models::gpushare
