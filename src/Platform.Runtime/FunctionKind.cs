namespace Platform.Runtime;

/// <summary>The two function ABIs: a WASI preview-1 command module, or a component of a platform world.</summary>
public enum FunctionKind
{
    Module,
    Component,
}

public static class FunctionKinds
{
    public static string ToName(this FunctionKind kind) => kind == FunctionKind.Module ? "module" : "component";
}
