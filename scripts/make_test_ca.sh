#!/usr/bin/env bash
# Create a throw-away CA and certificates for mTLS between document systems, the agent and
# the cloud tier. For tests and evaluation only: production certificates come from the
# firm's own PKI.
#
#   scripts/make_test_ca.sh OUT_DIR [CLIENT_CN ...]
#
# Writes OUT_DIR/ca.{crt,key}, agent.{crt,key} (server, SAN localhost/127.0.0.1/agent),
# cloud.{crt,key} (server, SAN localhost/127.0.0.1/cloud: the service names of
# deploy/compose), agent-client.{crt,key} (the agent as a client of the cloud
# tier) and one <CN>.{crt,key} per CLIENT_CN (document systems; map each CN to a tenant
# in the agent config under auth.tenants.<tenant>.client_cert_cns).
set -euo pipefail
out="${1:?usage: make_test_ca.sh OUT_DIR [CLIENT_CN ...]}"
shift
mkdir -p "$out"
cd "$out"
umask 077
days=30
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
  -out ca.crt -days "$days" -subj "/CN=Bastion Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null

issue() {  # name cn usage(server|client)
  local name="$1" cn="$2" usage="$3" ext
  if [ "$usage" = server ]; then
    ext="subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$name\nextendedKeyUsage=serverAuth,clientAuth"
  else
    ext="extendedKeyUsage=clientAuth"
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -out "$name.crt" -extfile <(printf "$ext\n") 2>/dev/null
  rm -f "$name.csr"
}

issue agent localhost server
issue cloud localhost server
issue agent-client bastion-agent client
for cn in "$@"; do
  issue "$cn" "$cn" client
done
chmod 644 ./*.crt
echo "test CA and certificates written to $out"
