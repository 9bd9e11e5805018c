// NeuroLite.Bench: `dotnet run -c Release --project NeuroLite.Bench -- --help` lists what it runs.
return NeuroLite.Bench.BenchApp.Run(args, Console.Out, Console.Error);
