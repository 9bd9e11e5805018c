global using static NeuroLite.Tests.TestBits;
