# Certificates and kubeconfigs, sourced by scripts/sandbox.sh: per cluster a CA, the apiserver's
# serving certificate, one client certificate per component (and the admin's), a front-proxy CA,
# the service-account key pair; kubeconfigs that embed them.

write_openssl_cnf() {
  cat >"$1" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:$SERVICE_APISERVER_IP
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
}

# leaf <pki dir> <name> <subject> <extensions section>
leaf() {
  local d=$1 n=$2 subj=$3 ext=$4
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/$n.key" -out "$d/$n.csr" -subj "$subj" -config "$d/openssl.cnf" 2>/dev/null
  openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
    -extfile "$d/openssl.cnf" -extensions "$ext" -out "$d/$n.crt" 2>/dev/null
  rm -f "$d/$n.csr"
}

gen_pki() {
  local c=$1 d
  d="$(cdir "$c")/pki"
  [ -f "$d/.complete" ] && return 0
  rm -rf "$d"; mkdir -p "$d"; chmod 700 "$d"
  write_openssl_cnf "$d/openssl.cnf"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=sandbox-$c-ca" \
    -config "$d/openssl.cnf" -extensions v3_ca 2>/dev/null
  leaf "$d" apiserver "/CN=kube-apiserver" v3_server
  leaf "$d" admin "/O=system:masters/CN=sandbox-admin" v3_client
  # kube-controller-manager runs every controller with its own identity (see start_controller_manager)
  leaf "$d" kube-controller-manager "/O=system:masters/CN=system:kube-controller-manager" v3_client
  leaf "$d" kube-scheduler "/CN=system:kube-scheduler" v3_client
  leaf "$d" kwok "/O=system:masters/CN=kwok" v3_client
  # request-header (front proxy) CA: kube-controller-manager and kube-scheduler read it from the
  # extension-apiserver-authentication ConfigMap and log an error every minute when it is missing
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" -days 3650 \
    -subj "/CN=sandbox-$c-front-proxy-ca" -config "$d/openssl.cnf" -extensions v3_ca 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" \
    -subj "/CN=front-proxy-client" -config "$d/openssl.cnf" 2>/dev/null
  openssl x509 -req -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" \
    -CAkey "$d/front-proxy-ca.key" -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
    -extfile "$d/openssl.cnf" -extensions v3_client -out "$d/front-proxy-client.crt" 2>/dev/null
  rm -f "$d/front-proxy-client.csr"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
  touch "$d/.complete"
}

# write_kubeconfig <file> <cluster> <cert name in pki> <user name>
write_kubeconfig() {
  local f=$1 c=$2 n=$3 user=$4 d
  d="$(cdir "$c")/pki"
  mkdir -p "$(dirname "$f")"
  (umask 077 && cat >"$f.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $c
  cluster:
    server: https://127.0.0.1:$(port_of "$c" kube-apiserver)
    certificate-authority-data: $(base64 -w0 "$d/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$d/$n.crt")
    client-key-data: $(base64 -w0 "$d/$n.key")
contexts:
- name: $c
  context:
    cluster: $c
    user: $user
current-context: $c
preferences: {}
EOF
  )
  mv "$f.tmp" "$f"
}
