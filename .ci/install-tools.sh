#!/usr/bin/env bash
# Installs what the interop tests drive: Postfix (smtp-source, smtp-sink) and swaks, from Debian's packages.
# Non-interactive: Postfix's installer asks a question unless debconf is preseeded (../shared/notes/postfix-in-tests.md).
set -euo pipefail

need=()
command -v swaks >/dev/null 2>&1 || need+=(swaks)
# swaks speaks TLS (-tls) only with Net::SSLeay, which it merely recommends.
perl -MNet::SSLeay -e1 >/dev/null 2>&1 || need+=(libnet-ssleay-perl libio-socket-ssl-perl)
[ -x /usr/sbin/smtp-source ] && [ -x /usr/sbin/postfix ] || need+=(postfix)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-tools: need root to apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
