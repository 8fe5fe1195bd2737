using Wasmtime.Components;

namespace Platform.Runtime.Components;

/// <summary>
/// <c>list&lt;u8&gt;</c> to and from the binding's values. The binding has no bulk byte path:
/// a list is one value per byte, so a 1 MiB body is a million values each way (measured in
/// tests/Platform.Benchmarks, Components suite).
/// </summary>
internal static class ComponentValues
{
    public static ComponentValue Bytes(ReadOnlySpan<byte> bytes)
    {
        var items = new ComponentValue[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) items[i] = ComponentValue.U8(bytes[i]);
        return ComponentValue.List(items);
    }

    /// <summary>The bytes of a <c>list&lt;u8&gt;</c>; null when the value is something else.</summary>
    public static byte[]? ToBytes(ComponentValue? value)
    {
        if (value is null || value.Kind != ComponentValueKind.List) return null;
        var items = value.AsList();
        var bytes = new byte[items.Count];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (items[i].Kind != ComponentValueKind.U8) return null;
            bytes[i] = items[i].AsU8();
        }

        return bytes;
    }

    public static ComponentValue Pairs(IEnumerable<KeyValuePair<string, string>> pairs) =>
        ComponentValue.List(pairs.Select(pair => ComponentValue.Tuple([ComponentValue.String(pair.Key), ComponentValue.String(pair.Value)])).ToArray());

    /// <summary>The pairs of a <c>list&lt;tuple&lt;string, string&gt;&gt;</c>; null when the value is something else.</summary>
    public static List<KeyValuePair<string, string>>? ToPairs(ComponentValue? value)
    {
        if (value is null || value.Kind != ComponentValueKind.List) return null;
        var list = value.AsList();
        var pairs = new List<KeyValuePair<string, string>>(list.Count);
        foreach (var item in list)
        {
            if (item.Kind != ComponentValueKind.Tuple) return null;
            var tuple = item.AsTuple();
            if (tuple.Count != 2 || tuple[0].Kind != ComponentValueKind.String || tuple[1].Kind != ComponentValueKind.String)
                return null;
            pairs.Add(KeyValuePair.Create(tuple[0].AsString(), tuple[1].AsString()));
        }

        return pairs;
    }
}
