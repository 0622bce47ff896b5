using TransportGuard.Bench;

// `churn DIR` runs the spool churn that the compaction crash test kills; anything else is the steady-state benchmark.
if (args.Length == 2 && args[0] == "churn")
    await Churn.RunAsync(args[1]);
else
    await SteadyState.RunAsync(args);
