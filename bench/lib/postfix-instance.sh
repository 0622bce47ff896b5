#!/usr/bin/env bash
# A private Postfix instance on loopback, leaving the system one alone (docs/testing.md).
#   postfix-instance.sh start DIR LISTEN_PORT RELAY_PORT   -> Postfix on 127.0.0.1:LISTEN_PORT relaying to 127.0.0.1:RELAY_PORT
#   postfix-instance.sh stop DIR
#   postfix-instance.sh drain DIR   -> waits (up to 60 s) until its queue is empty, so its background work is over
set -euo pipefail
cmd=$1 dir=$2

if [ "$cmd" = stop ]; then
  postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  exit 0
fi

if [ "$cmd" = drain ]; then
  for _ in $(seq 600); do
    [ -z "$(find "$dir/queue/active" "$dir/queue/incoming" "$dir/queue/deferred" -type f 2>/dev/null | head -1)" ] && exit 0
    sleep 0.1
  done
  exit 0
fi

listen=$3 relay=$4
mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
chmod 755 "$dir"
chown postfix "$dir/data"
[ -f /etc/postfix/main.cf ] || touch /etc/postfix/main.cf
cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.local
mydestination =
relay_domains =
local_recipient_maps =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost = [127.0.0.1]:$relay
smtp_dns_support_level = disabled
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
CF
sed -E '/^[^#[:space:]].*[[:space:]]inet[[:space:]].*smtpd$/d' /etc/postfix/master.cf > "$dir/etc/master.cf"
echo "127.0.0.1:$listen inet n - n - - smtpd" >> "$dir/etc/master.cf"
postconf -c "$dir/etc" -F '*/*/chroot=n' >/dev/null
current=$(postconf -h alternate_config_directories 2>/dev/null || true)
case ",$current," in
  *",$dir/etc,"*) ;;
  *) postconf -e "alternate_config_directories = ${current:+$current, }$dir/etc" ;;
esac
script -qc "postfix -c $dir/etc start" /dev/null >/dev/null
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$listen") 2>/dev/null && exit 0
  sleep 0.1
done
echo "postfix-instance: Postfix did not start; see $dir/maillog" >&2
exit 1
