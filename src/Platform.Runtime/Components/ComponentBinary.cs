using System.Text;

namespace Platform.Runtime.Components;

/// <summary>
/// Reads the names a component imports and exports at its top level (the only ones the linker
/// and the executor see), because the binding offers no type introspection. Nested components
/// and core modules are skipped by their section sizes. Never throws on bad input.
/// </summary>
internal static class ComponentBinary
{
    private const byte ImportSectionId = 10;
    private const byte ExportSectionId = 11;
    private const int PreambleLength = 8;

    /// <summary>What an import or export is: a function, a value, a type, a component, an instance, or a core module.</summary>
    public enum ItemKind
    {
        CoreModule,
        Function,
        Value,
        Type,

        /// <summary>An abstract resource type, <c>(sub resource)</c>: the host would have to define it.</summary>
        Resource,
        Component,
        Instance,
    }

    public sealed record Item(string Name, ItemKind Kind);

    public sealed record Surface(IReadOnlyList<Item> Imports, IReadOnlyList<Item> Exports);

    public static bool TryRead(ReadOnlySpan<byte> bytes, out Surface? surface, out string? error)
    {
        surface = null;
        var imports = new List<Item>();
        var exports = new List<Item>();
        var reader = new Reader(bytes, PreambleLength);
        if (bytes.Length < PreambleLength)
        {
            error = "truncated header";
            return false;
        }

        while (!reader.AtEnd)
        {
            if (!reader.TryByte(out var id) || !reader.TryU32(out var size) || (long)reader.Position + size > bytes.Length)
            {
                error = $"a section at offset {reader.Position} runs past the end of the component";
                return false;
            }

            var body = new Reader(bytes[..(reader.Position + (int)size)], reader.Position);
            var ok = id switch
            {
                ImportSectionId => TryReadItems(ref body, imports, isExport: false),
                ExportSectionId => TryReadItems(ref body, exports, isExport: true),
                _ => true,
            };
            if (!ok || (id is ImportSectionId or ExportSectionId && !body.AtEnd))
            {
                error = $"malformed {(id == ImportSectionId ? "import" : "export")} section at offset {reader.Position}";
                return false;
            }

            reader.Position += (int)size;
        }

        surface = new Surface(imports, exports);
        error = null;
        return true;
    }

    private static bool TryReadItems(ref Reader reader, List<Item> items, bool isExport)
    {
        if (!reader.TryU32(out var count)) return false;
        for (var i = 0u; i < count; i++)
        {
            if (!TryReadName(ref reader, out var name)) return false;
            ItemKind kind;
            if (isExport)
            {
                if (!TryReadSort(ref reader, out kind) || !reader.TryU32(out _)) return false;
                if (!reader.TryByte(out var ascribed)) return false;
                if (ascribed == 1 && !TryReadExternDesc(ref reader, out _)) return false;
                if (ascribed > 1) return false;
            }
            else if (!TryReadExternDesc(ref reader, out kind))
            {
                return false;
            }

            items.Add(new Item(name, kind));
        }

        return true;
    }

    /// <summary>0x00 name, or 0x01 name followed by one more string (a version suffix; a URL in older encoders).</summary>
    private static bool TryReadName(ref Reader reader, out string name)
    {
        name = "";
        if (!reader.TryByte(out var form) || form > 1) return false;
        if (!reader.TryString(out name)) return false;
        return form == 0 || reader.TryString(out _);
    }

    private static bool TryReadSort(ref Reader reader, out ItemKind kind)
    {
        kind = default;
        if (!reader.TryByte(out var sort)) return false;
        if (sort == 0)
        {
            kind = ItemKind.CoreModule; // any core sort; only core modules may be exported at the top level
            return reader.TryByte(out _);
        }

        return TryKind(sort, out kind);
    }

    private static bool TryReadExternDesc(ref Reader reader, out ItemKind kind)
    {
        kind = default;
        if (!reader.TryByte(out var tag)) return false;
        switch (tag)
        {
            case 0x00:
                kind = ItemKind.CoreModule;
                return reader.TryByte(out var coreSort) && coreSort == 0x11 && reader.TryU32(out _);
            case 0x01 or 0x04 or 0x05:
                return TryKind(tag, out kind) && reader.TryU32(out _);
            case 0x02 or 0x03:
                if (!TryKind(tag, out kind) || !reader.TryByte(out var bound)) return false;
                if (tag == 0x03 && bound == 0x01)
                {
                    kind = ItemKind.Resource;
                    return true;
                }

                return bound <= 1 && reader.TryU32(out _); // an index, or a value type (one LEB either way)
            default:
                return false;
        }
    }

    private static bool TryKind(byte sort, out ItemKind kind)
    {
        kind = sort switch
        {
            0x01 => ItemKind.Function,
            0x02 => ItemKind.Value,
            0x03 => ItemKind.Type,
            0x04 => ItemKind.Component,
            0x05 => ItemKind.Instance,
            _ => ItemKind.CoreModule,
        };
        return sort is >= 0x01 and <= 0x05;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, int position)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Position = position;

        public readonly bool AtEnd => Position >= _bytes.Length;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (Position >= _bytes.Length) return false;
            value = _bytes[Position++];
            return true;
        }

        public bool TryU32(out uint value)
        {
            value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                if (!TryByte(out var b)) return false;
                value |= (uint)(b & 0x7f) << shift;
                if ((b & 0x80) == 0) return true;
            }

            return false;
        }

        public bool TryString(out string value)
        {
            value = "";
            if (!TryU32(out var length) || length > _bytes.Length - Position) return false;
            try
            {
                value = StrictUtf8.GetString(_bytes.Slice(Position, (int)length));
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            Position += (int)length;
            return true;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
