// Bundles: round trips (signed, encrypted for one or several keys), and every check rejecting what it should,
// with a message naming that check: truncation and corruption at many offsets, unknown and wrong keys, payloads
// and manifests changed and re-signed, health checks that fail.
#include "deploy/bundle.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "deploy/files.h"
#include "deploy/health.h"
#include "deploy/keys.h"
#include "shared_data.h"

namespace edgerun::deploy {
namespace {

using testdata::read_file_bytes;

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<uint8_t> tiny_model() {
  return read_file_bytes(std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/ops/tiny_float_classifier.tflite");
}

npy::Array ramp_input(const std::vector<uint8_t>& model_bytes) {
  auto model = Model::load_from_buffer(model_bytes.data(), model_bytes.size());
  EXPECT_TRUE(model.ok()) << model.status().message();
  const TensorInfo& in = (*model)->input_info(0);
  npy::Array a;
  a.dtype = in.dtype;
  a.shape = in.shape;
  a.data.resize(in.bytes());
  if (in.dtype == DType::kFloat32) {
    for (size_t i = 0; i < a.data.size() / 4; ++i) {
      const float v = static_cast<float>(i % 97) / 48.0f - 1.0f;
      std::memcpy(a.data.data() + 4 * i, &v, 4);
    }
  } else {
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i * 7);
  }
  return a;
}

Manifest base_manifest(const std::string& version = "1.0.0") {
  Manifest m;
  m.name = "tiny";
  m.version = version;
  m.created_at = "2026-12-07T12:00:00Z";
  m.arch = "any";
  m.min_edgerun_version = "0.1.0";
  m.model = "model.tflite";
  return m;
}

struct Keys {
  SecretKey signer = generate_key(KeyType::kSigning).value();
  SecretKey other_signer = generate_key(KeyType::kSigning).value();
  SecretKey device = generate_key(KeyType::kEncryption).value();
  SecretKey group = generate_key(KeyType::kEncryption).value();
  SecretKey stranger = generate_key(KeyType::kEncryption).value();
};

std::vector<uint8_t> make(const Keys& k, bool encrypt = false, const std::string& version = "1.0.0") {
  const std::vector<uint8_t> model = tiny_model();
  Manifest m = base_manifest(version);
  std::vector<NamedFile> files{{"model.tflite", model}, {"labels.txt", {'a', '\n', 'b', '\n'}}};
  m.labels = "labels.txt";
  auto health = make_health_check(model, ramp_input(model), &m);
  EXPECT_TRUE(health.ok()) << health.status().message();
  for (NamedFile& f : *health) files.push_back(std::move(f));
  CreateOptions o;
  o.signing_key = &k.signer;
  o.zstd_level = 3;
  if (encrypt) o.recipients = {k.device.public_key, k.group.public_key};
  auto bytes = create_bundle(m, files, o);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

VerifyOptions trusting(const Keys& k) {
  VerifyOptions v;
  v.trusted = {k.signer.public_key};
  return v;
}

Status open_status(const std::vector<uint8_t>& b, const VerifyOptions& v) {
  return open_bundle(b.data(), b.size(), v, "b.erb").status();
}

// Re-packs a bundle after `edit` changes its manifest text or payload, keeping it well-formed and signed by the
// trusted key: what a compromised build step (not an attacker without the key) could produce.
std::vector<uint8_t> repack(const std::vector<uint8_t>& b, const SecretKey& key,
                            const std::function<void(std::string& manifest, std::vector<uint8_t>& payload)>& edit) {
  auto view = parse_bundle(b.data(), b.size(), "b.erb");
  EXPECT_TRUE(view.ok()) << view.status().message();
  std::string manifest = view->manifest_text;
  std::vector<uint8_t> payload(view->payload, view->payload + view->payload_size);
  edit(manifest, payload);
  std::vector<uint8_t> out(b.begin(), b.begin() + kBundleHeaderBytes);
  const auto m = static_cast<uint32_t>(manifest.size());
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<uint8_t>(m >> (8 * i));
  for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<uint8_t>(static_cast<uint64_t>(payload.size()) >> (8 * i));
  out.insert(out.end(), manifest.begin(), manifest.end());
  out.insert(out.end(), payload.begin(), payload.end());
  // Signed by hand: sign_bundle would refuse a malformed manifest.
  crypto_sign_state st;
  crypto_sign_init(&st);
  crypto_sign_update(&st, out.data(), out.size());
  std::vector<uint8_t> block{'E', 'D', 'G', 'R', 'S', 'I', 'G', '1'};
  block.insert(block.end(), key.public_key.id.begin(), key.public_key.id.end());
  block.resize(kSignatureBlockBytes);
  crypto_sign_final_create(&st, block.data() + 16, nullptr, key.key.data());
  out.insert(out.end(), block.begin(), block.end());
  return out;
}

TEST(Bundle, SignedRoundTripKeepsFilesAndManifest) {
  const Keys k;
  const std::vector<uint8_t> b = make(k);
  auto opened = open_bundle(b.data(), b.size(), trusting(k), "b.erb");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->manifest.name, "tiny");
  EXPECT_EQ(opened->manifest.version, "1.0.0");
  EXPECT_EQ(opened->manifest.labels, "labels.txt");
  ASSERT_TRUE(opened->signer.has_value());
  EXPECT_EQ(*opened->signer, k.signer.public_key.id);
  ASSERT_EQ(opened->files.size(), 4u);
  EXPECT_EQ(opened->file("model.tflite")->data, tiny_model());
  EXPECT_EQ(opened->file("labels.txt")->data, (std::vector<uint8_t>{'a', '\n', 'b', '\n'}));
  EXPECT_TRUE(run_health_check(*opened).ok()) << run_health_check(*opened).message();
}

TEST(Bundle, EncryptedOpensForEachRecipientOnly) {
  const Keys k;
  const std::vector<uint8_t> b = make(k, true);
  auto view = parse_bundle(b.data(), b.size(), "b.erb");
  ASSERT_TRUE(view.ok());
  // The model's bytes do not appear in the file.
  const std::vector<uint8_t> model = tiny_model();
  EXPECT_EQ(std::search(b.begin(), b.end(), model.begin() + 64, model.begin() + 128), b.end());
  for (const SecretKey* key : {&k.device, &k.group}) {
    VerifyOptions v = trusting(k);
    v.decryption_keys = {*key};
    auto opened = open_bundle(b.data(), b.size(), v, "b.erb");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    EXPECT_EQ(opened->file("model.tflite")->data, model);
  }
  VerifyOptions v = trusting(k);
  Status st = open_status(b, v);
  EXPECT_TRUE(Contains(st.message(), "decryption failed")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "no decryption key given")) << st.message();
  v.decryption_keys = {k.stranger};
  st = open_status(b, v);
  EXPECT_TRUE(Contains(st.message(), "decryption failed")) << st.message();
  EXPECT_TRUE(Contains(st.message(), key_id_hex(k.device.public_key.id))) << st.message();
}

TEST(Bundle, SignatureChecks) {
  const Keys k;
  const std::vector<uint8_t> b = make(k);
  // Unknown key: signed by a key the device does not trust.
  VerifyOptions v;
  v.trusted = {k.other_signer.public_key};
  Status st = open_status(b, v);
  EXPECT_TRUE(Contains(st.message(), "signature check failed: signed by key " + key_id_hex(k.signer.public_key.id) +
                                         ", which is not trusted"))
      << st.message();
  // Re-signed by another key claiming the trusted key's id: the signature does not verify.
  std::vector<uint8_t> forged = sign_bundle(b.data(), b.size(), k.other_signer, "b.erb").value();
  std::copy(k.signer.public_key.id.begin(), k.signer.public_key.id.end(), forged.end() - 72);
  st = open_status(forged, trusting(k));
  EXPECT_TRUE(Contains(st.message(), "does not match the contents")) << st.message();
  // Unsigned: refused unless allowed.
  auto view = parse_bundle(b.data(), b.size(), "b.erb");
  const std::vector<uint8_t> unsigned_b(b.begin(), b.begin() + static_cast<ptrdiff_t>(view->signed_size));
  st = open_status(unsigned_b, trusting(k));
  EXPECT_TRUE(Contains(st.message(), "the bundle is not signed")) << st.message();
  VerifyOptions lax = trusting(k);
  lax.require_signature = false;
  EXPECT_TRUE(open_status(unsigned_b, lax).ok());
  // sign_bundle replaces a signature.
  const std::vector<uint8_t> resigned = sign_bundle(b.data(), b.size(), k.other_signer, "b.erb").value();
  EXPECT_EQ(resigned.size(), b.size());
  v.trusted = {k.other_signer.public_key};
  EXPECT_TRUE(open_status(resigned, v).ok());
}

TEST(Bundle, EveryTruncationIsRejectedAsStructure) {
  const Keys k;
  for (bool encrypt : {false, true}) {
    const std::vector<uint8_t> b = make(k, encrypt);
    VerifyOptions v = trusting(k);
    v.decryption_keys = {k.device};
    std::mt19937 rng(7);
    std::vector<size_t> cuts{0, 1, 31, 32, 33, b.size() - 81, b.size() - 80, b.size() - 79, b.size() - 1};
    for (int i = 0; i < 100; ++i) cuts.push_back(rng() % b.size());
    for (size_t cut : cuts) {
      const std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<ptrdiff_t>(cut));
      const Status st = open_status(t, v);
      ASSERT_FALSE(st.ok()) << "cut at " << cut;
      // A cut exactly at the signature block leaves a valid unsigned bundle, which is refused as unsigned.
      EXPECT_TRUE(Contains(st.message(), "structure check failed") || Contains(st.message(), "not signed"))
          << "cut at " << cut << ": " << st.message();
    }
  }
}

