#include "deploy/keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "deploy/files.h"

namespace edgerun::deploy {
namespace {

constexpr uint64_t kMaxKeyFileBytes = 4096;

const char* file_type(KeyType type, bool secret) {
  if (type == KeyType::kSigning) return secret ? "edgerun-ed25519-secret" : "edgerun-ed25519-public";
  return secret ? "edgerun-x25519-secret" : "edgerun-x25519-public";
}

size_t secret_size(KeyType type) {
  return type == KeyType::kSigning ? crypto_sign_SECRETKEYBYTES : crypto_box_SECRETKEYBYTES;
}

struct Parsed {
  KeyType type;
  bool secret;
  std::vector<uint8_t> key;
};

Result<Parsed> parse_key_text(const std::string& text, const std::string& where) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(where + ": not a key file (expected a JSON object)");
  if (!j.contains("type") || !j["type"].is_string() || !j.contains("key") || !j["key"].is_string()) {
    return InvalidArgument(where + ": key file lacks its \"type\" or \"key\" string");
  }
  const std::string type = j["type"];
  Parsed p{};
  bool known = false;
  for (KeyType t : {KeyType::kSigning, KeyType::kEncryption}) {
    for (bool secret : {false, true}) {
      if (type == file_type(t, secret)) p = {t, secret, {}}, known = true;
    }
  }
  if (!known) {
    return InvalidArgument(where + ": unknown key type '" + type +
                           "' (expected edgerun-ed25519-public/-secret or edgerun-x25519-public/-secret)");
  }
  EDGERUN_ASSIGN_OR_RETURN(p.key, from_base64(j["key"], where + ": key"));
  const size_t want = p.secret ? secret_size(p.type) : 32;
  if (p.key.size() != want) {
    return InvalidArgument(where + ": key is " + std::to_string(p.key.size()) + " bytes, expected " +
                           std::to_string(want) + " for " + type);
  }
  return p;
}

PublicKey public_of(KeyType type, std::vector<uint8_t> key) {
  PublicKey p;
  p.type = type;
  p.id = key_id_of(key);
  p.key = std::move(key);
  return p;
}

Result<SecretKey> secret_from(KeyType type, std::vector<uint8_t> key, const std::string& where) {
  std::vector<uint8_t> pub(32);
  if (type == KeyType::kSigning) {
    if (crypto_sign_ed25519_sk_to_pk(pub.data(), key.data()) != 0) return InvalidArgument(where + ": bad secret key");
  } else if (crypto_scalarmult_base(pub.data(), key.data()) != 0) {
    return InvalidArgument(where + ": bad secret key");
  }
  SecretKey s;
  s.type = type;
  s.key = std::move(key);
  s.public_key = public_of(type, std::move(pub));
  return s;
}

std::string key_json(KeyType type, bool secret, const KeyId& id, const std::vector<uint8_t>& key) {
  nlohmann::json j;
  j["type"] = file_type(type, secret);
  j["key_id"] = key_id_hex(id);
  j["key"] = to_base64(key.data(), key.size());
  return j.dump(2) + "\n";
}

}  // namespace

Status init_crypto() {
  static const int rc = sodium_init();
  return rc < 0 ? Internal("libsodium failed to initialise") : Status::Ok();
}

Result<SecretKey> generate_key(KeyType type) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  std::vector<uint8_t> pub(32), secret(secret_size(type));
  if (type == KeyType::kSigning) {
    crypto_sign_keypair(pub.data(), secret.data());
  } else {
    crypto_box_keypair(pub.data(), secret.data());
  }
  return secret_from(type, std::move(secret), "generated key");
}

KeyId key_id_of(const std::vector<uint8_t>& public_key) {
  uint8_t digest[32];
  crypto_generichash(digest, sizeof digest, public_key.data(), public_key.size(), nullptr, 0);
  KeyId id{};
  std::copy(digest, digest + id.size(), id.begin());
  return id;
}

std::string key_id_hex(const KeyId& id) { return to_hex(id.data(), id.size()); }

const char* key_type_name(KeyType type) { return type == KeyType::kSigning ? "signing" : "encryption"; }

Status write_key_files(const SecretKey& key, const std::string& stem) {
  const std::string secret_path = stem + ".key", public_path = stem + ".pub";
  for (const std::string& p : {secret_path, public_path}) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return InvalidArgument(p + " already exists; not overwriting a key");
  }
  EDGERUN_RETURN_IF_ERROR(write_file_atomic(secret_path, key_json(key.type, true, key.public_key.id, key.key), 0600));
  return write_file_atomic(public_path, key_json(key.type, false, key.public_key.id, key.public_key.key), 0644);
}

Result<PublicKey> parse_public_key(const std::string& text, const std::string& where) {
  EDGERUN_ASSIGN_OR_RETURN(Parsed p, parse_key_text(text, where));
  if (p.secret) return InvalidArgument(where + ": is a secret key; expected a public key (.pub)");
  return public_of(p.type, std::move(p.key));
}

Result<SecretKey> parse_secret_key(const std::string& text, const std::string& where) {
  EDGERUN_ASSIGN_OR_RETURN(Parsed p, parse_key_text(text, where));
  if (!p.secret) return InvalidArgument(where + ": is a public key; expected a secret key (.key)");
  return secret_from(p.type, std::move(p.key), where);
}

Result<PublicKey> read_public_key(const std::string& path) {
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path, kMaxKeyFileBytes));
  return parse_public_key(std::string(bytes.begin(), bytes.end()), path);
}

Result<SecretKey> read_secret_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return InvalidArgument(path + ": secret key file is readable by group or others (mode " +
                           std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                           std::to_string(st.st_mode & 7) + "); chmod 600 it");
  }
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(path, kMaxKeyFileBytes));
  auto key = parse_secret_key(std::string(bytes.begin(), bytes.end()), path);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

std::string to_base64(const uint8_t* data, size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::vector<uint8_t>> from_base64(const std::string& text, const std::string& what) {
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return InvalidArgument(what + ": not valid base64");
  }
  out.resize(len);
  return out;
}

std::string to_hex(const uint8_t* data, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

Result<std::vector<uint8_t>> from_hex(const std::string& text, const std::string& what) {
  std::vector<uint8_t> out(text.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (text.size() % 2 != 0 ||
      sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end) != 0 ||
      end != text.data() + text.size()) {
    return InvalidArgument(what + ": not valid hex");
  }
  out.resize(len);
  return out;
}

}  // namespace edgerun::deploy
