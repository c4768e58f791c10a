// Simulator scenarios as data (tests/data/sim/scenarios/*.scenario, format
// in its README.md): each file says how to run a workload and what its JSON
// report must hold, and is its own ctest test. Every run is checked after
// every event (or every check_every events), must end without an error and
// lose no task. The checks' own parser is tested on inline text below, so
// that a scenario can fail.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "workload/duration.h"
#include "workload/presets.h"
#include "sim_test_util.h"

namespace ups::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::checked_config;
using testing::kSimData;
using testing::run_checked;

const fs::path kScenarios = kSimData / "scenarios";

std::string trim(std::string s) {
  const auto hash = s.find(" #");
  if (hash != std::string::npos) s.erase(hash);
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct Scenario {
  std::map<std::string, std::vector<std::string>> run;  // key -> values (repeatable keys)
  std::string workload;                                 // the `-- workload` section
  std::vector<std::pair<int, std::string>> expect;      // (line, check)
};

Scenario parse_scenario(const std::string& text) {
  Scenario s;
  std::istringstream in(text);
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("-- ", 0) == 0) {
      section = trim(line.substr(3));
      continue;
    }
    if (section == "workload") {
      s.workload += line + "\n";
      continue;
    }
    if (line.rfind("#", 0) == 0 || trim(line).empty()) continue;
    if (section == "run") {
      const auto eq = line.find('=');
      if (eq == std::string::npos) {
        ADD_FAILURE() << "line " << n << ": a run setting is KEY = VALUE: " << line;
        continue;
      }
      s.run[trim(line.substr(0, eq))].push_back(trim(line.substr(eq + 1)));
    } else if (section == "expect") {
      s.expect.emplace_back(n, trim(line));
    } else {
      ADD_FAILURE() << "line " << n << ": outside a section (-- run, -- workload, -- expect): " << line;
    }
  }
  return s;
}

// The values PATH names in the report (several for `[*]`), or an error.
std::vector<json> select(const json& doc, const std::string& path, std::string* error) {
  std::vector<json> at{doc};
  size_t i = 0;
  while (i < path.size()) {
    std::vector<json> next;
    if (path[i] == '.') ++i;
    if (path[i] == '#' || path[i] == '+') {
      for (auto& v : at) {
        if (path[i] == '#') {
          next.push_back(v.size());
        } else {
          double sum = 0;
          for (auto& x : v) sum += x.get<double>();
          next.push_back(sum);
        }
      }
      ++i;
    } else if (path[i] == '[') {
      const auto close = path.find(']', i);
      const std::string key = path.substr(i + 1, close - i - 1);
      i = close + 1;
      for (auto& v : at) {
        if (!v.is_array()) {
          *error = "not a list before [" + key + "]";
          return {};
        }
        if (key == "*") {
          for (auto& x : v) next.push_back(x);
        } else if (!key.empty() && std::all_of(key.begin(), key.end(), ::isdigit)) {
          if (std::stoul(key) < v.size()) next.push_back(v[std::stoul(key)]);
        } else {
          for (auto& x : v)
            if (x.value("name", x.value("class", std::string())) == key) next.push_back(x);
        }
      }
    } else {
      const auto end = std::min(path.find_first_of(".[#+", i), path.size());
      const std::string key = path.substr(i, end - i);
      i = end;
      for (auto& v : at)
        if (v.is_object() && v.contains(key)) next.push_back(v[key]);
    }
    if (next.empty()) {
      *error = "nothing at '" + path.substr(0, i) + "'";
      return {};
    }
    at = std::move(next);
  }
  return at;
}