TEST(Bundle, EveryCorruptionIsRejected) {
  const Keys k;
  for (bool encrypt : {false, true}) {
    const std::vector<uint8_t> b = make(k, encrypt);
    VerifyOptions v = trusting(k);
    v.decryption_keys = {k.device};
    ASSERT_TRUE(open_status(b, v).ok());
    std::mt19937 rng(11);
    for (int i = 0; i < 300; ++i) {
      std::vector<uint8_t> c = b;
      const size_t at = i < 100 ? static_cast<size_t>(i) : rng() % c.size();  // every header and early manifest byte
      c[at] ^= static_cast<uint8_t>(1 + rng() % 255);
      const Status st = open_status(c, v);
      ASSERT_FALSE(st.ok()) << "byte " << at << " flipped was accepted";
      EXPECT_TRUE(Contains(st.message(), "check failed") || Contains(st.message(), "bundle format")) << st.message();
    }
  }
}

TEST(Bundle, ContentsChecksCatchWhatASignerGotWrong) {
  const Keys k;
  const std::vector<uint8_t> b = make(k);
  // A file's hash in the manifest does not match its bytes.
  std::vector<uint8_t> bad = repack(b, k.signer, [](std::string& manifest, std::vector<uint8_t>&) {
    const size_t at = manifest.find("\"sha256\": \"") + 11;
    manifest[at] = manifest[at] == '0' ? '1' : '0';
  });
  Status st = open_status(bad, trusting(k));
  EXPECT_TRUE(Contains(st.message(), "contents check failed: file 'model.tflite' has SHA-256")) << st.message();
  // The payload is not zstd.
  bad = repack(b, k.signer, [](std::string&, std::vector<uint8_t>& payload) { payload[0] ^= 0xff; });
  st = open_status(bad, trusting(k));
  EXPECT_TRUE(Contains(st.message(), "contents check failed")) << st.message();
  // The manifest claims files larger than the limit: refused before allocating.
  VerifyOptions small = trusting(k);
  small.max_unpacked_bytes = 1000;
  st = open_status(b, small);
  EXPECT_TRUE(Contains(st.message(), "more than the limit of 1000")) << st.message();
  // A file name escaping the bundle.
  bad = repack(b, k.signer, [](std::string& manifest, std::vector<uint8_t>&) {
    const size_t at = manifest.find("\"labels.txt\"");
    manifest.replace(at, 12, "\"../labels\"");
  });
  st = open_status(bad, trusting(k));
  EXPECT_TRUE(Contains(st.message(), "structure check failed")) << st.message();
}

