using Wasmtime;

namespace Platform.Runtime.Wasi;

/// <summary>Bounds-checked access to the guest's exported memory: guest pointers are untrusted u32s.</summary>
internal readonly struct GuestMemory
{
    private readonly Memory _memory;
    private readonly long _length;

    public GuestMemory(Memory memory)
    {
        _memory = memory;
        _length = memory.GetLength();
    }

    public bool Contains(int pointer, long length) => length >= 0 && (uint)pointer + length <= _length;

    public Span<byte> Span(int pointer, int length) => _memory.GetSpan((uint)pointer, length);

    public int ReadInt32(int pointer) => _memory.ReadInt32((uint)pointer);

    public void WriteInt32(int pointer, int value) => _memory.WriteInt32((uint)pointer, value);

    public void WriteInt64(int pointer, long value) => _memory.WriteInt64((uint)pointer, value);

    /// <summary>
    /// The guest's exported memory. Looked up by name once per invocation and kept on the
    /// context: an export never changes within a store, and the lookup is a native call that
    /// allocates, paid by every host call otherwise. Its length is read fresh each time (grow).
    /// </summary>
    public static bool TryGet(Caller caller, WasiContext context, out GuestMemory memory)
    {
        var exported = context.MemoryExport ??= caller.GetMemory("memory");
        memory = exported is null ? default : new GuestMemory(exported);
        return exported is not null;
    }
}
