using Microsoft.Extensions.Hosting;
using Platform.Runtime.Compilation;

namespace Platform.ControlPlane.Hosting;

/// <summary>
/// Every upload compiles on the control plane: its first compiler process is started with the
/// host (in the background, below normal priority) rather than by the first upload
/// (<c>Platform:Compile:StartAhead</c>).
/// </summary>
internal sealed class CompilerStartAhead(IModuleCompiler compiler) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        (compiler as IsolatedCompiler)?.StartAhead();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
