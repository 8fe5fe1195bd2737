using Grpc.Core;

namespace Platform.ControlPlane.Invocation;

/// <summary>The HTTP and gRPC status of each function outcome (the README's table).</summary>
internal static class OutcomeStatus
{
    public static int Http(string outcome) => outcome switch
    {
        "OK" => StatusCodes.Ok,
        "OUT_OF_FUEL" or "MEMORY_LIMIT" or "OUTPUT_LIMIT" => 422,
        "TIMEOUT" => 504,
        "TRAP" or "EXIT_NONZERO" or "INVALID_MODULE" => 500,
        _ => 500,
    };

    public static StatusCode Grpc(string outcome) => outcome switch
    {
        "OK" => StatusCode.OK,
        "OUT_OF_FUEL" or "MEMORY_LIMIT" or "OUTPUT_LIMIT" => StatusCode.ResourceExhausted,
        "TIMEOUT" => StatusCode.DeadlineExceeded,
        "TRAP" or "EXIT_NONZERO" => StatusCode.Aborted,
        "INVALID_MODULE" => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    };

    private static class StatusCodes
    {
        public const int Ok = 200;
    }
}
