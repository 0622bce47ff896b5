#!/usr/bin/env bash
# Installs what the interop tests drive: Postfix (smtp-source, smtp-sink), swaks, and Prometheus (prometheus,
# promtool: scraping a live gateway and checking the shipped rules), from Debian's packages.
# Non-interactive: Postfix's installer asks a question unless debconf is preseeded (docs/testing.md).
set -euo pipefail

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
