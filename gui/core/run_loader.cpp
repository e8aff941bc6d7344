// Loading a run folder into a RunModel. events.jsonl is the big file (about five lines per job, so
// half a million lines for 100,000 jobs): its lines are flat objects written by sim::JsonObjectWriter,
// read here by a small scanner instead of a DOM parser, which keeps a 100,000-job run under the 3 s
// load target. The small files (summary.json, topology.json) go through sim::parse_json_document.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gui/core/run_model.hpp"
#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::gui {

namespace fs = std::filesystem;

namespace {

std::string read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw sim::InputError(file.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

// One field of a flat JSON object: strings are decoded, anything else (number, array, literal)
// is kept as its raw text.
struct Field {
  std::string_view key;
  std::string_view value;
  bool is_string = false;
};

// Scans one event line. Returns false if the line is not a flat JSON object.
class LineScanner {
 public:
  bool scan(std::string_view line) {
    fields_.clear();
    strings_.clear();
    strings_.reserve(line.size());  // decoded strings never grow, so views into it stay valid
    pos_ = 0;
    line_ = line;
    skip_ws();
    if (!eat('{')) return false;
    skip_ws();
    if (eat('}')) return at_end();
    for (;;) {
      skip_ws();
      std::string_view key;
      if (!string_value(key)) return false;
      skip_ws();
      if (!eat(':')) return false;
      skip_ws();
      Field f{key, {}, false};
      if (peek() == '"') {
        if (!string_value(f.value)) return false;
        f.is_string = true;
      } else if (!raw_value(f.value)) {
        return false;
      }
      fields_.push_back(f);
      skip_ws();
      if (eat('}')) return at_end();
      if (!eat(',')) return false;
    }
  }

  std::string_view str(std::string_view key) const {
    for (const auto& f : fields_) {
      if (f.key == key) return f.value;
    }
    return {};
  }
  bool has(std::string_view key) const {
    return std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) { return f.key == key; });
  }
  /// A numeric field; NaN if missing or not a number.
  double num(std::string_view key) const {
    for (const auto& f : fields_) {
      if (f.key != key || f.is_string) continue;
      double v = 0;
      const auto [p, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), v);
      if (ec == std::errc() && p == f.value.data() + f.value.size()) return v;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

 private:
  char peek() const { return pos_ < line_.size() ? line_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_ws() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t' || line_[pos_] == '\r')) ++pos_;
  }
  bool at_end() {
    skip_ws();
    return pos_ == line_.size();
  }
  bool string_value(std::string_view& out) {
    if (!eat('"')) return false;
    const std::size_t start = strings_.size();
    while (pos_ < line_.size()) {
      const char c = line_[pos_++];
      if (c == '"') {
        out = std::string_view(strings_).substr(start);
        return true;
      }
      if (c != '\\') {
        strings_ += c;
        continue;
      }
      if (pos_ >= line_.size()) return false;
      const char e = line_[pos_++];
      switch (e) {
        case 'n': strings_ += '\n'; break;
        case 't': strings_ += '\t'; break;
        case 'r': strings_ += '\r'; break;
        case 'b': strings_ += '\b'; break;
        case 'f': strings_ += '\f'; break;
        case 'u':  // shown as-is: the event log only escapes control characters this way
          if (pos_ + 4 > line_.size()) return false;
          strings_ += '?';
          pos_ += 4;
          break;
        default: strings_ += e;
      }
    }
    return false;
  }
  // A number, literal or (string-free or string-holding) array, up to the next top-level , or }.
  bool raw_value(std::string_view& out) {
    const std::size_t start = pos_;
    int depth = 0;
    bool in_string = false;
    for (; pos_ < line_.size(); ++pos_) {
      const char c = line_[pos_];
      if (in_string) {
        if (c == '\\') ++pos_;
        else if (c == '"') in_string = false;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '[' || c == '{') ++depth;
      else if (c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (depth != 0 || in_string || pos_ == start) return false;
    out = line_.substr(start, pos_ - start);
    while (!out.empty() && out.back() == ' ') out.remove_suffix(1);
    return true;
  }

  std::string_view line_;
  std::size_t pos_ = 0;
  std::vector<Field> fields_;
  std::string strings_;
};

// Integers of a JSON array of numbers such as "[0,3]"; false if malformed.
bool parse_int_array(std::string_view text, std::vector<int>& out) {
  out.clear();
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    while (!text.empty() && (text.front() == ' ' || text.front() == ',')) text.remove_prefix(1);
    if (text.empty()) break;
    int v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc()) return false;
    out.push_back(v);
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
  }
  return true;
}

}  // namespace

