# TransportGuard: build with the .NET SDK, run on the ASP.NET Core runtime (the HTTP endpoints are Kestrel) as uid 10001.
#   docker build -t transportguard .
#   docker run -e TG_Http__AdminToken=$(openssl rand -hex 16) -p 127.0.0.1:2525:2525 -p 127.0.0.1:9525:9525 \
#     -v tg-data:/var/lib/transportguard transportguard
# (CMD binds HTTP beyond loopback, so the admin API needs its token.)
# The switches in CMD are the stable ones (docs/operations.md); deploy/ has the compose cluster and the manifests.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project and build files first: the restore layer is reused until a csproj or a central package version changes.
# .editorconfig sets analyzer severities, and warnings are errors, so the build needs it too.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/TransportGuard.Host/TransportGuard.Host.csproj src/TransportGuard.Host/
RUN dotnet restore src/TransportGuard.Host/TransportGuard.Host.csproj
COPY src/ src/
RUN dotnet publish src/TransportGuard.Host/TransportGuard.Host.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# A fixed uid/gid so volumes, Kubernetes' runAsUser/fsGroup and host bind mounts agree on the owner.
RUN groupadd --system --gid 10001 transportguard \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/transportguard --no-create-home \
      --shell /usr/sbin/nologin transportguard \
 && mkdir -p /var/lib/transportguard \
 && chown 10001:10001 /var/lib/transportguard
WORKDIR /app
COPY --from=build /app ./
# The spool and the maildir live on a volume: they must outlive the container (docs/operations.md, Scale-out).
# A fresh named volume copies this directory's owner, so uid 10001 can write to it.
VOLUME /var/lib/transportguard
# TG_Spool__DataDirectory keeps the spool on the volume when CMD is replaced by other switches. (The aspnet image's
# ASPNETCORE_HTTP_PORTS is not read: the gateway's host reads only TG_ variables, and Kestrel binds what --http says.)
ENV TG_Spool__DataDirectory=/var/lib/transportguard
# 2525 SMTP, 9525 HTTP (/metrics, /healthz, /readyz, /api).
EXPOSE 2525 9525
# Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
# Liveness over HTTP without curl (the aspnet image has none): bash's /dev/tcp sends the request and the status line
# must say 200. The start period covers spool recovery after a crash.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9525 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == 'HTTP/1.'?' 200 '* ]]"]
ENTRYPOINT ["dotnet", "transportguard.dll"]
CMD ["--smtp", "0.0.0.0:2525", "--http", "0.0.0.0:9525", "--data", "/var/lib/transportguard"]
