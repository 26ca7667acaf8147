#!/bin/sh
# One-shot (docker-compose.yml `kafka-setup`, apache/kafka image, once the broker is
# healthy): store each service principal's SCRAM-SHA-512 credentials in the cluster and
# apply deploy/kafka/acls.conf, as `admin`. Idempotent: credentials are upserted and an ACL
# added twice is one ACL. Passwords are read from files and never printed.
set -eu
umask 077
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
SECRETS=/etc/kafka/secrets
CONFIG="$SECRETS/admin-client.properties"
BIN=/opt/kafka/bin

for file in "$SECRETS"/users/clearway-*.password; do
  principal="$(basename "$file" .password)"
  # The password is on this process's command line inside this one-shot container only.
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --alter --entity-type users --entity-name "$principal" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$(cat "$file")]" >/dev/null
  echo "kafka-setup: SCRAM credentials of $principal stored"
done

grep -v '^[[:space:]]*#' /opt/clearway/kafka/acls.conf | grep -v '^[[:space:]]*$' |
while read -r principal operations type name; do
  set --
  for operation in $(echo "$operations" | tr ',' ' '); do
    set -- "$@" --operation "$operation"
  done
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" \
    --add --allow-principal "User:$principal" "$@" "--$type" "$name" >/dev/null
  echo "kafka-setup: allow User:$principal $operations on $type $name"
done