// Builds a RunModel file by file; every problem becomes one InputError line naming file and line.
class RunLoader {
 public:
  explicit RunLoader(const fs::path& dir) { m_.dir_ = dir; }

  RunModel load() {
    const fs::path& dir = m_.dir_;
    if (!fs::is_directory(dir)) throw sim::InputError(dir.string() + ": not a folder");
    for (const char* name : {"summary.json", "events.jsonl", "series.csv"}) {
      if (!fs::exists(dir / name)) {
        throw sim::InputError((dir / name).string() + ": missing; not a complete kubetwin run folder");
      }
    }
    read_summary();
    read_topology();
    read_series();
    read_events();
    if (fs::exists(dir / "fabric.json")) m_.fabric_ = FabricModel::load(dir, node_index_);
    m_.build_checkpoints();
    return std::move(m_);
  }

 private:
  void read_summary() {
    const fs::path file = m_.dir_ / "summary.json";
    const nlohmann::json s = sim::parse_json_document(read_whole(file), file.string());
    if (!s.is_object() || !s.contains("simulatedSeconds") || !s["simulatedSeconds"].is_number()) {
      throw sim::InputError(file.string() + ": /simulatedSeconds: missing or not a number");
    }
    m_.end_time_ = s["simulatedSeconds"].get<double>();
    if (s.contains("scenario") && s["scenario"].is_string()) m_.scenario_ = s["scenario"].get<std::string>();
  }

