#include "agent/http.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "agent/artifact_server.h"
#include "agent/certs.h"
#include "agent/process.h"

namespace edgerun::agent {
namespace {

using testenv::TempDir;

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = static_cast<char>(v >> (8 * k));
  }
  return s;
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

testenv::TestArtifactServer::Stats stats_of(testenv::TestArtifactServer& server) {
  auto stats = server.stats();
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  return stats.ok() ? *stats : testenv::TestArtifactServer::Stats{};
}

class AgentHttp : public ::testing::Test {
 protected:
  TempDir local_{"edgerun-http-test"};
  std::string part_ = local_.path() + "/b.erb.part";
};

TEST_F(AgentHttp, DownloadsWholeFile) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(1 << 20, 1);
  write_bytes(server.path("b.erb"), bytes);

  auto r = download(server.url("b.erb"), part_, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->size, bytes.size());
  EXPECT_EQ(r->transferred, bytes.size());
  EXPECT_FALSE(r->resumed);
  EXPECT_TRUE(read_bytes(part_) == bytes);
  EXPECT_EQ(stats_of(server).range_requests, 0u);
}

TEST_F(AgentHttp, ResumesAfterConnectionCut) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(4 << 20, 2);
  write_bytes(server.path("b.erb"), bytes);
  ASSERT_TRUE(server.control(R"({"cut_after": 1048576})").ok());

  auto first = download(server.url("b.erb"), part_, {});
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(is_transient(first.status())) << first.status().message();
  EXPECT_EQ(file_size(part_), 1u << 20);  // what arrived before the cut is kept

  ASSERT_TRUE(server.control(R"({"cut_after": null})").ok());
  auto second = download(server.url("b.erb"), part_, {});
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->resumed);
  EXPECT_EQ(second->transferred, bytes.size() - (1u << 20));
  EXPECT_EQ(second->size, bytes.size());
  EXPECT_TRUE(read_bytes(part_) == bytes);
  auto stats = stats_of(server);
  EXPECT_EQ(stats.range_requests, 1u);
  EXPECT_LT(stats.bytes_sent, 2 * bytes.size());
}

TEST_F(AgentHttp, StartsOverWhenServerIgnoresRanges) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(1 << 20, 3);
  write_bytes(server.path("b.erb"), bytes);
  write_bytes(part_, bytes.substr(0, 1000) + std::string(500, 'x'));  // a prefix, then junk a 200 must replace

  ASSERT_TRUE(server.control(R"({"ignore_range": true})").ok());
  auto r = download(server.url("b.erb"), part_, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->resumed);
  EXPECT_EQ(r->transferred, bytes.size());
  EXPECT_TRUE(read_bytes(part_) == bytes);
  EXPECT_EQ(stats_of(server).range_requests, 1u);  // it did ask for a range
}

TEST_F(AgentHttp, CompletePartFileIsNotFetchedAgain) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(100000, 4);
  write_bytes(server.path("b.erb"), bytes);
  ASSERT_TRUE(download(server.url("b.erb"), part_, {}).ok());
  const uint64_t sent = stats_of(server).bytes_sent;

  auto again = download(server.url("b.erb"), part_, {});  // Range: bytes=100000- is answered 416
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->resumed);
  EXPECT_EQ(again->transferred, 0u);
  EXPECT_EQ(again->size, bytes.size());
  EXPECT_EQ(stats_of(server).bytes_sent, sent);
  EXPECT_TRUE(read_bytes(part_) == bytes);
}

TEST_F(AgentHttp, PartFileLongerThanResourceStartsOver) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(5000, 5);
  write_bytes(server.path("b.erb"), bytes);
  write_bytes(part_, random_bytes(8000, 6));  // left from an older, larger version

  auto first = download(server.url("b.erb"), part_, {});
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(is_transient(first.status())) << first.status().message();
  EXPECT_NE(first.status().message().find("416"), std::string::npos) << first.status().message();
  EXPECT_EQ(file_size(part_), 0u);

  auto second = download(server.url("b.erb"), part_, {});
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(read_bytes(part_) == bytes);
}

