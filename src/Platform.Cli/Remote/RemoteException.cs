namespace Platform.Cli.Remote;

/// <summary>A remote call that failed with a problem (from the platform, or the transport's).</summary>
internal sealed class RemoteException : Exception
{
    public RemoteException(ApiProblem problem)
        : base(problem?.ToString())
    {
        Problem = problem ?? throw new ArgumentNullException(nameof(problem));
    }

    public RemoteException(ApiProblem problem, Exception innerException)
        : base(problem?.ToString(), innerException)
    {
        Problem = problem ?? throw new ArgumentNullException(nameof(problem));
    }

    public RemoteException()
        : this(ApiProblem.Local("INTERNAL", "remote call failed"))
    {
    }

    public RemoteException(string message)
        : this(ApiProblem.Local("INTERNAL", message))
    {
    }

    public RemoteException(string message, Exception innerException)
        : this(ApiProblem.Local("INTERNAL", message), innerException)
    {
    }

    public ApiProblem Problem { get; }
}
