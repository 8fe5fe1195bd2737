using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Grpc;

namespace Platform.ControlPlane.Auth;

/// <summary>
/// The body limit of an authenticated gRPC call. Kestrel's own limit would end the call with a
/// status gRPC can only report as UNKNOWN; this reader refuses the byte past the limit with
/// RESOURCE_EXHAUSTED <c>PAYLOAD_TOO_LARGE</c> instead (grpc-dotnet reports an RpcException from
/// the body as it is). At most one read beyond the limit is ever buffered.
/// </summary>
internal sealed class GrpcBodyLimit(PipeReader inner, long limit) : PipeReader, IRequestBodyPipeFeature
{
    private long _consumed;
    private ReadOnlySequence<byte> _last;

    public PipeReader Reader => this;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        Check(await inner.ReadAsync(cancellationToken));

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
            return false;
        result = Check(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _last.Slice(_last.Start, consumed).Length;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private ReadResult Check(ReadResult result)
    {
        _last = result.Buffer;
        if (_consumed + result.Buffer.Length > limit)
        {
            inner.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            throw GrpcErrorInterceptor.ToRpcException(ErrorCode.PayloadTooLarge, $"the request is larger than this caller may send ({limit} bytes)", field: null);
        }

        return result;
    }
}
