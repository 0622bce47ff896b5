using TransportGuard;

// `transportguard [switches]` runs the gateway; `transportguard spool|queue|resubmit|drain ...` runs a tool.
return await GatewayCommand.InvokeAsync(args);
