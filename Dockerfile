# TransportGuard: build with the SDK, run on the plain .NET runtime as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/TransportGuard.Host/TransportGuard.Host.csproj src/TransportGuard.Host/
RUN dotnet restore src/TransportGuard.Host/TransportGuard.Host.csproj
COPY src/ src/
RUN dotnet publish src/TransportGuard.Host/TransportGuard.Host.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
RUN groupadd --system transportguard && useradd --system --gid transportguard --home /var/lib/transportguard transportguard \
 && mkdir -p /var/lib/transportguard && chown transportguard:transportguard /var/lib/transportguard
WORKDIR /app
COPY --from=build /app ./
# The spool lives on a volume: it must outlive the container (DESIGN.md section 7).
VOLUME /var/lib/transportguard
ENV TG_Spool__DataDirectory=/var/lib/transportguard \
    TG_Smtp__Listen=0.0.0.0:2525
EXPOSE 2525
USER transportguard
# Healthy when the SMTP listener greets with 220 (the HTTP /healthz endpoint replaces this once it exists).
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/2525 && read -t 2 line <&3 && [[ "$line" == 220* ]]'
ENTRYPOINT ["dotnet", "/app/transportguard.dll"]
