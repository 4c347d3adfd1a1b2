#include "deploy/bundle.h"

#include <sodium.h>
#include <zstd.h>

#include <cstring>

namespace edgerun::deploy {
namespace {

constexpr char kMagic[8] = {'E', 'D', 'G', 'R', 'B', 'N', 'D', 'L'};
constexpr char kSignatureMagic[8] = {'E', 'D', 'G', 'R', 'S', 'I', 'G', '1'};
constexpr uint16_t kFormat = 1;
constexpr char kWrapContext[] = "edgerun-bundle-wrap-v1";

void put16(uint8_t* p, uint16_t v) { p[0] = v & 0xff, p[1] = v >> 8; }
void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Status structure(const std::string& where, const std::string& what) {
  return InvalidArgument(where + ": structure check failed: " + what);
}

std::vector<uint8_t> header(uint32_t manifest_size, uint64_t payload_size) {
  std::vector<uint8_t> h(kBundleHeaderBytes, 0);
  std::memcpy(h.data(), kMagic, 8);
  put16(h.data() + 8, kFormat);
  put32(h.data() + 12, manifest_size);
  put64(h.data() + 16, payload_size);
  return h;
}

// The key that wraps the content key for one recipient: BLAKE2b of the X25519 shared secret and both public keys.
Status wrap_key(const uint8_t* shared, const uint8_t* ephemeral_pk, const uint8_t* recipient_pk, uint8_t out[32]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kWrapContext), sizeof kWrapContext - 1);
  crypto_generichash_update(&st, shared, crypto_scalarmult_BYTES);
  crypto_generichash_update(&st, ephemeral_pk, 32);
  crypto_generichash_update(&st, recipient_pk, 32);
  crypto_generichash_final(&st, out, 32);
  return Status::Ok();
}

Result<Recipient> wrap_for(const PublicKey& recipient, const uint8_t content_key[32]) {
  Recipient r;
  r.key_id = recipient.id;
  r.ephemeral_public_key.resize(32);
  uint8_t esk[32], shared[crypto_scalarmult_BYTES], k[32];
  crypto_box_keypair(r.ephemeral_public_key.data(), esk);
  if (crypto_scalarmult(shared, esk, recipient.key.data()) != 0) {
    return InvalidArgument("recipient key " + key_id_hex(recipient.id) + " is not a usable X25519 public key");
  }
  wrap_key(shared, r.ephemeral_public_key.data(), recipient.key.data(), k);
  r.nonce.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  randombytes_buf(r.nonce.data(), r.nonce.size());
  r.wrapped_key.resize(32 + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt(r.wrapped_key.data(), nullptr, content_key, 32, r.key_id.data(),
                                             r.key_id.size(), nullptr, r.nonce.data(), k);
  sodium_memzero(esk, sizeof esk), sodium_memzero(shared, sizeof shared), sodium_memzero(k, sizeof k);
  return r;
}

std::vector<uint8_t> sign(const uint8_t* data, size_t size, const SecretKey& key) {
  crypto_sign_state st;
  crypto_sign_init(&st);
  crypto_sign_update(&st, data, size);
  std::vector<uint8_t> block(kSignatureBlockBytes);
  std::memcpy(block.data(), kSignatureMagic, 8);
  std::copy(key.public_key.id.begin(), key.public_key.id.end(), block.begin() + 8);
  crypto_sign_final_create(&st, block.data() + 16, nullptr, key.key.data());
  return block;
}

}  // namespace

std::array<uint8_t, 32> sha256(const uint8_t* data, size_t size) {
  std::array<uint8_t, 32> d{};
  crypto_hash_sha256(d.data(), data, size);
  return d;
}

