using System.Globalization;

namespace Platform.ControlPlane.Modules;

/// <summary>
/// The transaction-scoped advisory lock on a module hash that makes collection safe against an
/// upload of the same bytes: an upload holds it shared from before it looks for the module row
/// until its version commits; the collector takes it exclusively (without waiting) before it
/// deletes an unreferenced row. So a row is never deleted between an upload finding it and the
/// upload's version referencing it, and an upload that waited for a collection inserts the row
/// again. (The versions' foreign key would refuse to delete a referenced row anyway; the lock
/// keeps that from failing either side.)
/// </summary>
internal static class ModuleLocks
{
    /// <summary>First key of the two-key lock form, which PostgreSQL keeps apart from one-key locks (the migration lock).</summary>
    public const int Space = 0x4D6F64; // "Mod"

    /// <summary>The second key: the hash's first 32 bits (a shared key between two hashes only serialises them).</summary>
    public static int Key(string sha256) => unchecked((int)uint.Parse(sha256.AsSpan(0, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));

    public const string TakeShared = "SELECT pg_advisory_xact_lock_shared(@space, @key)";
}
