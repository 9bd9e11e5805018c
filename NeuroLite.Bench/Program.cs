using NeuroLite.Kernels;

Console.WriteLine($"NeuroLite bench: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, SIMD path {Simd.Describe()}");