const NamedFile* OpenedBundle::file(const std::string& name) const {
  for (const NamedFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<std::vector<uint8_t>> create_bundle(Manifest m, const std::vector<NamedFile>& files, const CreateOptions& o) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  if (o.signing_key != nullptr && o.signing_key->type != KeyType::kSigning) {
    return InvalidArgument("bundle: the signing key is an encryption key; expected an Ed25519 signing key");
  }
  m.files.clear();
  std::vector<uint8_t> plain;
  for (const NamedFile& f : files) {
    m.files.push_back({f.name, f.data.size(), sha256(f.data.data(), f.data.size())});
    plain.insert(plain.end(), f.data.begin(), f.data.end());
  }
  std::vector<uint8_t> payload(ZSTD_compressBound(plain.size()));
  const size_t z = ZSTD_compress(payload.data(), payload.size(), plain.data(), plain.size(), o.zstd_level);
  if (ZSTD_isError(z)) return Internal(std::string("bundle: zstd compression failed: ") + ZSTD_getErrorName(z));
  payload.resize(z);

  uint8_t content_key[32];
  if (!o.recipients.empty()) {
    Encryption e;
    crypto_aead_xchacha20poly1305_ietf_keygen(content_key);
    e.nonce.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    randombytes_buf(e.nonce.data(), e.nonce.size());
    for (const PublicKey& r : o.recipients) {
      if (r.type != KeyType::kEncryption) {
        return InvalidArgument("bundle: recipient key " + key_id_hex(r.id) +
                               " is a signing key; expected an X25519 encryption key");
      }
      EDGERUN_ASSIGN_OR_RETURN(Recipient wrapped, wrap_for(r, content_key));
      e.recipients.push_back(std::move(wrapped));
    }
    m.encryption = std::move(e);
  }
  // Validate what we write with the reader's own rules.
  const std::string text = manifest_to_json(m);
  EDGERUN_RETURN_IF_ERROR(parse_manifest(text, "bundle").status());
  if (text.size() > kMaxManifestBytes) return InvalidArgument("bundle: manifest over 1 MiB");

  const uint64_t payload_size = payload.size() + (m.encryption ? crypto_aead_xchacha20poly1305_ietf_ABYTES : 0);
  std::vector<uint8_t> out = header(static_cast<uint32_t>(text.size()), payload_size);
  out.insert(out.end(), text.begin(), text.end());
  if (m.encryption) {
    const size_t ad_size = out.size();
    out.resize(ad_size + payload_size);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + ad_size, nullptr, payload.data(), payload.size(),
                                               out.data(), ad_size, nullptr, m.encryption->nonce.data(), content_key);
    sodium_memzero(content_key, sizeof content_key);
  } else {
    out.insert(out.end(), payload.begin(), payload.end());
  }
  if (o.signing_key != nullptr) {
    const std::vector<uint8_t> block = sign(out.data(), out.size(), *o.signing_key);
    out.insert(out.end(), block.begin(), block.end());
  }
  return out;
}

Result<std::vector<uint8_t>> sign_bundle(const uint8_t* data, size_t size, const SecretKey& key,
                                         const std::string& where) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  if (key.type != KeyType::kSigning) return InvalidArgument(where + ": an encryption key cannot sign bundles");
  EDGERUN_ASSIGN_OR_RETURN(BundleView b, parse_bundle(data, size, where));
  std::vector<uint8_t> out(data, data + b.signed_size);
  const std::vector<uint8_t> block = sign(out.data(), out.size(), key);
  out.insert(out.end(), block.begin(), block.end());
  return out;
}

