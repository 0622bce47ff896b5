using TransportGuard.Chaos;

// tg-chaos sink | gen | verify  (see chaos/README.md)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: tg-chaos sink|gen|verify [--key value ...]");
    return 2;
}
var options = Options.Parse(args.Skip(1));
try
{
    return args[0] switch
    {
        "sink" => await Sink.RunAsync(options),
        "gen" => await Generator.RunAsync(options),
        "verify" => Verify.Run(options),
        _ => Usage(args[0]),
    };
}
catch (OptionException e)
{
    Console.Error.WriteLine($"tg-chaos: {e.Message}");
    return 2;
}

static int Usage(string command)
{
    Console.Error.WriteLine($"tg-chaos: unknown command '{command}' (sink, gen, verify)");
    return 2;
}