TEST_F(AgentHttp, SizeCapFromContentLengthIsPermanentAndStopsEarly) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(32 << 20, 7);
  write_bytes(server.path("big.erb"), bytes);
  DownloadOptions opts;
  opts.max_bytes = 1 << 20;

  auto r = download(server.url("big.erb"), part_, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().message();
  EXPECT_FALSE(is_transient(r.status()));
  EXPECT_NE(r.status().message().find("max_bytes 1048576"), std::string::npos) << r.status().message();
  EXPECT_EQ(file_size(part_), 0u);  // refused on the header, before any body byte was stored
  // The connection is closed: the server's writes fail once the socket buffers are full.
  EXPECT_LT(stats_of(server).bytes_sent, bytes.size() / 2);
}

TEST_F(AgentHttp, SizeCapWithoutContentLengthStopsAsBytesArrive) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(32 << 20, 8);
  write_bytes(server.path("big.erb"), bytes);
  ASSERT_TRUE(server.control(R"({"no_length": true})").ok());
  DownloadOptions opts;
  opts.max_bytes = 1 << 20;

  auto r = download(server.url("big.erb"), part_, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(is_transient(r.status())) << r.status().message();
  EXPECT_NE(r.status().message().find("max_bytes"), std::string::npos) << r.status().message();
  EXPECT_LE(file_size(part_), opts.max_bytes);
  EXPECT_LT(stats_of(server).bytes_sent, bytes.size() / 2);
}

TEST_F(AgentHttp, NotFoundIsPermanent) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  auto r = download(server.url("missing.erb"), part_, {});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(is_transient(r.status()));
  EXPECT_EQ(r.status().message(),
            "download " + server.url("missing.erb") + ": server answered HTTP 404 (expected 200)");
}

TEST_F(AgentHttp, ServerErrorIsTransient) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  write_bytes(server.path("b.erb"), "bytes");
  ASSERT_TRUE(server.control(R"({"status": 503})").ok());
  auto r = download(server.url("b.erb"), part_, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_transient(r.status()));
  EXPECT_NE(r.status().message().find("HTTP 503"), std::string::npos) << r.status().message();
  EXPECT_EQ(file_size(part_), 0u);  // the error page is not stored as the file

  ASSERT_TRUE(server.control(R"({"status": 429})").ok());
  EXPECT_TRUE(is_transient(download(server.url("b.erb"), part_, {}).status()));
  ASSERT_TRUE(server.control(R"({"status": 403})").ok());
  EXPECT_FALSE(is_transient(download(server.url("b.erb"), part_, {}).status()));
}

TEST_F(AgentHttp, ConnectionRefusedIsTransient) {
  int port = 0;
  const int fd = testenv::bind_loopback(0, &port);  // bound, not listening: connections are refused
  ASSERT_GE(fd, 0);
  DownloadOptions opts;
  opts.connect_timeout_ms = 60000;  // a refusal must not wait for this
  auto r = download("http://127.0.0.1:" + std::to_string(port) + "/b.erb", part_, opts);
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_transient(r.status()));
  EXPECT_NE(r.status().message().find("(curl error 7)"), std::string::npos) << r.status().message();
}

TEST_F(AgentHttp, StalledServerTimesOutAndResumes) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(1 << 20, 9);
  write_bytes(server.path("b.erb"), bytes);
  ASSERT_TRUE(server.control(R"({"stall_after": 65536})").ok());
  DownloadOptions opts;
  opts.stall_timeout_ms = 1000;

  auto r = download(server.url("b.erb"), part_, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_transient(r.status()));
  EXPECT_NE(r.status().message().find("stall_timeout_ms"), std::string::npos) << r.status().message();
  EXPECT_EQ(file_size(part_), 65536u);

  ASSERT_TRUE(server.control(R"({"stall_after": null})").ok());
  auto resumed = download(server.url("b.erb"), part_, opts);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_TRUE(resumed->resumed);
  EXPECT_TRUE(read_bytes(part_) == bytes);
}

TEST_F(AgentHttp, ProgressReportsAndCanAbort) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(1 << 20, 10);
  write_bytes(server.path("b.erb"), bytes);
  uint64_t last_done = 0, last_total = 0;
  DownloadOptions opts;
  opts.progress = [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
    return true;
  };
  ASSERT_TRUE(download(server.url("b.erb"), part_, opts).ok());
  EXPECT_EQ(last_done, bytes.size());
  EXPECT_EQ(last_total, bytes.size());

  std::filesystem::remove(part_);
  opts.progress = [](uint64_t done, uint64_t) { return done == 0; };
  auto r = download(server.url("b.erb"), part_, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("aborted"), std::string::npos) << r.status().message();
}