Result<BundleView> parse_bundle(const uint8_t* data, size_t size, const std::string& where) {
  if (size < kBundleHeaderBytes) {
    return structure(where, "file is " + std::to_string(size) + " bytes, shorter than the 32-byte header");
  }
  if (std::memcmp(data, kMagic, 8) != 0) return structure(where, "not an edgerun bundle (no EDGRBNDL magic)");
  BundleView b;
  b.data = data;
  b.format = static_cast<uint16_t>(get(data + 8, 2));
  if (b.format != kFormat) {
    return Unsupported(where + ": bundle format " + std::to_string(b.format) + ", this edgerun reads format 1");
  }
  if (get(data + 10, 2) != 0 || get(data + 24, 8) != 0) return structure(where, "reserved header fields are not 0");
  const uint64_t manifest_size = get(data + 12, 4), payload_size = get(data + 16, 8);
  if (manifest_size == 0 || manifest_size > kMaxManifestBytes) {
    return structure(where, "manifest size " + std::to_string(manifest_size) + " outside 1..1048576");
  }
  const uint64_t body = kBundleHeaderBytes + manifest_size;
  if (payload_size > size || body + payload_size > size) {
    return structure(where, "truncated: the header says " + std::to_string(body + payload_size) +
                                " bytes before the signature, the file has " + std::to_string(size));
  }
  b.signed_size = static_cast<size_t>(body + payload_size);
  const size_t rest = size - b.signed_size;
  if (rest != 0 && rest != kSignatureBlockBytes) {
    return structure(where, "the file has " + std::to_string(rest) + " bytes after the payload, expected 0 or " +
                                std::to_string(kSignatureBlockBytes) +
                                " (a signature block): truncated or appended to");
  }
  if (rest == kSignatureBlockBytes) {
    const uint8_t* s = data + b.signed_size;
    if (std::memcmp(s, kSignatureMagic, 8) != 0) return structure(where, "signature block lacks its EDGRSIG1 magic");
    KeyId id{};
    std::memcpy(id.data(), s + 8, id.size());
    b.signer = id;
    b.signature = s + 16;
  }
  b.manifest_text.assign(reinterpret_cast<const char*>(data + kBundleHeaderBytes), manifest_size);
  auto m = parse_manifest(b.manifest_text, where);
  if (!m.ok()) return structure(where, m.status().message());
  b.manifest = std::move(m).value();
  b.payload = data + body;
  b.payload_size = payload_size;
  return b;
}

Status verify_signature(const BundleView& b, const std::vector<PublicKey>& trusted, const std::string& where) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  const std::string fail = where + ": signature check failed: ";
  if (!b.signer) return InvalidArgument(fail + "the bundle is not signed");
  const PublicKey* key = nullptr;
  for (const PublicKey& k : trusted) {
    if (k.type == KeyType::kSigning && k.id == *b.signer) key = &k;
  }
  if (key == nullptr) {
    std::string known;
    for (const PublicKey& k : trusted) known += (known.empty() ? "" : ", ") + key_id_hex(k.id);
    return InvalidArgument(fail + "signed by key " + key_id_hex(*b.signer) +
                           ", which is not trusted (trusted: " + (known.empty() ? "none" : known) + ")");
  }
  crypto_sign_state st;
  crypto_sign_init(&st);
  crypto_sign_update(&st, b.data, b.signed_size);
  if (crypto_sign_final_verify(&st, b.signature, key->key.data()) != 0) {
    return InvalidArgument(fail + "the signature by key " + key_id_hex(key->id) +
                           " does not match the contents (modified after signing, or a forged signature)");
  }
  return Status::Ok();
}

