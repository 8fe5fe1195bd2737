using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Platform.Runtime;

namespace Platform.ControlPlane.Invocation;

/// <summary>The HTTP and gRPC status of each function outcome (the README's table).</summary>
internal static class OutcomeStatus
{
    public static int Http(Outcome outcome) => outcome switch
    {
        Outcome.Ok => StatusCodes.Status200OK,
        Outcome.OutOfFuel or Outcome.MemoryLimit or Outcome.OutputLimit => StatusCodes.Status422UnprocessableEntity,
        Outcome.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static StatusCode Grpc(Outcome outcome) => outcome switch
    {
        Outcome.Ok => StatusCode.OK,
        Outcome.OutOfFuel or Outcome.MemoryLimit or Outcome.OutputLimit => StatusCode.ResourceExhausted,
        Outcome.Timeout => StatusCode.DeadlineExceeded,
        Outcome.Trap or Outcome.ExitNonzero or Outcome.FunctionError => StatusCode.Aborted,
        Outcome.InvalidModule => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    };
}
