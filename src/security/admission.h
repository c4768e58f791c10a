// Admission: who may load a policy, with which capabilities and limits.
// Read from a TOML admission file that grants capabilities to users and
// groups; bad files get errors naming the file, line and key.
//
//   [users.alice]
//   uid = 1000
//   gid = 1000
//   caps = ["sched.load", "sched.kick", "sched.cpus=0-3"]
//   max_insns = 100000       # instructions per object
//   max_map_bytes = 1048576  # total map memory
//   max_dsqs = 16
//   max_classes = 2          # classes loaded at once
//   bandwidth = 0.5          # share of each CPU a class above fair may use
//
//   [groups.tenants]
//   gid = 2000
//   caps = ["sched.load"]
//
// Root (uid 0) holds every capability with no limits. A principal's grant is
// the union of its user entry and the entries of its group.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "security/capability.h"

namespace ups::security {

struct Limits {
  u64 max_insns = 1'000'000;
  u64 max_map_bytes = 64ULL << 20;
  u32 max_dsqs = 1024;
  u32 max_classes = 4;
  double bandwidth = 0.95;  // above fair: runtime / period
};

struct Grant {
  CapabilitySet caps;
  Limits limits;
  bool known = false;  // the principal appears in the file (or is root)
};

struct NamedPrincipal {
  std::string name;
  Principal principal;
};

enum class Slot : u8 { above_fair, below_fair };

// What a load asks for, checked against a Grant.
struct LoadRequest {
  Slot slot = Slot::below_fair;
  u64 insns = 0;
  u64 map_bytes = 0;
  u32 classes_loaded = 0;  // by this principal, before this one
};

class AdmissionConfig {
public:
  // The default when no file is given: only root may load.
  AdmissionConfig() = default;
  static Result<AdmissionConfig> parse(std::string_view text, std::string file_name);
  static Result<AdmissionConfig> load_file(const std::string& path);

  // `groups`: the principal's supplementary groups (the daemon's peer,
  // from the group database); each [groups.X] entry whose gid is the
  // principal's gid or one of these applies.
  Grant grant_for(const Principal& who, std::span<const u32> groups = {}) const;
  // The entries that make up who's grant ("users.alice", "groups.sched"),
  // for messages and the daemon's audit log; root gives {"root"}.
  std::vector<std::string> entries_for(const Principal& who, std::span<const u32> groups = {}) const;
  // A user named in the file ("alice") or "root"; also "uid:gid" numbers.
  Result<NamedPrincipal> find_principal(std::string_view name) const;
  std::string describe(const Principal& who) const;  // "alice (uid 1000)"

private:
  struct Entry {
    std::string name;
    u32 id = 0;       // uid for users, gid for groups
    u32 gid = 0;      // users only
    CapabilitySet caps;
    Limits limits;
  };
  std::map<std::string, Entry> users_;   // by name, ordered for stable output
  std::map<std::string, Entry> groups_;
};

// Ok, or a `rejected` error naming the principal and the missing capability
// or exceeded limit ("user alice (uid 1000) lacks sched.load").
Status admit(const AdmissionConfig& cfg, const Principal& who, const LoadRequest& req,
             std::span<const u32> groups = {});

}  // namespace ups::security
