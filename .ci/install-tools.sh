#!/usr/bin/env bash
# Installs what the interop tests drive: Postfix (smtp-source, smtp-sink), swaks, Prometheus (prometheus,
# promtool: scraping a live gateway and checking the shipped rules) and redis-server (the shared duplicate store's
# tests), from Debian's packages; and Garnet (the other Redis-protocol server the shared store runs against), a
# .NET tool from NuGet, at /opt/garnet/garnet-server.
# Non-interactive: Postfix's installer asks a question unless debconf is preseeded (docs/testing.md).
set -euo pipefail

# Garnet first: it needs no apt, only dotnet and NuGet. The tests look for it at this fixed path (and on PATH).
# "update" installs it where it is missing and moves another version to this one.
garnet_dir=/opt/garnet
garnet_version=2.2.8
if ! dotnet tool list --tool-path "$garnet_dir" 2>/dev/null | grep -q "^garnet-server  *$garnet_version "; then
  dotnet tool update --tool-path "$garnet_dir" garnet-server --version "$garnet_version" --allow-downgrade >/dev/null
fi

need=()
command -v swaks >/dev/null 2>&1 || need+=(swaks)
# swaks speaks TLS (-tls) only with Net::SSLeay, which it merely recommends.
perl -MNet::SSLeay -e1 >/dev/null 2>&1 || need+=(libnet-ssleay-perl libio-socket-ssl-perl)
[ -x /usr/sbin/smtp-source ] && [ -x /usr/sbin/postfix ] || need+=(postfix)
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
# The crash and takeover tests signal real processes with kill(1) (SIGTERM, SIGSTOP, SIGCONT).
[ -x /usr/bin/kill ] || [ -x /bin/kill ] || need+=(procps)
# The chaos suite (chaos/run): partitions with iptables inside a private network namespace (ip, unshare), the
# nodes' /metrics with curl, fault times with bc.
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v bc >/dev/null 2>&1 || need+=(bc)
command -v openssl >/dev/null 2>&1 || need+=(openssl) # the chaos runs' and benches' cluster secrets
# The shared duplicate store's tests start their own redis-server on a free loopback port.
[ -x /usr/bin/redis-server ] || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-tools: need root to apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Packages must not start system daemons (a Prometheus on :9090, a system Postfix): the tests start their own on
# free loopback ports. policy-rc.d answering 101 is Debian's way to say so; ours goes when the install is done.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Where systemd runs and a package's service started all the same (policy-rc.d not honoured), the system
# redis-server would hold port 6379 and start at every boot: stop it and keep it off.
if [[ " ${need[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now redis-server.service >/dev/null 2>&1 || true
fi