Result<std::vector<NamedFile>> unpack_bundle(const BundleView& b, const std::vector<SecretKey>& decryption_keys,
                                             uint64_t max_unpacked_bytes, const std::string& where) {
  EDGERUN_RETURN_IF_ERROR(init_crypto());
  const Manifest& m = b.manifest;
  const uint64_t total = m.unpacked_size();
  if (total > max_unpacked_bytes) {
    return InvalidArgument(where + ": contents check failed: the files add up to " + std::to_string(total) +
                           " bytes, more than the limit of " + std::to_string(max_unpacked_bytes));
  }
  std::vector<uint8_t> decrypted;
  const uint8_t* frame = b.payload;
  size_t frame_size = static_cast<size_t>(b.payload_size);
  if (m.encryption) {
    const std::string fail = where + ": decryption failed: ";
    const Recipient* mine = nullptr;
    const SecretKey* key = nullptr;
    for (const Recipient& r : m.encryption->recipients) {
      for (const SecretKey& k : decryption_keys) {
        if (k.type == KeyType::kEncryption && k.public_key.id == r.key_id) mine = &r, key = &k;
      }
    }
    if (mine == nullptr) {
      std::string ids;
      for (const Recipient& r : m.encryption->recipients) ids += (ids.empty() ? "" : ", ") + key_id_hex(r.key_id);
      return InvalidArgument(
          fail + "the bundle is encrypted for key(s) " + ids +
          (decryption_keys.empty() ? "; no decryption key given" : "; none of them is this device's"));
    }
    uint8_t shared[crypto_scalarmult_BYTES], k[32], content_key[32];
    if (crypto_scalarmult(shared, key->key.data(), mine->ephemeral_public_key.data()) != 0) {
      return InvalidArgument(fail + "the recipient entry's ephemeral key is not a usable X25519 key");
    }
    wrap_key(shared, mine->ephemeral_public_key.data(), key->public_key.key.data(), k);
    unsigned long long n = 0;
    const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(content_key, &n, nullptr, mine->wrapped_key.data(),
                                                              mine->wrapped_key.size(), mine->key_id.data(),
                                                              mine->key_id.size(), mine->nonce.data(), k);
    sodium_memzero(shared, sizeof shared), sodium_memzero(k, sizeof k);
    if (rc != 0 || n != 32)
      return InvalidArgument(fail + "the wrapped content key does not open with key " + key_id_hex(key->public_key.id));
    if (b.payload_size < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
      return InvalidArgument(fail + "payload shorter than its authentication tag");
    }
    decrypted.resize(frame_size - crypto_aead_xchacha20poly1305_ietf_ABYTES);
    const int rc2 = crypto_aead_xchacha20poly1305_ietf_decrypt(
        decrypted.data(), &n, nullptr, b.payload, b.payload_size, b.data,
        static_cast<unsigned long long>(b.payload - b.data), m.encryption->nonce.data(), content_key);
    sodium_memzero(content_key, sizeof content_key);
    if (rc2 != 0) return InvalidArgument(fail + "the payload does not authenticate (corrupted or tampered with)");
    frame = decrypted.data();
    frame_size = decrypted.size();
  }
  const std::string fail = where + ": contents check failed: ";
  if (ZSTD_findFrameCompressedSize(frame, frame_size) != frame_size) {
    return InvalidArgument(fail + "the payload is not exactly one zstd frame");
  }
  const unsigned long long content = ZSTD_getFrameContentSize(frame, frame_size);
  if (content != total) {
    return InvalidArgument(fail + "the payload's zstd frame holds " +
                           (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR
                                ? std::string("an unknown number of")
                                : std::to_string(content)) +
                           " bytes, the manifest's files " + std::to_string(total));
  }
  std::vector<uint8_t> plain(static_cast<size_t>(total));
  const size_t got = ZSTD_decompress(plain.data(), plain.size(), frame, frame_size);
  if (ZSTD_isError(got) || got != total) {
    return InvalidArgument(fail + "the payload does not decompress" +
                           (ZSTD_isError(got) ? std::string(": ") + ZSTD_getErrorName(got) : std::string()));
  }
  std::vector<NamedFile> files;
  size_t at = 0;
  for (const FileEntry& f : m.files) {
    const auto digest = sha256(plain.data() + at, static_cast<size_t>(f.size));
    if (digest != f.sha256) {
      return InvalidArgument(fail + "file '" + f.name + "' has SHA-256 " + to_hex(digest.data(), 32) +
                             ", the manifest says " + to_hex(f.sha256.data(), 32));
    }
    files.push_back({f.name, std::vector<uint8_t>(plain.begin() + static_cast<ptrdiff_t>(at),
                                                  plain.begin() + static_cast<ptrdiff_t>(at + f.size))});
    at += static_cast<size_t>(f.size);
  }
  if (!decrypted.empty()) sodium_memzero(decrypted.data(), decrypted.size());
  return files;
}

Result<OpenedBundle> open_bundle(const uint8_t* data, size_t size, const VerifyOptions& o, const std::string& where) {
  EDGERUN_ASSIGN_OR_RETURN(BundleView b, parse_bundle(data, size, where));
  if (o.require_signature || b.signer) EDGERUN_RETURN_IF_ERROR(verify_signature(b, o.trusted, where));
  OpenedBundle out;
  EDGERUN_ASSIGN_OR_RETURN(out.files, unpack_bundle(b, o.decryption_keys, o.max_unpacked_bytes, where));
  out.manifest = std::move(b.manifest);
  out.signer = b.signer;
  return out;
}

}  // namespace edgerun::deploy
