using Platform.Runtime.Validation;

namespace Platform.Runtime.Preinit;

/// <summary>
/// The two rewrites of pre-initialisation: the instrumented module (every mutable defined
/// global, every defined table and the memory exported, so the host can read them after the
/// initialiser ran) and the snapshot (the original with that state baked in).
/// </summary>
internal static class ModuleRewriter
{
    public const string MemoryExport = "platform-preinit:memory";

    /// <summary>Order of the non-custom sections in a valid module (tag, 13, sits between memory and global).</summary>
    private static readonly byte[] SectionOrder = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

    public static string GlobalExport(int definedIndex) => $"platform-preinit:global:{definedIndex}";

    public static string TableExport(int definedIndex) => $"platform-preinit:table:{definedIndex}";

    public static byte[] Instrument(ModuleLayout layout)
    {
        var exports = layout.Exports.Select(e => e.Encoded).ToList();
        var added = new WasmWriter();
        var count = exports.Count;
        for (var i = 0; i < layout.Globals.Count; i++)
        {
            if (!layout.Globals[i].Mutable) continue;
            Export(added, GlobalExport(i), ModuleLayout.GlobalKind, (uint)(layout.ImportedGlobals + i));
            count++;
        }

        for (var i = 0; i < layout.DefinedTables; i++)
        {
            Export(added, TableExport(i), ModuleLayout.TableKind, (uint)(layout.ImportedTables + i));
            count++;
        }

        if (layout.Memories.Count == 1)
        {
            Export(added, MemoryExport, ModuleLayout.MemoryKind, 0);
            count++;
        }

        var payload = new WasmWriter();
        payload.Unsigned((ulong)count);
        foreach (var export in exports) payload.Bytes(export.Span);
        payload.Bytes(added.Written);

        var sections = new List<WasmSection>(layout.Sections);
        Put(sections, ModuleLayout.ExportSectionId, payload.ToArray());
        return Encode(sections);
    }

    /// <summary>
    /// The original module with the memory's minimum raised to <paramref name="memoryPages"/>,
    /// mutable globals initialised to <paramref name="globalValues"/>, the active data replaced by
    /// <paramref name="segments"/> of <paramref name="memory"/>, the initialiser's export and the
    /// start section removed (instantiation ran the start function before the initialiser).
    /// </summary>
    public static byte[] Snapshot(ModuleLayout layout, uint memoryPages, IReadOnlyList<object?> globalValues, byte[] memory, IReadOnlyList<(int Start, int End)> segments)
    {
        var sections = new List<WasmSection>(layout.Sections);
        sections.RemoveAll(s => s.Id == ModuleLayout.StartSectionId);

        var exports = layout.Exports.Where(e => !(e.Kind == ModuleLayout.FunctionKind && ModuleLayout.InitializerNames.Contains(e.Name))).ToList();
        var exportPayload = new WasmWriter();
        exportPayload.Unsigned((ulong)exports.Count);
        foreach (var export in exports) exportPayload.Bytes(export.Encoded.Span);
        Put(sections, ModuleLayout.ExportSectionId, exportPayload.ToArray());

        if (layout.Globals.Count > 0)
        {
            var globals = new WasmWriter();
            globals.Unsigned((ulong)layout.Globals.Count);
            for (var i = 0; i < layout.Globals.Count; i++)
            {
                var global = layout.Globals[i];
                if (!global.Mutable)
                {
                    globals.Bytes(global.Encoded.Span);
                    continue;
                }

                globals.Byte(global.ValueType);
                globals.Byte(1);
                ConstantOf(globals, global.ValueType, globalValues[i], i);
            }

            Put(sections, ModuleLayout.GlobalSectionId, globals.ToArray());
        }

        if (layout.Memories.Count == 1)
        {
            var (_, maximum) = layout.Memories[0];
            var memories = new WasmWriter();
            memories.Unsigned(1);
            memories.Byte(maximum is null ? (byte)0 : (byte)1);
            memories.Unsigned(memoryPages);
            if (maximum is { } max) memories.Unsigned(max);
            Put(sections, ModuleLayout.MemorySectionId, memories.ToArray());

            var data = new WasmWriter();
            data.Unsigned((ulong)segments.Count);
            foreach (var (start, end) in segments)
            {
                data.Unsigned(0);
                data.Byte(0x41); // i32.const: offsets past 2 GiB are negative i32 values
                data.Signed(unchecked((int)(uint)start));
                data.Byte(0x0B);
                data.Unsigned((ulong)(end - start));
                data.Bytes(memory.AsSpan(start, end - start));
            }

            Put(sections, ModuleLayout.DataSectionId, data.ToArray());
            if (sections.Any(s => s.Id == ModuleLayout.DataCountSectionId))
            {
                var dataCount = new WasmWriter();
                dataCount.Unsigned((ulong)segments.Count);
                Put(sections, ModuleLayout.DataCountSectionId, dataCount.ToArray());
            }
        }

        return Encode(sections);
    }

    private static void ConstantOf(WasmWriter writer, byte valueType, object? value, int index)
    {
        switch (valueType, value)
        {
            case (0x7F, int i32): writer.Byte(0x41); writer.Signed(i32); break;
            case (0x7E, long i64): writer.Byte(0x42); writer.Signed(i64); break;
            case (0x7D, float f32): writer.Byte(0x43); writer.Float32(f32); break;
            case (0x7C, double f64): writer.Byte(0x44); writer.Float64(f64); break;
            default: throw new PreinitUnsupportedException($"mutable global {index} of value type 0x{valueType:x2} (only i32, i64, f32 and f64 globals are snapshotted)");
        }

        writer.Byte(0x0B);
    }

    private static void Export(WasmWriter writer, string name, byte kind, uint index)
    {
        writer.Name(name);
        writer.Byte(kind);
        writer.Unsigned(index);
    }

    /// <summary>Replaces the section with <paramref name="id"/>, or inserts it where the section order puts it.</summary>
    private static void Put(List<WasmSection> sections, byte id, byte[] payload)
    {
        var section = new WasmSection(id, payload);
        var existing = sections.FindIndex(s => s.Id == id);
        if (existing >= 0)
        {
            sections[existing] = section;
            return;
        }

        var rank = Array.IndexOf(SectionOrder, id);
        var before = sections.FindIndex(s => s.Id != 0 && Array.IndexOf(SectionOrder, s.Id) > rank);
        if (before < 0) sections.Add(section);
        else sections.Insert(before, section);
    }

    private static byte[] Encode(List<WasmSection> sections)
    {
        var writer = new WasmWriter();
        writer.Bytes([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]);
        foreach (var section in sections) writer.Section(section.Id, section.Payload.Span);
        return writer.ToArray();
    }
}