TEST(Bundle, EncryptedPayloadChangedAndResignedDoesNotAuthenticate) {
  const Keys k;
  const std::vector<uint8_t> b = make(k, true);
  const std::vector<uint8_t> bad =
      repack(b, k.signer, [](std::string&, std::vector<uint8_t>& payload) { payload[payload.size() / 2] ^= 1; });
  VerifyOptions v = trusting(k);
  v.decryption_keys = {k.device};
  const Status st = open_status(bad, v);
  EXPECT_TRUE(Contains(st.message(), "decryption failed: the payload does not authenticate")) << st.message();
}

TEST(Bundle, HealthCheckFailuresSayWhatDiffered) {
  const Keys k;
  const std::vector<uint8_t> model = tiny_model();
  Manifest m = base_manifest();
  std::vector<NamedFile> files{{"model.tflite", model}};
  auto health = make_health_check(model, ramp_input(model), &m);
  ASSERT_TRUE(health.ok()) << health.status().message();
  // The expected output of another input: the check must fail.
  npy::Array other = ramp_input(model);
  for (size_t i = 0; i < other.data.size(); i += 4) other.data[i + 3] ^= 0x40;
  Manifest m2 = base_manifest();
  auto wrong = make_health_check(model, other, &m2);
  ASSERT_TRUE(wrong.ok());
  files.push_back((*health)[0]);
  files.push_back((*wrong)[1]);
  CreateOptions o;
  o.signing_key = &k.signer;
  auto b = create_bundle(m, files, o);
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto opened = open_bundle(b->data(), b->size(), trusting(k), "b.erb");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const Status st = run_health_check(*opened);
  EXPECT_TRUE(Contains(st.message(), "health check failed: output element")) << st.message();

  // A model that does not load.
  Manifest m3 = base_manifest();
  std::vector<uint8_t> broken = model;
  broken.resize(broken.size() / 2);
  auto b3 = create_bundle(m3, {{"model.tflite", broken}}, o);
  ASSERT_TRUE(b3.ok());
  auto opened3 = open_bundle(b3->data(), b3->size(), trusting(k), "b.erb");
  ASSERT_TRUE(opened3.ok());
  EXPECT_TRUE(Contains(run_health_check(*opened3).message(), "health check failed: the model does not load"));

  // A quantized model is checked exactly.
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  const std::vector<uint8_t> q = read_file_bytes(path);
  Manifest mq = base_manifest();
  auto hq = make_health_check(q, ramp_input(q), &mq);
  ASSERT_TRUE(hq.ok()) << hq.status().message();
  EXPECT_EQ(mq.health_check->max_abs_diff, 0.0);
  std::vector<NamedFile> qfiles{{"model.tflite", q}, (*hq)[0], (*hq)[1]};
  auto bq = create_bundle(mq, qfiles, o);
  ASSERT_TRUE(bq.ok());
  auto oq = open_bundle(bq->data(), bq->size(), trusting(k), "b.erb");
  ASSERT_TRUE(oq.ok());
  EXPECT_TRUE(run_health_check(*oq).ok()) << run_health_check(*oq).message();
}

