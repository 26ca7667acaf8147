#!/bin/sh
# One-shot (docker-compose.yml `kafka-secrets`, run as root in the apache/kafka image, which
# has keytool): on first start, make the broker's TLS material and every Kafka principal's
# password; on later starts keep them and only fix ownership. Nothing here is committed and
# nothing is printed. Layout:
#   /secrets/kafka (volume kafka-secrets, the broker's and kafka-setup's only):
#     broker.p12 truststore.p12 keystore-password   broker key+certificate, CA, their password
#     kafka_server_jaas.conf                         admin (PLAIN) for the broker's own links
#     admin-client.properties                        admin client config (healthcheck, setup)
#     ca.pem  users/<principal>.password
#   /secrets/client-<name> (volumes kafka-client-<name>, one per principal, each mounted by
#     its own service only): ca.pem, password   (KAFKA_SSL_CAFILE, KAFKA_SASL_PASSWORD_FILE)
# The CA's private key is deleted once the broker certificate is signed: renewing means
# removing the kafka-secrets volume (and restarting everything).
set -eu
umask 077
KAFKA_UID="${KAFKA_UID:-1000}"       # appuser in apache/kafka
SERVICE_UID="${SERVICE_UID:-10001}"  # the clearway user in every service image
DAYS="${CLEARWAY_KAFKA_CERT_DAYS:-825}"
D=/secrets/kafka
PRINCIPALS="clearway-topics clearway-ingest clearway-eligibility clearway-filing clearway-notify"

random_secret() {
  head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40
}

if [ ! -f "$D/ready" ]; then
  rm -rf "$D/work" && mkdir -p "$D/work" "$D/users"
  STORE="$(random_secret)"
  printf '%s' "$STORE" > "$D/keystore-password"
  keytool -genkeypair -alias ca -keyalg RSA -keysize 3072 -validity "$DAYS" \
    -dname "CN=clearway-kafka-ca" -ext bc:c -storetype PKCS12 \
    -keystore "$D/work/ca.p12" -storepass "$STORE" >/dev/null 2>&1
  keytool -exportcert -rfc -alias ca -keystore "$D/work/ca.p12" -storepass "$STORE" \
    > "$D/ca.pem"
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity "$DAYS" \
    -dname "CN=kafka" -storetype PKCS12 -keystore "$D/broker.p12" -storepass "$STORE" \
    >/dev/null 2>&1
  keytool -certreq -alias broker -keystore "$D/broker.p12" -storepass "$STORE" \
    -file "$D/work/broker.csr" >/dev/null 2>&1
  # The names clients use: `kafka` inside the compose network, localhost from the host.
  keytool -gencert -alias ca -keystore "$D/work/ca.p12" -storepass "$STORE" -rfc \
    -infile "$D/work/broker.csr" -outfile "$D/work/broker.crt" -validity "$DAYS" \
    -ext "SAN=dns:kafka,dns:localhost,ip:127.0.0.1" -ext "EKU=serverAuth" >/dev/null 2>&1
  keytool -importcert -noprompt -alias ca -file "$D/ca.pem" -keystore "$D/broker.p12" \
    -storepass "$STORE" >/dev/null 2>&1
  keytool -importcert -alias broker -file "$D/work/broker.crt" -keystore "$D/broker.p12" \
    -storepass "$STORE" >/dev/null 2>&1
  keytool -importcert -noprompt -alias ca -file "$D/ca.pem" -storetype PKCS12 \
    -keystore "$D/truststore.p12" -storepass "$STORE" >/dev/null 2>&1
  rm -rf "$D/work"  # the CA key goes: no certificate can be issued from this volume again

  ADMIN="$(random_secret)"
  printf '%s' "$ADMIN" > "$D/users/admin.password"
  for principal in $PRINCIPALS; do
    random_secret > "$D/users/$principal.password"
  done
  # PLAIN for `admin` (the broker's links to itself and its controller, setup, operators);
  # the services use SCRAM-SHA-512, whose credentials kafka-setup stores in the cluster.
  cat > "$D/kafka_server_jaas.conf" <<JAAS
KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
  username="admin" password="$ADMIN" user_admin="$ADMIN";
};
JAAS
  cat > "$D/admin-client.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$ADMIN";
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/secrets/ca.pem
PROPS
  touch "$D/ready"
  echo "kafka-secrets: TLS material and passwords made"
else
  echo "kafka-secrets: kept the existing TLS material and passwords"
fi

chown -R "$KAFKA_UID:$KAFKA_UID" "$D"
chmod 0700 "$D" "$D/users"
chmod 0400 "$D"/*.p12 "$D/keystore-password" "$D/kafka_server_jaas.conf" \
  "$D/admin-client.properties" "$D"/users/*
chmod 0444 "$D/ca.pem"
for principal in $PRINCIPALS; do
  client="/secrets/client-${principal#clearway-}"
  mkdir -p "$client"
  cp "$D/ca.pem" "$client/ca.pem"
  cp "$D/users/$principal.password" "$client/password"
  chown -R "$SERVICE_UID:$SERVICE_UID" "$client"
  chmod 0500 "$client"
  chmod 0400 "$client/password"
  chmod 0444 "$client/ca.pem"
done
