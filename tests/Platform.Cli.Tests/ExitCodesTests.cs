namespace Platform.Cli.Tests;

public sealed class ExitCodesTests
{
    [Theory]
    [InlineData("OK", 0)]
    [InlineData("OUT_OF_FUEL", 10)]
    [InlineData("TIMEOUT", 11)]
    [InlineData("MEMORY_LIMIT", 12)]
    [InlineData("TRAP", 13)]
    [InlineData("EXIT_NONZERO", 14)]
    [InlineData("OUTPUT_LIMIT", 15)]
    [InlineData("INVALID_MODULE", 16)]
    [InlineData("FUNCTION_ERROR", 17)]
    [InlineData("INVALID_ARGUMENT", 20)]
    [InlineData("NOT_FOUND", 21)]
    [InlineData("UNAUTHENTICATED", 22)]
    [InlineData("FORBIDDEN", 23)]
    [InlineData("RATE_LIMITED", 24)]
    [InlineData("CONCURRENCY_LIMITED", 25)]
    [InlineData("OVERLOADED", 26)]
    [InlineData("QUOTA_EXCEEDED", 27)]
    [InlineData("PAYLOAD_TOO_LARGE", 28)]
    [InlineData("UNAVAILABLE", 29)]
    [InlineData("INTERNAL", 1)]
    [InlineData("SOMETHING_NEW", 1)]
    public void ForCode_EveryCode_HasItsExitCode(string code, int exitCode) =>
        Assert.Equal(exitCode, ExitCodes.ForCode(code));
}
