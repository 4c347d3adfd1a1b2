// Test certificates made by the openssl command: a private CA ("ca"), a server certificate it signed for
// 127.0.0.1 ("server"), a client certificate it signed ("client"), and an unrelated CA ("other-ca"); each as
// DIR/NAME.pem with its key in DIR/NAME.key.
//
//   ASSERT_TRUE(testenv::make_test_certs(dir).ok());
//   server.start({"--tls-cert", dir + "/server.pem", "--tls-key", dir + "/server.key"});
#pragma once

#include <cstdlib>
#include <string>

#include "agent/process.h"
#include "edgerun/status.h"

namespace edgerun::agent::testenv {

inline Status make_test_certs(const std::string& dir) {
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "cd '" + dir + "' && printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext && " +
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext && " + "for ca in ca other-ca; do openssl req -x509 " +
      key + " -days 2 -subj /CN=$ca -keyout $ca.key -out $ca.pem " + "|| exit 1; done && " +
      "for who in server client; do openssl req " + key + " -subj /CN=127.0.0.1 -keyout $who.key -out $who.csr && " +
      "openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile $who.ext " +
      "-out $who.pem || exit 1; done";
  const std::string log = dir + "/openssl.log";
  if (std::system(("(" + script + ") > '" + log + "' 2>&1").c_str()) != 0) {
    return IOError("openssl could not make the test certificates (scripts/setup.sh installs it): " + read_text(log));
  }
  return Status::Ok();
}

}  // namespace edgerun::agent::testenv
