global using static NeuroLite.Tests.TestBits;
global using static NeuroLite.Tests.TestData;
