// `edgerun keygen` and `edgerun bundle create | sign | verify | inspect`: signed, optionally encrypted model
// bundles (docs/deploy.md).
#include "deploy/bundle.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "deploy/files.h"
#include "deploy/health.h"
#include "deploy/keys.h"
#include "io/npy/npy.h"
#include "vision/image.h"
#include "vision/labels.h"

namespace edgerun::cli {
namespace {

constexpr uint64_t kMaxInputBytes = 4ull << 30;

struct KeygenOptions {
  std::string stem;
  std::string type = "signing";
  bool json = false;
};

struct CreateFlags {
  std::string model, labels, name, version, arch = "any", min_edgerun = edgerun::version(), output;
  std::string health_image, health_input, sign_key;
  double health_tolerance = -1;
  std::vector<std::string> encrypt_to;
  int top_k = 5;
  int zstd_level = 19;
  PreprocessOptions pre;
  bool json = false;
};

struct SignFlags {
  std::string bundle, key, output;
};

struct VerifyFlags {
  std::string bundle;
  std::vector<std::string> trust, decrypt_keys;
  bool allow_unsigned = false, health = false, json = false;
};

struct InspectFlags {
  std::string bundle;
  bool json = false;
};

Result<std::vector<uint8_t>> read_bundle_file(const std::string& path) {
  return deploy::read_file(path, kMaxInputBytes);
}

int run_keygen(const KeygenOptions& o) {
  const auto type = o.type == "signing" ? deploy::KeyType::kSigning : deploy::KeyType::kEncryption;
  auto key = deploy::generate_key(type);
  if (!key.ok()) return fail(key.status());
  if (Status st = deploy::write_key_files(*key, o.stem); !st.ok()) return fail(st);
  const std::string id = deploy::key_id_hex(key->public_key.id);
  if (o.json) {
    std::cout << nlohmann::json{{"type", o.type},
                                {"key_id", id},
                                {"secret_key", o.stem + ".key"},
                                {"public_key", o.stem + ".pub"}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << o.type << " key " << id << "\n  secret: " << o.stem << ".key (mode 600; keep it private)\n"
              << "  public: " << o.stem << ".pub"
              << (type == deploy::KeyType::kSigning ? " (give it to devices: they trust bundles it signed)\n"
                                                    : " (give it to publishers: they encrypt bundles to it)\n");
  }
  return 0;
}

// The health-check input: an .npy tensor, or a photo pre-processed as `classify` would.
Result<npy::Array> health_input(const CreateFlags& o, const std::vector<uint8_t>& model_bytes) {
  if (!o.health_input.empty()) return npy::read_npy(o.health_input);
  EDGERUN_ASSIGN_OR_RETURN(auto model, Model::load_from_buffer(model_bytes.data(), model_bytes.size()));
  const TensorInfo& in = model->input_info(0);
  const auto norm = o.pre.normalization_for(*model);
  EDGERUN_RETURN_IF_ERROR(vision::check_input_info(in, norm).with_context(o.model));
  const vision::ImageInputShape shape = vision::image_input_shape(in).value();
  EDGERUN_ASSIGN_OR_RETURN(vision::Image image, vision::decode_image_file(o.health_image));
  const vision::Image resized = vision::resize(image, shape.width, shape.height, o.pre.method());
  npy::Array a;
  a.dtype = in.dtype;
  a.shape = in.shape;
  a.data.resize(in.bytes());
  EDGERUN_RETURN_IF_ERROR(vision::fill_input(resized, in, norm, a.data.data()).with_context(o.health_image));
  return a;
}

int run_create(const CreateFlags& o) {
  if (!o.health_image.empty() && !o.health_input.empty()) {
    return fail("give --health-image or --health-input, not both");
  }
  auto model = deploy::read_file(o.model, kMaxInputBytes);
  if (!model.ok()) return fail(model.status());
  if (auto loaded = Model::load_from_buffer(model->data(), model->size()); !loaded.ok()) {
    return fail(loaded.status().with_context(o.model));
  }
  deploy::Manifest m;
  m.name = o.name;
  m.version = o.version;
  m.created_at = deploy::utc_now_iso8601();
  m.arch = o.arch;
  m.min_edgerun_version = o.min_edgerun;
  m.model = std::filesystem::path(o.model).filename().string();
  m.top_k = o.top_k;
  m.preprocess.resize = o.pre.resize;
  m.preprocess.mean = o.pre.mean;
  m.preprocess.std = o.pre.std;
  std::vector<deploy::NamedFile> files{{m.model, std::move(model).value()}};
  if (!o.labels.empty()) {
    auto labels = deploy::read_file(o.labels, 64 << 20);
    if (!labels.ok()) return fail(labels.status());
    // Devices parse it before switching to the model: refuse here what they would refuse there.
    if (auto parsed = vision::parse_labels(std::string(labels->begin(), labels->end()), o.labels); !parsed.ok()) {
      return fail(parsed.status());
    }
    m.labels = std::filesystem::path(o.labels).filename().string();
    files.push_back({m.labels, std::move(labels).value()});
  }
  if (!o.health_image.empty() || !o.health_input.empty()) {
    auto input = health_input(o, files[0].data);
    if (!input.ok()) return fail(input.status());
    auto health = deploy::make_health_check(files[0].data, *input, &m, o.health_tolerance);
    if (!health.ok()) return fail(health.status().with_context(o.model));
    for (deploy::NamedFile& f : *health) files.push_back(std::move(f));
  }
  deploy::CreateOptions co;
  co.zstd_level = o.zstd_level;
  std::optional<deploy::SecretKey> signer;
  if (!o.sign_key.empty()) {
    auto k = deploy::read_secret_key(o.sign_key);
    if (!k.ok()) return fail(k.status());
    signer = std::move(k).value();
    co.signing_key = &*signer;
  }
  for (const std::string& p : o.encrypt_to) {
    auto k = deploy::read_public_key(p);
    if (!k.ok()) return fail(k.status());
    co.recipients.push_back(std::move(k).value());
  }
  auto bytes = deploy::create_bundle(m, files, co);
  if (!bytes.ok()) return fail(bytes.status());
  if (Status st = deploy::write_file_atomic(o.output, *bytes); !st.ok()) return fail(st);
  auto view = deploy::parse_bundle(bytes->data(), bytes->size(), o.output);
  if (!view.ok()) return fail(view.status());
  uint64_t unpacked = view->manifest.unpacked_size();
  if (o.json) {
    std::cout << nlohmann::json{{"bundle", o.output},
                                {"bytes", bytes->size()},
                                {"unpacked_bytes", unpacked},
                                {"signed_by", signer ? deploy::key_id_hex(signer->public_key.id) : ""},
                                {"encrypted_for", co.recipients.size()},
                                {"manifest", nlohmann::json::parse(view->manifest_text)}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << o.output << ": " << m.name << " " << m.version << ", " << view->manifest.files.size() << " files, "
              << unpacked << " bytes -> " << bytes->size() << " bytes (zstd -" << o.zstd_level << ")\n"
              << "  signed:    "
              << (signer ? "by key " + deploy::key_id_hex(signer->public_key.id) : "no (run 'edgerun bundle sign')")
              << "\n  encrypted: "
              << (co.recipients.empty() ? std::string("no") : "for " + std::to_string(co.recipients.size()) + " key(s)")
              << "\n  health:    "
              << (m.health_check ? "output on " + m.health_check->input + " kept; devices accept max |diff| "
                                 : std::string("none (devices only check that the model loads and runs)"));
    if (m.health_check) std::cout << m.health_check->max_abs_diff;
    std::cout << "\n";
  }
  return 0;
}

int run_sign(const SignFlags& o) {
  auto bytes = read_bundle_file(o.bundle);
  if (!bytes.ok()) return fail(bytes.status());
  auto key = deploy::read_secret_key(o.key);
  if (!key.ok()) return fail(key.status());
  auto out = deploy::sign_bundle(bytes->data(), bytes->size(), *key, o.bundle);
  if (!out.ok()) return fail(out.status());
  const std::string dest = o.output.empty() ? o.bundle : o.output;
  if (Status st = deploy::write_file_atomic(dest, *out); !st.ok()) return fail(st);
  std::cout << dest << ": signed by key " << deploy::key_id_hex(key->public_key.id) << "\n";
  return 0;
}

int run_verify(const VerifyFlags& o) {
  deploy::VerifyOptions v;
  v.require_signature = !o.allow_unsigned;
  for (const std::string& p : o.trust) {
    auto k = deploy::read_public_key(p);
    if (!k.ok()) return fail(k.status());
    v.trusted.push_back(std::move(k).value());
  }
  for (const std::string& p : o.decrypt_keys) {
    auto k = deploy::read_secret_key(p);
    if (!k.ok()) return fail(k.status());
    v.decryption_keys.push_back(std::move(k).value());
  }
  auto bytes = read_bundle_file(o.bundle);
  if (!bytes.ok()) return fail(bytes.status());
  auto opened = deploy::open_bundle(bytes->data(), bytes->size(), v, o.bundle);
  if (!opened.ok()) return fail(opened.status());
  const deploy::Manifest& m = opened->manifest;
  std::vector<std::string> checks{"structure", opened->signer ? "signature" : "signature (unsigned, allowed)"};
  if (m.encryption) checks.push_back("decryption");
  checks.push_back("contents");
  if (Status st = deploy::check_target(m, deploy::host_arch(), edgerun::version()); !st.ok()) {
    std::cerr << "edgerun: warning: " << st.message() << "\n";
  }
  if (o.health) {
    if (Status st = deploy::run_health_check(*opened); !st.ok()) return fail(st.with_context(o.bundle));
    checks.push_back("health");
  }
  if (o.json) {
    std::cout << nlohmann::json{{"bundle", o.bundle},
                                {"ok", true},
                                {"name", m.name},
                                {"version", m.version},
                                {"signed_by", opened->signer ? deploy::key_id_hex(*opened->signer) : ""},
                                {"checks", checks}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << o.bundle << ": OK, " << m.name << " " << m.version;
    if (opened->signer) std::cout << ", signed by key " << deploy::key_id_hex(*opened->signer);
    std::cout << "\n  passed:";
    for (const std::string& c : checks) std::cout << " " << c;
    std::cout << "\n";
  }
  return 0;
}

int run_inspect(const InspectFlags& o) {
  auto bytes = read_bundle_file(o.bundle);
  if (!bytes.ok()) return fail(bytes.status());
  auto view = deploy::parse_bundle(bytes->data(), bytes->size(), o.bundle);
  if (!view.ok()) return fail(view.status());
  const deploy::Manifest& m = view->manifest;
  if (o.json) {
    nlohmann::json j{{"bundle", o.bundle},
                     {"bytes", bytes->size()},
                     {"format", view->format},
                     {"payload_bytes", view->payload_size},
                     {"signed_by", view->signer ? deploy::key_id_hex(*view->signer) : ""},
                     {"manifest", nlohmann::json::parse(view->manifest_text)}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << o.bundle << ": edgerun bundle format " << view->format << ", " << bytes->size() << " bytes\n"
            << "  name:      " << m.name << "\n  version:   " << m.version << "\n  created:   " << m.created_at
            << "\n  target:    " << m.arch << ", edgerun >= " << m.min_edgerun_version << "\n  model:     " << m.model
            << (m.labels.empty() ? "" : "\n  labels:    " + m.labels) << "\n  signed:    "
            << (view->signer ? "key " + deploy::key_id_hex(*view->signer) + " (not verified: use 'bundle verify')"
                             : std::string("no"))
            << "\n  encrypted: ";
  if (m.encryption) {
    std::cout << "for";
    for (const deploy::Recipient& r : m.encryption->recipients) std::cout << " " << deploy::key_id_hex(r.key_id);
  } else {
    std::cout << "no";
  }
  std::cout << "\n  payload:   " << view->payload_size << " bytes (zstd" << (m.encryption ? ", encrypted" : "")
            << ") of " << m.unpacked_size() << "\n  files:\n";
  for (const deploy::FileEntry& f : m.files) {
    std::cout << "    " << f.name << "  " << f.size << " bytes  sha256 " << deploy::to_hex(f.sha256.data(), 32) << "\n";
  }
  if (m.health_check) {
    std::cout << "  health:    " << m.health_check->input << " -> " << m.health_check->expected << ", max |diff| "
              << m.health_check->max_abs_diff << "\n";
  }
  return 0;
}

}  // namespace

Runner add_keygen(CLI::App& app) {
  auto o = std::make_shared<KeygenOptions>();
  CLI::App* cmd = app.add_subcommand("keygen", "Make a key pair: Ed25519 to sign bundles, or X25519 to encrypt them");
  cmd->add_option("stem", o->stem, "Writes STEM.key (secret, mode 600) and STEM.pub")->required();
  cmd->add_option("--type", o->type,
                  "signing: the publisher signs bundles, devices trust STEM.pub; encryption: a device (or group) "
                  "key, bundles are encrypted to STEM.pub and only STEM.key opens them")
      ->check(CLI::IsMember({"signing", "encryption"}))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->footer(
      "Example:\n  edgerun keygen release                      release.key, release.pub\n"
      "  edgerun keygen device-42 --type encryption  a device's decryption key");
  return [o] { return run_keygen(*o); };
}

Runner add_bundle(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bundle", "Make, sign, verify and inspect model bundles for devices");
  cmd->require_subcommand(1);
  cmd->footer(
      "Example:\n"
      "  edgerun keygen release\n"
      "  edgerun bundle create --model m.tflite --name mbv2 --version 1.0.0 --health-image cat.jpg \\\n"
      "      --sign-key release.key -o mbv2-1.0.0.erb\n"
      "  edgerun bundle verify mbv2-1.0.0.erb --trust release.pub --health\n"
      "See docs/deploy.md for the format and the device agent.");

  auto c = std::make_shared<CreateFlags>();
  CLI::App* create = cmd->add_subcommand("create", "Pack a model, its labels and a health check into one bundle");
  create->add_option("--model", c->model, "The model (.tflite)")->required()->check(CLI::ExistingFile);
  create->add_option("--name", c->name, "Bundle name, [A-Za-z0-9._-]: what devices and the fleet call it")->required();
  create->add_option("--version", c->version, "Semantic version, e.g. 1.2.0 (devices refuse older ones)")->required();
  create->add_option("-o,--output", c->output, "The bundle file to write")->required();
  create->add_option("--labels", c->labels, "A labels file (one per line) to ship with the model")
      ->check(CLI::ExistingFile);
  create->add_option("--arch", c->arch, "Target CPU architecture (uname -m: x86_64, aarch64, armv7l) or any")
      ->capture_default_str();
  create->add_option("--min-edgerun", c->min_edgerun, "Oldest edgerun version that may install it")
      ->capture_default_str();
  create->add_option("--top-k", c->top_k, "Labels the device reports per image")->capture_default_str();
  add_preprocess_options(create, &c->pre);
  create
      ->add_option("--health-image", c->health_image,
                   "A photo: its pre-processed tensor and this model's output on it become the health check "
                   "that devices run before switching to the model")
      ->check(CLI::ExistingFile);
  create->add_option("--health-input", c->health_input, "Same from an input tensor (.npy)")->check(CLI::ExistingFile);
  create->add_option("--health-tolerance", c->health_tolerance,
                     "Largest |output - expected| the health check accepts (default: 0 for integer outputs, 1e-4 "
                     "for float)");
  create->add_option("--sign-key", c->sign_key, "Sign with this Ed25519 secret key (edgerun keygen)")
      ->check(CLI::ExistingFile);
  create
      ->add_option("--encrypt-to", c->encrypt_to,
                   "Encrypt for this X25519 public key (repeat for several devices or groups)")
      ->check(CLI::ExistingFile);
  create->add_option("--zstd-level", c->zstd_level, "zstd compression level")
      ->check(CLI::Range(1, 22))
      ->capture_default_str();
  create->add_flag("--json", c->json, "Print the result and manifest as JSON");

  auto s = std::make_shared<SignFlags>();
  CLI::App* sign = cmd->add_subcommand("sign", "Sign a bundle (replacing any signature)");
  sign->add_option("bundle", s->bundle, "The bundle")->required()->check(CLI::ExistingFile);
  sign->add_option("--key", s->key, "Ed25519 secret key")->required()->check(CLI::ExistingFile);
  sign->add_option("-o,--output", s->output, "Write here instead of replacing the bundle");

  auto v = std::make_shared<VerifyFlags>();
  CLI::App* verify = cmd->add_subcommand(
      "verify", "Check a bundle as a device would: structure, signature, decryption, contents (and health)");
  verify->add_option("bundle", v->bundle, "The bundle")->required()->check(CLI::ExistingFile);
  verify->add_option("--trust", v->trust, "A trusted signing public key (repeatable)")->check(CLI::ExistingFile);
  verify->add_option("--decrypt-key", v->decrypt_keys, "An X25519 secret key to decrypt with (repeatable)")
      ->check(CLI::ExistingFile);
  verify->add_flag("--allow-unsigned", v->allow_unsigned, "Accept an unsigned bundle (testing only)");
  verify->add_flag("--health", v->health, "Also run the bundle's health check with this machine's runtime");
  verify->add_flag("--json", v->json, "Print the result as JSON");

  auto i = std::make_shared<InspectFlags>();
  CLI::App* inspect = cmd->add_subcommand("inspect", "Show a bundle's manifest (no keys needed; verifies nothing)");
  inspect->add_option("bundle", i->bundle, "The bundle")->required()->check(CLI::ExistingFile);
  inspect->add_flag("--json", i->json, "Print as JSON");

  return [=] {
    if (create->parsed()) return run_create(*c);
    if (sign->parsed()) return run_sign(*s);
    if (verify->parsed()) return run_verify(*v);
    if (inspect->parsed()) return run_inspect(*i);
    return 2;
  };
}

}  // namespace edgerun::cli