// "" if `check` (PATH OP VALUE) holds on the report, else why not.
std::string check(const json& doc, const std::string& check) {
  std::istringstream in(check);
  std::string path, op;
  in >> path >> op;
  std::string rest;
  std::getline(in, rest);
  rest = trim(rest);
  std::string tol;
  if (op == "~") {
    const auto sp = rest.find(' ');
    if (sp == std::string::npos || rest.back() != '%') return "'~' needs VALUE PCT%";
    tol = rest.substr(sp + 1, rest.size() - sp - 2);
    rest = rest.substr(0, sp);
  }
  json want;
  try {
    want = json::parse(rest);
  } catch (const json::exception&) {
    return "bad value '" + rest + "' (a number, true, false or a \"string\")";
  }
  std::string error;
  auto got = select(doc, path, &error);
  if (!error.empty()) return error;
  for (const json& v : got) {
    bool ok = false;
    if (op == "contains" || op == "!contains") {
      if (!v.is_string() || !want.is_string()) return op + " compares strings";
      ok = (v.get<std::string>().find(want.get<std::string>()) != std::string::npos) == (op == "contains");
    } else if (op == "==") {
      ok = v.is_number() && want.is_number() ? v.get<double>() == want.get<double>() : v == want;
    } else if (op == "!=") {
      ok = v.is_number() && want.is_number() ? v.get<double>() != want.get<double>() : v != want;
    } else {
      if (!v.is_number() || !want.is_number()) return op + " compares numbers, got " + v.dump();
      const double a = v.get<double>(), b = want.get<double>();
      if (op == "<") ok = a < b;
      else if (op == "<=") ok = a <= b;
      else if (op == ">") ok = a > b;
      else if (op == ">=") ok = a >= b;
      else if (op == "~") ok = std::abs(a - b) <= std::abs(b) * std::stod(tol) / 100;
      else return "unknown operator '" + op + "'";
    }
    if (!ok) return path + " is " + v.dump();
  }
  return {};
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(kScenarios))
    if (e.path().extension() == ".scenario") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ScenarioFile : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioFile, RunsAsItSays) {
  const fs::path file = kScenarios / (GetParam() + ".scenario");
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  std::stringstream text;
  text << in.rdbuf();
  Scenario s = parse_scenario(text.str());
  ASSERT_FALSE(s.expect.empty()) << file << ": no -- expect section";
  auto one = [&](const char* key, const char* dflt) {
    auto it = s.run.find(key);
    return it == s.run.end() ? std::string(dflt) : it->second.back();
  };
  std::vector<int> cpu_counts;
  {
    std::istringstream list(one("cpus", "2"));
    for (std::string c; std::getline(list, c, ',');) cpu_counts.push_back(std::stoi(trim(c)));
  }
  auto duration = workload::parse_duration(one("duration", "1s"));
  ASSERT_TRUE(duration) << duration.error().to_string();
  for (int cpus : cpu_counts) {
    SCOPED_TRACE(file.string() + " cpus " + std::to_string(cpus));
    Result<Workload> w = s.run.count("preset") ? make_preset(one("preset", ""), cpus)
                         : s.run.count("workload_file")
                             ? load_workload_file((kScenarios / one("workload_file", "")).string())
                             : parse_workload(s.workload, file.string());
    ASSERT_TRUE(w) << w.error().to_string();
    SimConfig cfg = checked_config(cpus, std::stoull(one("seed", "1")), *duration, "fair");
    if (s.run.count("policy"))
      for (auto& p : s.run["policy"])
        if (p != "fair") cfg.policies.push_back(p);
    auto r = run_checked(std::move(*w), cfg, std::stoi(one("check_every", "1")));
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.report.lost_tasks, 0u);
    const json doc = json::parse(r.report.to_json());
    for (auto& [line, c] : s.expect) {
      const std::string why = check(doc, c);
      EXPECT_EQ(why, "") << file.string() << ":" << line << ": " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sim, ScenarioFile, ::testing::ValuesIn(scenario_names()),
                         [](const auto& info) { return info.param; });

// The checks can fail: each operator on a small report.
TEST(ScenarioChecks, HoldAndFailAsWritten) {
  const json doc = json::parse(R"({"n": 4, "r": 0.5, "s": "runnable task stall", "ok": true,
      "groups": [{"name": "a", "x": 1}, {"name": "b", "x": 3}], "share": {"fair": 0.25, "p/q": 0.75}})");
  for (const char* good : {"n == 4", "n != 5", "r < 0.6", "r <= 0.5", "r > 0.4", "r >= 0.5", "r ~ 0.51 2%",
                           "s contains \"stall\"", "s !contains \"error\"", "ok == true", "groups# == 2",
                           "groups[b].x == 3", "groups[0].x == 1", "groups[*].x >= 1", "share+ ~ 1.0 0.01%",
                           "share.p/q == 0.75"})
    EXPECT_EQ(check(doc, good), "") << good;
  for (const char* bad : {"n == 5", "n != 4", "r < 0.5", "r > 0.5", "r ~ 0.6 2%", "s contains \"error\"",
                          "ok == false", "groups# == 3", "groups[*].x >= 2", "groups[c].x == 1",
                          "missing == 1", "n == oops", "n like 4"})
    EXPECT_NE(check(doc, bad), "") << bad;
}

}  // namespace
}  // namespace ups::sim
