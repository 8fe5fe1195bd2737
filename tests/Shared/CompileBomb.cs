namespace Platform.Testing;

/// <summary>
/// A small module that costs Cranelift minutes and gigabytes: one function with thousands of
/// i64 locals, all live across hundreds of nested loops (every local becomes a value at every
/// loop header). 2,000 locals x 500 loops is 24 KB; compiled without a budget it took 17 s and
/// 0.9 GB here, and the cost grows with both numbers.
/// </summary>
internal static class CompileBomb
{
    public static byte[] Build(int locals = 2_000, int loops = 500)
    {
        var body = new List<byte>();
        body.AddRange(Leb(1));
        body.AddRange(Leb((uint)locals));
        body.Add(0x7e); // i64
        for (var i = 0; i < loops; i++) body.AddRange([0x03, 0x40]); // loop (empty block type)
        for (var i = 0; i < locals; i++)
        {
            body.Add(0x20); body.AddRange(Leb((uint)i));                          // local.get i
            body.Add(0x20); body.AddRange(Leb((uint)((i + 1) % locals)));         // local.get i+1
            body.Add(0x7c);                                                        // i64.add
            body.Add(0x21); body.AddRange(Leb((uint)(((i * 7) + 3) % locals)));   // local.set
        }

        for (var i = 0; i < loops; i++)
        {
            body.Add(0x20); body.AddRange(Leb((uint)(i % locals))); // local.get
            body.AddRange([0x50, 0x0d, 0x00, 0x0b]);                // i64.eqz, br_if 0, end
        }

        body.Add(0x0b);
        var code = Concat(Leb((uint)body.Count), [.. body]);

        return Concat(
            [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
            Section(1, Concat(Leb(1), [0x60, 0x00, 0x00])),                      // type: () -> ()
            Section(3, Concat(Leb(1), Leb(0))),                                   // function 0 has type 0
            Section(7, Concat(Leb(1), Leb(6), "_start"u8.ToArray(), [0x00], Leb(0))), // export "_start"
            Section(10, Concat(Leb(1), code)));
    }

    private static byte[] Section(byte id, byte[] payload) => Concat([id], Leb((uint)payload.Length), payload);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    private static byte[] Leb(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