  void read_topology() {
    const fs::path file = m_.dir_ / "topology.json";
    if (!fs::exists(file)) {
      m_.topology_inferred_ = true;  // an older run folder: nodes come from the events instead
      return;
    }
    const nlohmann::json t = sim::parse_json_document(read_whole(file), file.string());
    auto bad = [&](const std::string& pointer, const std::string& what) {
      return sim::InputError(file.string() + ": " + pointer + ": " + what);
    };
    if (!t.is_object() || !t.contains("nodePools") || !t["nodePools"].is_array()) throw bad("/nodePools", "missing or not an array");
    if (!t.contains("nodes") || !t["nodes"].is_array()) throw bad("/nodes", "missing or not an array");
    for (std::size_t i = 0; i < t["nodePools"].size(); ++i) {
      const auto& p = t["nodePools"][i];
      const std::string ptr = "/nodePools/" + std::to_string(i);
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) throw bad(ptr + "/name", "missing or not a string");
      if (!p.contains("gpusPerNode") || !p["gpusPerNode"].is_number_integer() || p["gpusPerNode"].get<int>() < 0) {
        throw bad(ptr + "/gpusPerNode", "missing or not a non-negative integer");
      }
      NodePool pool{p["name"].get<std::string>(), p.value("gpuModel", std::string()), p["gpusPerNode"].get<int>(), {}};
      if (p.contains("labels") && p["labels"].is_object()) {
        for (const char* key : {"topology.kubernetes.io/rack", "topology.kubernetes.io/zone"}) {
          if (p["labels"].contains(key) && p["labels"][key].is_string()) {
            pool.zone = p["labels"][key].get<std::string>();
            break;
          }
        }
      }
      m_.pools_.push_back(std::move(pool));
    }
    for (std::size_t i = 0; i < t["nodes"].size(); ++i) {
      const auto& n = t["nodes"][i];
      const std::string ptr = "/nodes/" + std::to_string(i);
      if (!n.is_object() || !n.contains("name") || !n["name"].is_string()) throw bad(ptr + "/name", "missing or not a string");
      if (!n.contains("pool") || !n["pool"].is_number_unsigned() || n["pool"].get<std::size_t>() >= m_.pools_.size()) {
        throw bad(ptr + "/pool", "missing or not the index of a node pool");
      }
      const auto pool = n["pool"].get<std::uint32_t>();
      add_node(n["name"].get<std::string>(), pool, static_cast<std::uint32_t>(m_.pools_[pool].gpus_per_node),
               n.value("exists", true));
      if (!n.contains("labels")) continue;
      if (!n["labels"].is_object()) throw bad(ptr + "/labels", "not an object");
      Node& node = m_.nodes_.back();
      for (auto [key, place] : {std::pair{"topology.kubetwin.io/block", &node.block}, std::pair{"topology.kubetwin.io/leaf", &node.leaf}}) {
        if (!n["labels"].contains(key)) continue;
        if (!n["labels"][key].is_string()) throw bad(ptr + "/labels/" + sim::json_pointer_token(key), "not a string");
        *place = n["labels"][key].get<std::string>();
      }
    }
  }

  void add_node(std::string name, std::uint32_t pool, std::uint32_t gpus, bool exists) {
    const auto index = static_cast<std::uint32_t>(m_.nodes_.size());
    node_index_.emplace(name, index);
    m_.nodes_.push_back(Node{std::move(name), pool, static_cast<std::uint32_t>(m_.cell_count_), gpus, exists, {}, {}});
    m_.cell_count_ += gpus;
    m_.cell_node_.insert(m_.cell_node_.end(), gpus, index);
  }

  void read_series() {
    const fs::path file = m_.dir_ / "series.csv";
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line) || line.rfind("time_s,allocated_gpus,pending_pods,running_jobs", 0) != 0) {
      throw sim::InputError(file.string() + ":1: expected the header time_s,allocated_gpus,pending_pods,running_jobs");
    }
    for (int number = 2; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      SeriesRow r;
      double* cols[] = {&r.t, &r.allocated_gpus, &r.pending_pods, &r.running_jobs};
      std::string_view rest = line;
      bool ok = true;
      for (int c = 0; c < 4 && ok; ++c) {
        const auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), *cols[c]);
        ok = ec == std::errc();
        rest.remove_prefix(static_cast<std::size_t>(p - rest.data()));
        if (c < 3) ok = ok && !rest.empty() && rest.front() == ',';
        if (ok && c < 3) rest.remove_prefix(1);
      }
      if (!ok || !rest.empty()) {
        throw sim::InputError(file.string() + ":" + std::to_string(number) + ": expected four numbers (truncated file?)");
      }
      m_.series_.push_back(r);
    }
  }

  std::int32_t job_of(std::string_view id) {
    const auto it = m_.job_index_.find(std::string(id));
    if (it == m_.job_index_.end()) fail("names job \"" + std::string(id) + "\" before its JobSubmitted");
    return it->second;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw sim::InputError(events_file_ + ":" + std::to_string(line_number_) + ": " + what);
  }

  std::string_view need(const LineScanner& s, std::string_view key) const {
    if (!s.has(key)) fail("missing \"" + std::string(key) + "\"");
    return s.str(key);
  }

  // Frees every cell the job holds, closing its pod slices and its running interval.
  void release_job(std::int32_t j, double t) {
    auto& h = held_[static_cast<std::size_t>(j)];
    for (const Hold& hold : h) {
      if (hold.cell != kNoCell) {
        auto& holders = cell_holders_[hold.cell];
        const auto it = std::find_if(holders.begin(), holders.end(), [&](const auto& x) { return x.first == j; });
        if (it != holders.end()) holders.erase(it);
        record_cell(t, hold.cell);
      }
      m_.slices_[hold.slice].stop = t;
    }
    h.clear();
    Job& job = m_.jobs_[static_cast<std::size_t>(j)];
    if (job.run_count > 0 && std::isinf(m_.runs_[job.first_run + job.run_count - 1].stop) && open_run_[static_cast<std::size_t>(j)]) {
      m_.runs_[job.first_run + job.run_count - 1].stop = t;
      open_run_[static_cast<std::size_t>(j)] = false;
    }
  }

  void record_cell(double t, std::uint32_t cell) {
    const auto& holders = cell_holders_[cell];
    std::int32_t milli = 0;
    for (const auto& [job, m] : holders) milli += m;
    m_.changes_.push_back(CellChange{t, cell, holders.empty() ? kNoJob : holders.back().first, std::min(milli, 1000)});
  }

  std::uint32_t node_named(std::string_view name, std::uint32_t min_gpus) {
    const auto it = node_index_.find(std::string(name));
    if (it != node_index_.end()) return it->second;
    if (!m_.topology_inferred_) fail("node \"" + std::string(name) + "\" is not in topology.json");
    // Older run folders carry no topology: nodes appear as pods land on them, with as many GPUs as
    // the highest device number seen (grown in finish_inferred_topology).
    std::string pool_name(name.substr(0, name.rfind('-')));
    std::uint32_t pool = 0;
    for (; pool < m_.pools_.size() && m_.pools_[pool].name != pool_name; ++pool) {}
    if (pool == m_.pools_.size()) m_.pools_.push_back(NodePool{pool_name, {}, 0, {}});
    const auto index = static_cast<std::uint32_t>(m_.nodes_.size());
    node_index_.emplace(std::string(name), index);
    m_.nodes_.push_back(Node{std::string(name), pool, 0, min_gpus, true, {}, {}});
    return index;
  }

  void read_events();

  // The DRA claims of a Scheduled event, [{"name":"c","devices":["gpu-0"]}], as "c (gpu-0)".
  std::string claims_text(std::string_view json) const {
    const nlohmann::json claims = nlohmann::json::parse(json, nullptr, false);
    if (!claims.is_array()) fail("\"claims\" is not an array");
    std::string out;
    for (const auto& c : claims) {
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) fail("\"claims\": an entry without a \"name\"");
      out += (out.empty() ? "" : "; ") + c["name"].get<std::string>();
      if (!c.contains("devices") || !c["devices"].is_array() || c["devices"].empty()) continue;
      std::string devices;
      for (const auto& d : c["devices"]) {
        if (d.is_string()) devices += (devices.empty() ? "" : ", ") + d.get<std::string>();
      }
      out += " (" + devices + ")";
    }
    return out;
  }

  // Older run folders: cells are numbered once every node is known, so the changes recorded per
  // (node, device) slot are renumbered at the end.
  void infer_cells();

  static constexpr std::uint32_t kNoCell = std::numeric_limits<std::uint32_t>::max();
  struct Hold {
    std::uint32_t cell;
    std::uint32_t slice;
  };

  RunModel m_;
  std::unordered_map<std::string, std::uint32_t> node_index_;
  std::vector<std::vector<Hold>> held_;  // per job
  std::vector<bool> open_run_;           // per job
  std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> cell_holders_;  // (job, milli) per cell
  std::vector<std::map<std::string, int>> verdicts_;  // per job: "plugin: reason" -> nodes
  std::string events_file_;
  std::size_t line_number_ = 0;
  // Inferred topology: the (node, device) of each slot, resolved into cells at the end.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> inferred_cells_;
  std::unordered_map<std::uint64_t, std::uint32_t> slot_of_;
};

