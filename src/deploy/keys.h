// deploy/keys.h — the keys of bundle signing (Ed25519) and encryption (X25519), as files.
//
//   auto pair = edgerun::deploy::generate_key(edgerun::deploy::KeyType::kSigning);
//   EDGERUN_RETURN_IF_ERROR(edgerun::deploy::write_key_files(*pair, "release"));  // release.key (0600), release.pub
//   auto pub = edgerun::deploy::read_public_key("release.pub");  // a device's trusted key
//
// A key file is one JSON object: {"type": "edgerun-ed25519-public", "key_id": "<16 hex>", "key": "<base64>"}.
// The key id is the first 8 bytes of BLAKE2b-256 of the public key: bundles name the key that signed them, or the
// device key each copy of the content key is wrapped for, by it. Secret key files are written with mode 0600 and
// refused when group or others may read them (as ssh does), since whoever reads one can sign (or decrypt) bundles.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::deploy {

enum class KeyType {
  kSigning,     // Ed25519: the publisher signs bundles, devices trust its public key
  kEncryption,  // X25519: a device (or a group sharing it) decrypts bundles encrypted to its public key
};

using KeyId = std::array<uint8_t, 8>;

struct PublicKey {
  KeyType type = KeyType::kSigning;
  std::vector<uint8_t> key;  // 32 bytes
  KeyId id{};
};

struct SecretKey {
  KeyType type = KeyType::kSigning;
  std::vector<uint8_t> key;  // Ed25519: 64 bytes (seed and public key, libsodium's layout); X25519: 32 bytes
  PublicKey public_key;
};

// Fails only if libsodium cannot initialise.
Status init_crypto();

Result<SecretKey> generate_key(KeyType type);

KeyId key_id_of(const std::vector<uint8_t>& public_key);
std::string key_id_hex(const KeyId& id);
const char* key_type_name(KeyType type);  // "signing" / "encryption"

// Writes `<stem>.key` (mode 0600) and `<stem>.pub`; refuses to overwrite either.
Status write_key_files(const SecretKey& key, const std::string& stem);

Result<PublicKey> read_public_key(const std::string& path);
Result<SecretKey> read_secret_key(const std::string& path);
// Same from a file's text; `where` names it in errors.
Result<PublicKey> parse_public_key(const std::string& text, const std::string& where);
Result<SecretKey> parse_secret_key(const std::string& text, const std::string& where);

// base64 (standard alphabet, padded) and hex, as the key files and manifests use them.
std::string to_base64(const uint8_t* data, size_t size);
Result<std::vector<uint8_t>> from_base64(const std::string& text, const std::string& what);
std::string to_hex(const uint8_t* data, size_t size);
Result<std::vector<uint8_t>> from_hex(const std::string& text, const std::string& what);

}  // namespace edgerun::deploy
