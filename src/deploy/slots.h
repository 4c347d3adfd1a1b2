// deploy/slots.h — A/B model slots on the device's disk, switched atomically, safe against power loss.
//
//   edgerun::deploy::SlotStore store("/var/lib/edgerun", verify_options);
//   auto current = store.load_active();                  // verified from disk; nullopt before the first install
//   auto slot = store.stage(bundle_bytes);               // into the inactive slot
//   ... open it, run its health check ...
//   EDGERUN_RETURN_IF_ERROR(store.activate(*slot));      // the switch: one atomic rename
//
// Layout under the state folder:
//   slots/a/bundle.erb, slots/b/bundle.erb   a bundle each, as downloaded (still encrypted, if it was)
//   active                                   JSON {"slot": "a", "name", "version", "sha256"}: the one in use
// Every file is written by write_file_atomic (temp file, fsync, rename, fsync of the folder), and only
// `active` decides which slot runs; so a crash at any moment leaves either the old active slot or, once its
// rename is durable, the new one, each a complete file. load_active verifies the active slot's bundle fully
// (signature, decryption, hashes) every time; if it no longer verifies (disk corruption), it falls back to the
// other slot when that one does, and says so.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deploy/bundle.h"

namespace edgerun::deploy {

struct ActiveBundle {
  std::string slot;  // "a" or "b"
  std::array<uint8_t, 32> file_sha256{};
  OpenedBundle bundle;
  std::string fallback_reason;  // set when the active slot failed and the other one was loaded instead
};

class SlotStore {
 public:
  // `dir` is created if missing. `verify` is how a slot's bundle is checked when loaded.
  SlotStore(std::string dir, VerifyOptions verify);

  // The active slot's bundle, verified; nullopt when nothing was ever activated. An error when neither slot
  // holds a bundle that verifies.
  Result<std::optional<ActiveBundle>> load_active() const;

  std::string active_slot() const;  // "" before the first activation
  std::string inactive_slot() const;
  std::string bundle_path(const std::string& slot) const;

  // Writes bundle bytes into the inactive slot; returns that slot's name.
  Result<std::string> stage(const std::vector<uint8_t>& bytes) const;
  // The slot's bundle, verified (as load_active does for the active one).
  Result<ActiveBundle> load(const std::string& slot) const;
  // Makes `slot` the active one.
  Status activate(const std::string& slot) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  VerifyOptions verify_;
};

}  // namespace edgerun::deploy
