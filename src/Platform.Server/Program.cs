using Microsoft.Extensions.Options;
using Platform.Server;
using Platform.Server.Dev;

try
{
    if (args.Length > 0 && args[0] == "dev")
        return await DevMode.RunAsync(args);

    var app = PlatformServer.Build(args);
    await app.RunAsync();
    return 0;
}
catch (ServerConfigurationException ex)
{
    await Console.Error.WriteLineAsync($"platform: {ex.Message}");
    return 2;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync($"platform: cannot start: {string.Join(" ", ex.Failures)}");
    return 2;
}