TEST(Manifest, VersionsOrderAsSemver) {
  const std::vector<std::string> ordered{"0.9.9",      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                         "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
                                         "1.0.0",      "1.0.1",        "1.2.0",         "1.10.0",
                                         "2.0.0"};
  for (size_t i = 0; i < ordered.size(); ++i) {
    EXPECT_TRUE(check_version(ordered[i], "v").ok()) << ordered[i];
    for (size_t j = 0; j < ordered.size(); ++j) {
      const int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(compare_versions(ordered[i], ordered[j]), want) << ordered[i] << " vs " << ordered[j];
    }
  }
  EXPECT_EQ(compare_versions("1.0.0+build.5", "1.0.0"), 0);
  for (const char* bad : {"1", "1.0", "1.0.0.0", "01.0.0", "a.b.c", "1.0.0-", "1.0.0-a..b", "", "1.-1.0"}) {
    EXPECT_FALSE(check_version(bad, "v").ok()) << bad;
  }
}

TEST(Manifest, MalformedFieldsGetClearErrors) {
  Manifest m = base_manifest();
  m.files = {{"model.tflite", 10, {}}};
  const std::string good = manifest_to_json(m);
  ASSERT_TRUE(parse_manifest(good, "m").ok()) << parse_manifest(good, "m").status().message();
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases{
      {"\"version\": \"1.0.0\"", "\"version\": \"latest\"", "not a semantic version"},
      {"\"version\": \"1.0.0\"", "\"version\": 1", "\"version\" is number, expected a string"},
      {"\"name\": \"tiny\"", "\"name\": \"../etc\"", "manifest name '../etc' must be"},
      {"\"model\": \"model.tflite\"", "\"model\": \"other.tflite\"", "model 'other.tflite' is not among its files"},
      {"\"size\": 10", "\"size\": -1", "\"size\" is -1, expected 0.."},
      {"\"arch\": \"any\"", "\"arch\": \"x86/64\"", "target arch 'x86/64' is not a name"},
      {"\"format\": 1", "\"format\": 2", "manifest format 2, this edgerun reads format 1"},
  };
  for (const Case& c : cases) {
    std::string text = good;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    const Status st = parse_manifest(text, "m").status();
    EXPECT_TRUE(Contains(st.message(), c.message)) << c.to << ": " << st.message();
  }
  EXPECT_TRUE(Contains(parse_manifest("[1]", "m").status().message(), "not a JSON object"));
  EXPECT_TRUE(Contains(parse_manifest("{", "m").status().message(), "not a JSON object"));
}

