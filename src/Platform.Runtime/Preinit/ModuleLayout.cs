using Platform.Runtime.Validation;

namespace Platform.Runtime.Preinit;

/// <summary>One section as it appears in the binary.</summary>
internal sealed record WasmSection(byte Id, ReadOnlyMemory<byte> Payload);

/// <summary>One defined global: its value type, mutability and original init expression.</summary>
internal sealed record DefinedGlobal(byte ValueType, bool Mutable, ReadOnlyMemory<byte> Encoded);

internal sealed record ExportEntry(string Name, byte Kind, uint Index, ReadOnlyMemory<byte> Encoded);

/// <summary>
/// What pre-initialisation needs to know about a module: its sections in order, its imported
/// and defined globals, memories and tables, its exports and whether its data is active only.
/// </summary>
internal sealed class ModuleLayout
{
    public const byte ImportSectionId = 2;
    public const byte TableSectionId = 4;
    public const byte MemorySectionId = 5;
    public const byte GlobalSectionId = 6;
    public const byte ExportSectionId = 7;
    public const byte StartSectionId = 8;
    public const byte CodeSectionId = 10;
    public const byte DataSectionId = 11;
    public const byte DataCountSectionId = 12;

    public const byte FunctionKind = 0;
    public const byte TableKind = 1;
    public const byte MemoryKind = 2;
    public const byte GlobalKind = 3;

    /// <summary>The export names Wizer runs; the second is its 11.x default.</summary>
    public static readonly string[] InitializerNames = ["wizer.initialize", "wizer-initialize"];

    private ModuleLayout()
    {
    }

    public List<WasmSection> Sections { get; } = [];

    public int ImportedGlobals { get; private set; }

    public int ImportedMemories { get; private set; }

    public int ImportedTables { get; private set; }

    public int DefinedTables { get; private set; }

    public List<(uint Minimum, uint? Maximum)> Memories { get; } = [];

    public List<DefinedGlobal> Globals { get; } = [];

    public List<ExportEntry> Exports { get; } = [];

    public bool HasPassiveData { get; private set; }

    public bool HasStart { get; private set; }

    /// <summary>The exported initialiser's name, or null when the module has none.</summary>
    public string? Initializer => Exports.FirstOrDefault(e => e.Kind == FunctionKind && InitializerNames.Contains(e.Name))?.Name;

    /// <summary>Throws <see cref="InvalidDataException"/> for malformed bytes, <see cref="PreinitUnsupportedException"/> for what is not handled.</summary>
    public static ModuleLayout Read(byte[] wasm)
    {
        if (!WasmBinary.HasMagic(wasm) || wasm.Length < 8 || WasmBinary.IsComponent(wasm))
            throw new InvalidDataException("not a core WebAssembly module");
        var layout = new ModuleLayout();
        var position = 8;
        while (position < wasm.Length)
        {
            var id = wasm[position++];
            if (!WasmBinary.TryReadLeb(wasm, ref position, out var size) || position + (long)size > wasm.Length)
                throw new InvalidDataException($"section {id} runs past the end of the module");
            var payload = new ReadOnlyMemory<byte>(wasm, position, (int)size);
            layout.Sections.Add(new WasmSection(id, payload));
            layout.ReadSection(id, new WasmReader(payload));
            position += (int)size;
        }

        return layout;
    }

    /// <summary>A cheap look at the export section only: whether the module asks to be pre-initialised.</summary>
    public static string? FindInitializer(byte[] wasm)
    {
        try
        {
            return Read(wasm).Initializer;
        }
        catch (Exception ex) when (ex is InvalidDataException or PreinitUnsupportedException)
        {
            return null;
        }
    }

    private void ReadSection(byte id, WasmReader reader)
    {
        switch (id)
        {
            case ImportSectionId: ReadImports(reader); break;
            case TableSectionId: DefinedTables = (int)reader.Unsigned(); break;
            case MemorySectionId: ReadMemories(reader); break;
            case GlobalSectionId: ReadGlobals(reader); break;
            case ExportSectionId: ReadExports(reader); break;
            case StartSectionId: HasStart = true; break;
            case DataSectionId: ReadData(reader); break;
        }
    }

    private void ReadImports(WasmReader reader)
    {
        var count = reader.Unsigned();
        for (var i = 0; i < count; i++)
        {
            reader.Name();
            reader.Name();
            switch (reader.Byte())
            {
                case FunctionKind: reader.Unsigned(); break;
                case TableKind: reader.Byte(); reader.Limits(); ImportedTables++; break;
                case MemoryKind: reader.Limits(); ImportedMemories++; break;
                case GlobalKind: reader.Byte(); reader.Byte(); ImportedGlobals++; break;
                case var kind: throw new PreinitUnsupportedException($"imports of kind {kind}");
            }
        }
    }

    private void ReadMemories(WasmReader reader)
    {
        var count = reader.Unsigned();
        for (var i = 0; i < count; i++)
        {
            var (minimum, maximum, _) = reader.Limits();
            Memories.Add((minimum, maximum));
        }
    }

    private void ReadGlobals(WasmReader reader)
    {
        var count = reader.Unsigned();
        for (var i = 0; i < count; i++)
        {
            var start = reader.Position;
            var type = reader.Byte();
            var mutable = reader.Byte() == 1;
            reader.SkipConstantExpression();
            Globals.Add(new DefinedGlobal(type, mutable, reader.Slice(start, reader.Position)));
        }
    }

    private void ReadExports(WasmReader reader)
    {
        var count = reader.Unsigned();
        for (var i = 0; i < count; i++)
        {
            var start = reader.Position;
            var name = reader.Name();
            var kind = reader.Byte();
            var index = reader.Unsigned();
            Exports.Add(new ExportEntry(name, kind, index, reader.Slice(start, reader.Position)));
        }
    }

    private void ReadData(WasmReader reader)
    {
        var count = reader.Unsigned();
        for (var i = 0; i < count; i++)
        {
            switch (reader.Unsigned())
            {
                case 0:
                    reader.SkipConstantExpression();
                    break;
                case 1:
                    HasPassiveData = true;
                    break;
                case 2:
                    reader.Unsigned();
                    reader.SkipConstantExpression();
                    break;
                case var flags:
                    throw new InvalidDataException($"a data segment with flags {flags}");
            }

            reader.Bytes(reader.Unsigned());
        }
    }
}