void RunLoader::read_events() {
  const fs::path file = m_.dir_ / "events.jsonl";
  events_file_ = file.string();
  const std::string text = read_whole(file);
  if (!text.empty() && text.back() != '\n') {
    line_number_ = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    fail("the last line is cut short (a truncated file?)");
  }
  // Cells are known up front unless the topology is inferred; then slots grow as nodes appear.
  if (!m_.topology_inferred_) cell_holders_.resize(m_.cell_count_);
  LineScanner s;
  std::vector<int> devices;
  double last_t = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_number_;
    if (line.empty()) continue;
    if (!s.scan(line)) fail("not a JSON object");
    const double t = s.num("t");
    if (std::isnan(t)) fail("\"t\" missing or not a number");
    if (t < last_t) fail("events out of time order");
    last_t = t;
    const std::string_view type = need(s, "type");
    if (type == "JobSubmitted") {
      const std::string id(need(s, "job"));
      if (m_.job_index_.count(id)) fail("job \"" + id + "\" submitted twice");
      const auto j = static_cast<std::int32_t>(m_.jobs_.size());
      m_.job_index_.emplace(id, j);
      Job job;
      job.id = id;
      job.queue = std::string(s.str("queue"));
      job.priority = static_cast<int>(std::isnan(s.num("priority")) ? 0 : s.num("priority"));
      job.pods = static_cast<int>(std::isnan(s.num("pods")) ? 0 : s.num("pods"));
      job.gpus = std::isnan(s.num("gpus")) ? 0 : s.num("gpus");
      job.submit = t;
      const auto q = std::find(m_.queues_.begin(), m_.queues_.end(), job.queue);
      m_.job_queue_.push_back(static_cast<std::uint32_t>(q - m_.queues_.begin()));
      if (q == m_.queues_.end()) m_.queues_.push_back(job.queue);
      m_.jobs_.push_back(std::move(job));
      held_.emplace_back();
      open_run_.push_back(false);
      verdicts_.emplace_back();
    } else if (type == "Scheduled") {
      const std::int32_t j = job_of(need(s, "job"));
      devices.clear();
      if (s.has("gpus") && !parse_int_array(s.str("gpus"), devices)) fail("\"gpus\" is not an array of device numbers");
      const int max_device = devices.empty() ? -1 : *std::max_element(devices.begin(), devices.end());
      const std::uint32_t node = node_named(need(s, "node"), static_cast<std::uint32_t>(max_device + 1));
      Node& n = m_.nodes_[node];
      if (m_.topology_inferred_) n.gpus = std::max(n.gpus, static_cast<std::uint32_t>(max_device + 1));
      const auto slice = static_cast<std::uint32_t>(m_.slices_.size());
      std::string list;
      for (int d : devices) list += (list.empty() ? "" : ",") + std::to_string(d);
      m_.slices_.push_back(PodSlice{node, j, std::string(s.str("pod")), t, std::numeric_limits<double>::infinity(), list, {}});
      if (s.has("claims")) m_.slices_.back().claims = claims_text(s.str("claims"));
      const double share = s.num("gpuMilli");
      const std::int32_t milli = std::isnan(share) ? 1000 : static_cast<std::int32_t>(share);
      if (devices.empty()) held_[static_cast<std::size_t>(j)].push_back(Hold{kNoCell, slice});
      for (int d : devices) {
        if (d < 0 || static_cast<std::uint32_t>(d) >= n.gpus) fail("GPU " + std::to_string(d) + " is not on node " + n.name);
        std::uint32_t cell = 0;
        if (m_.topology_inferred_) {
          // A slot per (node, device) seen, renumbered into cells once every node is known.
          const std::uint64_t key = (std::uint64_t{node} << 32) | static_cast<std::uint32_t>(d);
          const auto [it, added] = slot_of_.emplace(key, static_cast<std::uint32_t>(inferred_cells_.size()));
          if (added) {
            inferred_cells_.emplace_back(node, static_cast<std::uint32_t>(d));
            cell_holders_.emplace_back();
          }
          cell = it->second;
        } else {
          cell = n.first_cell + static_cast<std::uint32_t>(d);
        }
        cell_holders_[cell].emplace_back(j, milli);
        record_cell(t, cell);
        held_[static_cast<std::size_t>(j)].push_back(Hold{cell, slice});
      }
    } else if (type == "JobStarted") {
      const std::int32_t j = job_of(need(s, "job"));
      Job& job = m_.jobs_[static_cast<std::size_t>(j)];
      if (job.first_start < 0) job.first_start = t;
      if (job.run_count == 0) job.first_run = static_cast<std::uint32_t>(m_.runs_.size());
      // Runs of one job are contiguous unless other jobs started in between: then copy them along.
      if (job.run_count > 0 && job.first_run + job.run_count != m_.runs_.size()) {
        const auto first = static_cast<std::uint32_t>(m_.runs_.size());
        for (std::uint32_t r = 0; r < job.run_count; ++r) m_.runs_.push_back(m_.runs_[job.first_run + r]);
        job.first_run = first;
      }
      m_.runs_.push_back(RunInterval{t, std::numeric_limits<double>::infinity()});
      ++job.run_count;
      job.outcome = JobOutcome::Running;
      open_run_[static_cast<std::size_t>(j)] = true;
    } else if (type == "JobCompleted" || type == "JobFailed") {
      const std::int32_t j = job_of(need(s, "job"));
      release_job(j, t);
      Job& job = m_.jobs_[static_cast<std::size_t>(j)];
      job.end = t;
      if (type == "JobCompleted") {
        job.outcome = JobOutcome::Completed;
        job.jct = std::isnan(s.num("jct")) ? t - job.submit : s.num("jct");
      } else {
        job.outcome = JobOutcome::Failed;
        job.failure = std::string(s.str("reason")) + ": " + std::string(s.str("message"));
      }
    } else if (type == "Preempted" || type == "Evicted") {
      const std::int32_t j = job_of(need(s, "job"));
      release_job(j, t);
      m_.jobs_[static_cast<std::size_t>(j)].outcome = JobOutcome::Pending;
    } else if (type == "FailedScheduling" || type == "SchedulingGated" || type == "Pending") {
      Job& job = m_.jobs_[static_cast<std::size_t>(job_of(need(s, "job")))];
      job.waiting_reason = std::string(type) + ": " + std::string(s.str("message"));
    } else if (type == "PermitRejected") {
      Job& job = m_.jobs_[static_cast<std::size_t>(job_of(need(s, "job")))];
      job.waiting_reason = "PermitRejected: " + std::string(s.str("plugin")) + ": " + std::string(s.str("reason"));
    } else if (type == "FilterRejected") {
      const std::int32_t j = job_of(need(s, "job"));
      std::string reasons(s.str("reasons"));
      reasons.erase(std::remove(reasons.begin(), reasons.end(), '"'), reasons.end());
      if (reasons.size() >= 2 && reasons.front() == '[') reasons = reasons.substr(1, reasons.size() - 2);
      ++verdicts_[static_cast<std::size_t>(j)][std::string(s.str("plugin")) + ": " + reasons];
    } else if (type == "NodeAdded" || type == "ScaleDown") {
      const bool added = type == "NodeAdded";
      const auto known = node_index_.size();
      const std::uint32_t node = node_named(need(s, "node"), 0);
      // A node first named by its NodeAdded was an empty slot until then (inferred topology only).
      if (node_index_.size() > known) m_.nodes_[node].exists_at_start = !added;
      m_.node_changes_.push_back(NodeChange{t, node, added});
    }
    // TriggeredScaleUp and Admitted change neither a GPU cell nor a node.
  }
  for (std::size_t j = 0; j < m_.jobs_.size(); ++j) {
    for (const auto& [verdict, nodes] : verdicts_[j]) {
      m_.jobs_[j].plugin_verdicts.push_back(verdict + " (" + std::to_string(nodes) + (nodes == 1 ? " node)" : " nodes)"));
    }
  }
  for (auto& slice : m_.slices_) slice.stop = std::min(slice.stop, std::max(m_.end_time_, slice.start));
  if (m_.topology_inferred_) infer_cells();
}

void RunLoader::infer_cells() {
  for (Node& n : m_.nodes_) {  // every node of a pool gets the pool's widest node's GPUs
    auto& pool = m_.pools_[n.pool];
    pool.gpus_per_node = std::max<int>(pool.gpus_per_node, static_cast<int>(n.gpus));
  }
  m_.cell_count_ = 0;
  m_.cell_node_.clear();
  for (std::uint32_t i = 0; i < m_.nodes_.size(); ++i) {
    Node& n = m_.nodes_[i];
    n.gpus = static_cast<std::uint32_t>(m_.pools_[n.pool].gpus_per_node);
    n.first_cell = static_cast<std::uint32_t>(m_.cell_count_);
    m_.cell_count_ += n.gpus;
    m_.cell_node_.insert(m_.cell_node_.end(), n.gpus, i);
  }
  for (CellChange& c : m_.changes_) {
    const auto [node, device] = inferred_cells_[c.cell];
    c.cell = m_.nodes_[node].first_cell + device;
  }
}

RunModel RunModel::load(const fs::path& dir) { return RunLoader(dir).load(); }

}  // namespace kubetwin::gui