TEST_F(AgentHttp, UploadRoundTrip) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(3 << 20, 11);
  const std::string local = local_.path() + "/model.erb";
  write_bytes(local, bytes);

  Status st = upload(server.url("fleet/model.erb"), local, {});
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(read_bytes(server.path("fleet/model.erb")) == bytes);
  st = upload(server.url("fleet/model.erb"), local, {});  // replacing it works too
  EXPECT_TRUE(st.ok()) << st.message();

  DownloadOptions small;
  small.max_bytes = 1000;
  EXPECT_EQ(upload(server.url("x"), local, small).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(upload(server.url("x"), local_.path() + "/missing", {}).code(), StatusCode::kNotFound);
}

TEST_F(AgentHttp, RefusesOtherSchemes) {
  for (const std::string url : {"ftp://127.0.0.1/b.erb", "file:///etc/hostname", "127.0.0.1/b.erb"}) {
    auto r = download(url, part_, {});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().message();
    EXPECT_EQ(r.status().message(), "download " + url + ": not an http:// or https:// URL");
    EXPECT_FALSE(std::filesystem::exists(part_));
    EXPECT_EQ(upload(url, "/etc/hostname", {}).code(), StatusCode::kInvalidArgument);
  }
}

// HTTPS against a server whose certificate a private CA signed (made here with the openssl command): trusted
// through `ca_file`, downloads, resumes and uploads work; under any other CA, or the system's store, the
// certificate is refused as a permanent error.
TEST_F(AgentHttp, HttpsWithAPrivateCertificateAuthority) {
  const std::string d = local_.path();
  const Status certs = testenv::make_test_certs(d);
  ASSERT_TRUE(certs.ok()) << certs.message();
  testenv::TestArtifactServer server;
  ASSERT_TRUE(server.start({"--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key"}).ok()) << server.log();
  const std::string bytes = random_bytes(300000, 21);
  write_bytes(server.path("b.erb"), bytes);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/b.erb";

  DownloadOptions trusted;
  trusted.ca_file = d + "/ca.pem";
  write_bytes(part_, bytes.substr(0, 100000));  // and resumed over TLS
  auto r = download(url, part_, trusted);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->resumed);
  EXPECT_EQ(r->transferred, bytes.size() - 100000);
  EXPECT_EQ(read_bytes(part_), bytes);

  ASSERT_TRUE(upload("https://127.0.0.1:" + std::to_string(server.port()) + "/up.erb", part_, trusted).ok());
  EXPECT_EQ(read_bytes(server.path("up.erb")), bytes);

  DownloadOptions other, system_store;
  other.ca_file = d + "/other-ca.pem";
  for (const DownloadOptions* o : {&other, &system_store}) {
    std::filesystem::remove(part_);
    auto refused = download(url, part_, *o);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status().message();
    EXPECT_FALSE(is_transient(refused.status()));
    EXPECT_NE(refused.status().message().find("certificate"), std::string::npos) << refused.status().message();
  }
}

// The fixture's corrupt_byte fault, which the agent's digest checks rely on, flips exactly one byte.
TEST_F(AgentHttp, ArtifactServerCorruptsOneByte) {
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string bytes = random_bytes(200000, 12);
  write_bytes(server.path("b.erb"), bytes);
  ASSERT_TRUE(server.control(R"({"corrupt_byte": 150000})").ok());
  ASSERT_TRUE(download(server.url("b.erb"), part_, {}).ok());
  const std::string got = read_bytes(part_);
  ASSERT_EQ(got.size(), bytes.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (i == 150000) {
      EXPECT_EQ(static_cast<uint8_t>(got[i]), static_cast<uint8_t>(bytes[i]) ^ 0xFF);
    } else if (got[i] != bytes[i]) {
      FAIL() << "byte " << i << " differs too";
    }
  }
  EXPECT_FALSE(server.control(R"({"no_such_fault": 1})").ok());
}

}  // namespace
}  // namespace edgerun::agent
