// `edgerun agent --config FILE`: the device's update agent (apps/agent, docs/deploy.md#the-device-agent).
#include "agent/agent.h"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"

namespace edgerun::cli {
namespace {

struct AgentFlags {
  std::string config;
  std::string classify;
  bool status = false;
  bool json = false;
};

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop = true; }

int run_agent(const AgentFlags& o) {
  auto config = agent::load_agent_config(o.config);
  if (!config.ok()) return fail(config.status());
  if (!o.classify.empty()) {
    if (config->socket.empty()) return fail(o.config + ": the agent has no \"socket\" to ask");
    const std::string image = std::filesystem::absolute(o.classify).string();
    auto answer = agent::ask(config->socket, nlohmann::json{{"image", image}}.dump());
    if (!answer.ok()) return fail(answer.status());
    const auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("the agent answered '" + *answer + "'");
    if (j.contains("error")) return fail(o.classify + ": " + j["error"].get<std::string>());
    if (o.json) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << o.classify << "  (" << j["name"].get<std::string>() << " " << j["version"].get<std::string>() << ", "
                << j["ms"].get<double>() << " ms)\n";
      int rank = 0;
      for (const auto& t : j["top_k"]) {
        std::cout << "  " << ++rank << ". " << t["score"].get<double>() << "  " << t["label"].get<std::string>()
                  << "  (" << t["index"].get<int>() << ")\n";
      }
    }
    return 0;
  }
  agent::Agent a(*config);
  if (Status st = a.init(); !st.ok()) return fail(st);
  if (o.status) {
    const agent::AgentState s = a.state();
    if (o.json) {
      std::cout << nlohmann::json::parse(agent::state_json(s)).dump(2) << "\n";
    } else {
      std::cout << s.device_id << ": "
                << (s.version.empty() ? std::string("no model installed")
                                      : s.name + " " + s.version + " (slot " + s.slot + ", verified)")
                << (s.last_error.empty() ? "" : "\n  note: " + s.last_error) << "\n";
    }
    return 0;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const agent::AgentState s = a.state();
  std::cerr << "edgerun agent " << s.device_id << ": "
            << (s.version.empty() ? std::string("no model installed yet") : "serving " + s.name + " " + s.version)
            << "; broker " << config->mqtt.host << ":" << config->mqtt.port << ", topics " << config->topic_prefix
            << "/notice and " << config->topic_prefix << "/devices/" << s.device_id << "/notice\n";
  return a.run(g_stop);
}

}  // namespace

Runner add_agent(CLI::App& app) {
  auto o = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand(
      "agent", "The device's update agent: installs signed bundles announced over MQTT, A/B with rollback");
  cmd->add_option("--config", o->config, "Agent configuration (JSON; see docs/deploy.md#agent-configuration)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--status", o->status,
                "Verify the installed bundle (falling back to the other slot if it fails) and print the state, "
                "then exit: no network");
  cmd->add_option("--classify", o->classify,
                  "Ask the running agent to classify this image with the model it serves (its local socket), "
                  "then exit")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", o->json, "With --status or --classify: print JSON");
  cmd->footer(
      "Runs until SIGTERM or SIGINT. The state folder holds the A/B slots; the model keeps serving while the\n"
      "broker or the artifact server is unreachable, and updates resume when they return.\n"
      "Example:\n  edgerun agent --config /etc/edgerun/agent.json");
  return [o] { return run_agent(*o); };
}

}  // namespace edgerun::cli
