using System.Text;
using Wasmtime;

namespace Platform.Runtime.Validation;

internal static class WatText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>WAT starts, after whitespace, with a form or a comment.</summary>
    public static bool LooksLikeWat(ReadOnlySpan<byte> source)
    {
        var trimmed = source.TrimStart(" \t\r\n"u8);
        if (trimmed.StartsWith("\uFEFF"u8)) trimmed = trimmed[3..].TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && (trimmed[0] == (byte)'(' || trimmed.StartsWith(";;"u8));
    }

    public static bool TryConvert(ReadOnlySpan<byte> source, out byte[] wasm, out string? error)
    {
        wasm = [];
        string text;
        try
        {
            text = StrictUtf8.GetString(source);
        }
        catch (DecoderFallbackException)
        {
            error = "the text is not valid UTF-8";
            return false;
        }

        try
        {
            wasm = Module.ConvertText(text);
            error = null;
            return true;
        }
        catch (WasmtimeException ex)
        {
            error = ErrorText.FirstLines(ex.Message);
            return false;
        }
    }
}
