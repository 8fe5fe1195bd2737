namespace Platform.Runtime.Wasi;

/// <summary>The WASI preview 1 errno values this host returns.</summary>
internal static class Errno
{
    public const int Success = 0;
    public const int Acces = 2;
    public const int Badf = 8;
    public const int Exist = 20;
    public const int Fault = 21;
    public const int Fbig = 22;
    public const int Ilseq = 25;
    public const int Inval = 28;
    public const int Io = 29;
    public const int Isdir = 31;
    public const int Loop = 32;
    public const int Mfile = 33;
    public const int Mlink = 34;
    public const int Nametoolong = 37;
    public const int Noent = 44;
    public const int Nospc = 51;
    public const int Nosys = 52;
    public const int Notdir = 54;
    public const int Notempty = 55;
    public const int Notsock = 57;
    public const int Notsup = 58;
    public const int Perm = 63;
    public const int Rofs = 69;
    public const int Spipe = 70;
    public const int Xdev = 75;
}
