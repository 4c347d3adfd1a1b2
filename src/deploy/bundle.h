// deploy/bundle.h — single-file model bundles: manifest + zstd payload, Ed25519-signed, optionally encrypted.
//
//   using namespace edgerun::deploy;
//   Manifest m;  m.name = "mobilenet-v2";  m.version = "1.2.0";  m.arch = "any";  m.model = "model.tflite";
//   auto signer = read_secret_key("release.key");
//   CreateOptions o;  o.signing_key = &*signer;
//   auto bytes = create_bundle(m, {{"model.tflite", model_bytes}}, o);       // files' sizes and hashes filled in
//   ...
//   VerifyOptions v;  v.trusted = {*read_public_key("release.pub")};
//   auto opened = open_bundle(bytes->data(), bytes->size(), v, "update.erb");  // every check, then the files
//   if (!opened.ok()) { std::cerr << opened.status().message() << "\n"; }     // names the check that failed
//
// Layout (little-endian; docs/deploy.md has the full description):
//   header     32 bytes: "EDGRBNDL", u16 format (1), u16 flags (0), u32 manifest bytes M, u64 payload bytes P,
//              u64 reserved (0)
//   manifest   M bytes of JSON (deploy/manifest.h), in the clear
//   payload    P bytes: the files, concatenated in manifest order, as one zstd frame; when the manifest has an
//              "encryption" section, that frame encrypted with XChaCha20-Poly1305 under a random content key
//              (associated data: header and manifest), the key wrapped for each recipient's X25519 key
//   signature  80 bytes, optional: "EDGRSIG1", the signer's key id (8), Ed25519ph over everything before it
//
// Checks, in order, each failing with a message that names it: structure (sizes add up exactly, manifest
// valid), signature (present, by a trusted key, verifies), decryption (a recipient entry for one of our keys,
// authentic ciphertext), contents (the frame decompresses to exactly the manifest's total, every file's
// SHA-256 matches). Nothing is decompressed or decrypted before the signature verifies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deploy/keys.h"
#include "deploy/manifest.h"
#include "edgerun/status.h"

namespace edgerun::deploy {

inline constexpr size_t kBundleHeaderBytes = 32;
inline constexpr size_t kSignatureBlockBytes = 80;
inline constexpr uint32_t kMaxManifestBytes = 1 << 20;

struct NamedFile {
  std::string name;
  std::vector<uint8_t> data;
};

struct CreateOptions {
  const SecretKey* signing_key = nullptr;  // null: unsigned (sign later with sign_bundle)
  std::vector<PublicKey> recipients;       // X25519 keys to encrypt for; empty: not encrypted
  int zstd_level = 19;
};

// Fills m.files from `files` (in that order) and m.encryption, then writes the bundle.
Result<std::vector<uint8_t>> create_bundle(Manifest m, const std::vector<NamedFile>& files, const CreateOptions& o);

// The same bundle signed by `key` (an existing signature is replaced).
Result<std::vector<uint8_t>> sign_bundle(const uint8_t* data, size_t size, const SecretKey& key,
                                         const std::string& where);

// A parsed bundle; pointers into the caller's bytes.
struct BundleView {
  uint16_t format = 0;
  Manifest manifest;
  std::string manifest_text;
  const uint8_t* data = nullptr;  // start of the bundle
  size_t signed_size = 0;         // bytes the signature covers (header + manifest + payload)
  const uint8_t* payload = nullptr;
  uint64_t payload_size = 0;
  std::optional<KeyId> signer;
  const uint8_t* signature = nullptr;  // 64 bytes, when signed
};

// The structure check: sizes, magic numbers and the manifest. No cryptography.
Result<BundleView> parse_bundle(const uint8_t* data, size_t size, const std::string& where);

// The signature check against the trusted signing keys.
Status verify_signature(const BundleView& b, const std::vector<PublicKey>& trusted, const std::string& where);

// Decryption (when encrypted) and the contents check; at most max_unpacked_bytes are allocated.
Result<std::vector<NamedFile>> unpack_bundle(const BundleView& b, const std::vector<SecretKey>& decryption_keys,
                                             uint64_t max_unpacked_bytes, const std::string& where);

struct VerifyOptions {
  std::vector<PublicKey> trusted;          // signing keys whose bundles are accepted
  std::vector<SecretKey> decryption_keys;  // this device's (or group's) X25519 keys
  bool require_signature = true;           // false only for local testing (`bundle verify --allow-unsigned`)
  uint64_t max_unpacked_bytes = 1ull << 30;
};

struct OpenedBundle {
  Manifest manifest;
  std::vector<NamedFile> files;
  std::optional<KeyId> signer;
  const NamedFile* file(const std::string& name) const;
};

// parse_bundle, verify_signature, unpack_bundle.
Result<OpenedBundle> open_bundle(const uint8_t* data, size_t size, const VerifyOptions& o, const std::string& where);

std::array<uint8_t, 32> sha256(const uint8_t* data, size_t size);

}  // namespace edgerun::deploy
