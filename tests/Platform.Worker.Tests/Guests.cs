using System.Security.Cryptography;
using Wasmtime;

namespace Platform.Worker.Tests;

/// <summary>A guest module's binary bytes and their SHA-256, as the cluster API names modules.</summary>
internal sealed record Guest(byte[] Bytes, string Sha256)
{
    public static Guest FromWat(string wat) => FromBytes(Module.ConvertText(wat));

    public static Guest FromBytes(byte[] bytes) => new(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
}

/// <summary>Guest modules written in WAT for the worker tests (the hostile ones follow tests/Platform.Runtime.Tests/Wat.cs).</summary>
internal static class Wat
{
    /// <summary>Writes "hello" to stdout.</summary>
    public const string Hello = GuestWat.Hello;

    /// <summary>Copies stdin to stdout through a 4 KiB buffer.</summary>
    public const string Echo = GuestWat.Echo;

    /// <summary>Loops forever.</summary>
    public const string Spin = GuestWat.Spin;

    /// <summary>Grows memory one page at a time until refused, then traps.</summary>
    public const string MemoryBomb = GuestWat.MemoryBomb;

    /// <summary>Writes 4 KiB to stdout forever.</summary>
    public const string Flood = GuestWat.Flood;

    public const string Unreachable = GuestWat.Unreachable;

    /// <summary>Writes argv and environ (NUL-separated) to stdout.</summary>
    public const string ArgsAndEnv = GuestWat.ArgsAndEnv;

    /// <summary>Compiles but exports no _start: the executor's INVALID_MODULE.</summary>
    public const string NoStart = GuestWat.NoStart;

    public static string Exit(int code) => GuestWat.Exit(code);

    /// <summary>A valid module carrying <paramref name="bytes"/> bytes of data: a large push.</summary>
    public static byte[] WithData(int bytes)
    {
        var pages = (bytes >> 16) + 2;
        var header = Module.ConvertText($$"""
            (module
              (memory (export "memory") {{pages}})
              (func (export "_start")))
            """);
        // Append a data section by hand: one active segment at offset 0 with `bytes` zero-free bytes.
        using var section = new MemoryStream();
        WriteLeb(section, 1); // one segment
        section.WriteByte(0); // active, memory 0
        section.Write([0x41, 0x00, 0x0b]); // i32.const 0; end
        WriteLeb(section, (uint)bytes);
        var payload = new byte[bytes];
        for (var i = 0; i < payload.Length; i++) payload[i] = (byte)('a' + (i % 26));
        section.Write(payload);

        using var module = new MemoryStream();
        module.Write(header);
        module.WriteByte(11); // data section id
        WriteLeb(module, (uint)section.Length);
        section.Position = 0;
        section.CopyTo(module);
        return module.ToArray();
    }

    private static void WriteLeb(Stream stream, uint value)
    {
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            if (value != 0) b |= 0x80;
            stream.WriteByte(b);
        }
        while (value != 0);
    }
}
