#include "deploy/slots.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "deploy/files.h"

namespace edgerun::deploy {
namespace {

constexpr uint64_t kMaxBundleBytes = 4ull << 30;

std::string other(const std::string& slot) { return slot == "a" ? "b" : "a"; }

}  // namespace

SlotStore::SlotStore(std::string dir, VerifyOptions verify) : dir_(std::move(dir)), verify_(std::move(verify)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/slots/a", ec);
  std::filesystem::create_directories(dir_ + "/slots/b", ec);
}

std::string SlotStore::bundle_path(const std::string& slot) const { return dir_ + "/slots/" + slot + "/bundle.erb"; }

std::string SlotStore::active_slot() const {
  auto bytes = read_file(dir_ + "/active", 4096);
  if (!bytes.ok()) return "";
  const auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("slot") || !j["slot"].is_string()) return "";
  const std::string slot = j["slot"];
  return slot == "a" || slot == "b" ? slot : "";
}

std::string SlotStore::inactive_slot() const {
  const std::string a = active_slot();
  return a.empty() ? "a" : other(a);
}

Result<std::string> SlotStore::stage(const std::vector<uint8_t>& bytes) const {
  const std::string slot = inactive_slot();
  EDGERUN_RETURN_IF_ERROR(write_file_atomic(bundle_path(slot), bytes));
  return slot;
}

Result<ActiveBundle> SlotStore::load(const std::string& slot) const {
  const std::string path = bundle_path(slot);
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path, kMaxBundleBytes));
  ActiveBundle a;
  a.slot = slot;
  a.file_sha256 = sha256(bytes.data(), bytes.size());
  EDGERUN_ASSIGN_OR_RETURN(a.bundle, open_bundle(bytes.data(), bytes.size(), verify_, path));
  return a;
}

Status SlotStore::activate(const std::string& slot) const {
  if (slot != "a" && slot != "b") return InvalidArgument("no slot '" + slot + "' (expected a or b)");
  EDGERUN_ASSIGN_OR_RETURN(ActiveBundle b, load(slot));
  const nlohmann::json j{{"slot", slot},
                         {"name", b.bundle.manifest.name},
                         {"version", b.bundle.manifest.version},
                         {"sha256", to_hex(b.file_sha256.data(), b.file_sha256.size())}};
  return write_file_atomic(dir_ + "/active", j.dump() + "\n");
}

Result<std::optional<ActiveBundle>> SlotStore::load_active() const {
  const std::string slot = active_slot();
  if (slot.empty()) return std::optional<ActiveBundle>();
  auto a = load(slot);
  if (a.ok()) return std::optional<ActiveBundle>(std::move(a).value());
  auto b = load(other(slot));
  if (!b.ok()) {
    return IOError("slot " + slot + " (active): " + a.status().message() + "; slot " + other(slot) + ": " +
                   b.status().message());
  }
  b->fallback_reason =
      "active slot " + slot + " does not verify (" + a.status().message() + "); using slot " + other(slot);
  return std::optional<ActiveBundle>(std::move(b).value());
}

}  // namespace edgerun::deploy
