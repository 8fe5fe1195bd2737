namespace Platform.Runtime.Components;

/// <summary>The worlds of <c>platform:function@1.0.0</c> (wit/platform-function.wit) a component may target.</summary>
public enum ComponentWorld
{
    /// <summary><c>invoke: func(input: list&lt;u8&gt;) -> result&lt;list&lt;u8&gt;, string&gt;</c>.</summary>
    Invoke,

    /// <summary><c>handle: func(request: request) -> response</c>.</summary>
    Http,
}

public static class ComponentWorlds
{
    public const string InvokeExport = "invoke";
    public const string HttpExport = "handle";

    /// <summary>The world's name as the WIT file and the API spell it.</summary>
    public static string ToName(this ComponentWorld world) => world switch
    {
        ComponentWorld.Invoke => "invoke",
        ComponentWorld.Http => "http",
        _ => throw new ArgumentOutOfRangeException(nameof(world), world, null),
    };

    public static string ExportName(this ComponentWorld world) => world == ComponentWorld.Invoke ? InvokeExport : HttpExport;
}
