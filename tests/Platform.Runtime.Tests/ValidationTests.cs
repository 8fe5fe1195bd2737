using System.Text;

namespace Platform.Runtime.Tests;

public sealed class ValidationTests : IDisposable
{
    private readonly TestSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private ModuleValidation Validate(byte[] source, ModuleLimits? limits = null) =>
        _sandbox.Validator.Validate(source, limits ?? ModuleLimits.Default);

    private ModuleValidation Validate(string wat, ModuleLimits? limits = null) => Validate(Encoding.UTF8.GetBytes(wat), limits);

    [Fact]
    public void Validate_Wat_ReturnsBinaryAndItsHash()
    {
        var verdict = Validate(Wat.Hello);

        Assert.True(verdict.IsValid, verdict.Error);
        Assert.Equal("\0asm"u8.ToArray(), verdict.WasmBytes![..4]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(verdict.WasmBytes)), verdict.Sha256);
    }

    [Fact]
    public void Validate_Binary_KeepsTheBytes()
    {
        var binary = Validate(Wat.Hello).WasmBytes!;

        var verdict = Validate(binary);

        Assert.True(verdict.IsValid);
        Assert.Equal(binary, verdict.WasmBytes);
    }

    [Fact]
    public void Validate_Empty_IsRejected()
    {
        var verdict = Validate([]);

        Assert.False(verdict.IsValid);
        Assert.Equal("the module is empty", verdict.Error);
    }

    [Fact]
    public void Validate_Garbage_IsRejected()
    {
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);

        var verdict = Validate(garbage);

        Assert.False(verdict.IsValid);
        Assert.Contains("not a WebAssembly module", verdict.Error);
    }

    [Fact]
    public void Validate_Truncated_IsRejected()
    {
        var binary = Validate(Wat.Hello).WasmBytes!;

        foreach (var length in new[] { 4, 8, 9, binary.Length / 2, binary.Length - 1 })
        {
            var verdict = Validate(binary[..length]);
            Assert.False(verdict.IsValid, $"a module cut to {length} bytes was accepted");
            Assert.False(string.IsNullOrWhiteSpace(verdict.Error));
        }
    }

    [Fact]
    public void Validate_RandomCorruption_NeverThrows()
    {
        var binary = Validate(Wat.ArgsAndEnv).WasmBytes!;
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var mutated = (byte[])binary.Clone();
            for (var flips = 0; flips < 3; flips++) mutated[8 + random.Next(mutated.Length - 8)] = (byte)random.Next(256);
            var verdict = Validate(mutated);
            Assert.True(verdict.IsValid || verdict.Error is not null);
        }
    }

    [Fact]
    public void Validate_NoStart_IsNotAWasiCommand()
    {
        var verdict = Validate(Wat.NoStart);

        Assert.False(verdict.IsValid);
        Assert.Contains("no _start", verdict.Error);
    }

    [Fact]
    public void Validate_ImportOutsideWasi_IsRejectedByName()
    {
        var verdict = Validate(Wat.ForeignImport);

        Assert.False(verdict.IsValid);
        Assert.Contains("evil_host::open_socket", verdict.Error);
    }

    [Fact]
    public void Validate_WasiImportWithWrongSignature_IsRejected()
    {
        var verdict = Validate(Wat.WrongWasiSignature);

        Assert.False(verdict.IsValid);
        Assert.Contains("wrong signature", verdict.Error);
    }

    [Fact]
    public void Validate_UnknownWasiFunction_IsRejected()
    {
        var verdict = Validate(Wat.UnknownWasiFunction);

        Assert.False(verdict.IsValid);
        Assert.Contains("open_everything", verdict.Error);
    }

    [Fact]
    public void Validate_MoreFunctionsThanTheLimit_IsRejectedBeforeCompiling()
    {
        var verdict = Validate(Wat.ManyFunctions(200), new ModuleLimits(ModuleLimits.DefaultMaxModuleBytes, 100));

        Assert.False(verdict.IsValid);
        Assert.Contains("201 functions", verdict.Error);
    }

    [Fact]
    public void Validate_LargerThanTheLimit_IsRejected()
    {
        var binary = Validate(Wat.Hello).WasmBytes!;

        var verdict = Validate(binary, new ModuleLimits(binary.Length - 1, 100));

        Assert.False(verdict.IsValid);
        Assert.Contains($"{binary.Length} bytes", verdict.Error);
    }

    [Fact]
    public void Validate_InvalidWat_SaysWhere()
    {
        var verdict = Validate("(module (func (export \"_start\") (i32.add)))");

        Assert.False(verdict.IsValid);
        Assert.StartsWith("invalid", verdict.Error);
    }

    [Fact]
    public void Validate_Component_IsRejectedWithAReason()
    {
        // The smallest component: magic, version 0x0d, layer 1.
        var verdict = Validate([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

        Assert.False(verdict.IsValid);
        Assert.Contains("component", verdict.Error);
    }

    [Fact]
    public void Validate_TextThatIsNotUtf8_IsRejected()
    {
        var verdict = Validate([(byte)'(', 0xff, 0xfe, (byte)')']);

        Assert.False(verdict.IsValid);
        Assert.Contains("UTF-8", verdict.Error);
    }
}
