namespace Platform.ControlPlane.Errors;

/// <summary>An RFC 9457 problem document with the platform's <c>code</c> and, for validation problems, the <c>field</c>.</summary>
public sealed record Problem(string Type, string Title, int Status, string Detail, string? Instance, string Code, string? Field, string? TraceId);