TEST(Manifest, TargetChecks) {
  Manifest m = base_manifest();
  m.arch = "aarch64";
  EXPECT_TRUE(check_target(m, "aarch64", "0.1.0").ok());
  EXPECT_TRUE(Contains(check_target(m, "x86_64", "0.1.0").message(), "targets aarch64, this device is x86_64"));
  m.arch = "any";
  m.min_edgerun_version = "0.2.0";
  EXPECT_TRUE(Contains(check_target(m, "x86_64", "0.1.0").message(), "needs edgerun >= 0.2.0"));
}

TEST(Keys, FilesRoundTripAndSecretsStayPrivate) {
  const std::string dir = ::testing::TempDir() + "/keys_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto key = generate_key(KeyType::kSigning);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(write_key_files(*key, dir + "/release").ok());
  EXPECT_TRUE(Contains(write_key_files(*key, dir + "/release").message(), "already exists"));
  auto pub = read_public_key(dir + "/release.pub");
  ASSERT_TRUE(pub.ok()) << pub.status().message();
  EXPECT_EQ(pub->key, key->public_key.key);
  EXPECT_EQ(pub->id, key->public_key.id);
  auto sec = read_secret_key(dir + "/release.key");
  ASSERT_TRUE(sec.ok()) << sec.status().message();
  EXPECT_EQ(sec->key, key->key);
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/release.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::chmod((dir + "/release.key").c_str(), 0644);
  EXPECT_TRUE(Contains(read_secret_key(dir + "/release.key").status().message(), "readable by group or others"));
  EXPECT_TRUE(Contains(read_public_key(dir + "/release.key").status().message(), "is a secret key"));
  EXPECT_TRUE(
      Contains(parse_public_key("{\"type\": \"edgerun-ed25519-public\", \"key\": \"AAAA\"}", "k").status().message(),
               "key is 3 bytes, expected 32"));
  EXPECT_TRUE(Contains(parse_public_key("{\"type\": \"rsa\", \"key\": \"AAAA\"}", "k").status().message(),
                       "unknown key type 'rsa'"));
  EXPECT_TRUE(Contains(parse_public_key("not json", "k").status().message(), "not a key file"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgerun::deploy
