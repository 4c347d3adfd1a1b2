// deploy/manifest.h — what a bundle says about itself: name, version, target, files and their hashes.
//
//   auto m = edgerun::deploy::parse_manifest(json_text, "bundle.erb");
//   if (!m.ok()) { std::cerr << m.status().message() << "\n"; return 1; }
//   if (compare_versions(m->version, "1.2.0") <= 0) { /* not newer */ }
//
// The manifest is JSON, stored in the clear and covered by the bundle's signature (docs/deploy.md has the
// format). parse_manifest checks every field before anything uses it: types, a semantic version, file names
// that stay inside the bundle (no '/', '..' or control characters), sizes that add up, 32-byte SHA-256s, and
// that the model, labels and health-check files it names are among the files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deploy/keys.h"
#include "edgerun/status.h"

namespace edgerun::deploy {

inline constexpr int kManifestFormat = 1;
inline constexpr size_t kMaxFiles = 256;

struct FileEntry {
  std::string name;
  uint64_t size = 0;
  std::array<uint8_t, 32> sha256{};
};

// A tensor fed to the model after install, and the output it must give (both .npy files in the bundle); the
// device installs the bundle only if every output element is within max_abs_diff (in the output's own units:
// quantization steps for integer outputs) and the top-1 index is the same.
struct HealthCheck {
  std::string input;     // file name of the input .npy
  std::string expected;  // file name of output 0's expected .npy
  double max_abs_diff = 0.0;
};

struct Preprocess {
  std::string resize = "bilinear";  // or "nearest"
  std::vector<float> mean, std;     // empty: the model's metadata (or its quantization) decides
};

// The content key, wrapped for one device (or group) X25519 key: docs/deploy.md#encryption.
struct Recipient {
  KeyId key_id{};
  std::vector<uint8_t> ephemeral_public_key;  // 32 bytes
  std::vector<uint8_t> nonce;                 // 24 bytes
  std::vector<uint8_t> wrapped_key;           // 32 + 16 bytes
};

struct Encryption {
  std::vector<uint8_t> nonce;  // 24 bytes, of the payload's XChaCha20-Poly1305
  std::vector<Recipient> recipients;
};

struct Manifest {
  int format = kManifestFormat;
  std::string name;        // [A-Za-z0-9._-], what the fleet calls this model
  std::string version;     // semantic version, MAJOR.MINOR.PATCH[-PRERELEASE]
  std::string created_at;  // UTC, ISO 8601 (2026-12-07T12:00:00Z)
  std::string arch;        // "x86_64", "aarch64", "armv7l", ... or "any"
  std::string min_edgerun_version;
  std::string model;   // the model file's name
  std::string labels;  // optional: a labels file's name
  Preprocess preprocess;
  int top_k = 5;
  std::optional<HealthCheck> health_check;
  std::vector<FileEntry> files;  // in payload order
  std::optional<Encryption> encryption;

  uint64_t unpacked_size() const;  // sum of the files' sizes
  const FileEntry* file(const std::string& name) const;
};

Result<Manifest> parse_manifest(const std::string& text, const std::string& where);
std::string manifest_to_json(const Manifest& m);

// Semantic versions: MAJOR.MINOR.PATCH with an optional -PRERELEASE (ordered as semver.org says; a build suffix
// +META is ignored). compare_versions: <0, 0, >0.
Status check_version(const std::string& v, const std::string& what);
int compare_versions(const std::string& a, const std::string& b);

// This machine's architecture name (uname -m).
std::string host_arch();
// Whether this device can run the bundle: its arch ("any" matches all) and edgerun's version.
Status check_target(const Manifest& m, const std::string& arch, const std::string& edgerun_version);

std::string utc_now_iso8601();

}  // namespace edgerun::deploy
