using System.Globalization;
using Platform.ControlPlane.Errors;
using Platform.ControlPlane.Validation;
using Platform.Runtime;

namespace Platform.ControlPlane.History;

/// <summary>
/// The filters of a history list: a function, an outcome, and [since, until) on the time the
/// invocation ended; each optional. <see cref="Scope"/> binds a cursor to them.
/// </summary>
internal sealed record HistoryQuery(string? Function, string? Outcome, DateTimeOffset? Since, DateTimeOffset? Until)
{
    public static HistoryQuery All { get; } = new(null, null, null, null);

    /// <summary>Validated filters; INVALID_ARGUMENT naming the first bad one.</summary>
    public static HistoryQuery Create(string? function, string? outcome, DateTimeOffset? since, DateTimeOffset? until)
    {
        var name = string.IsNullOrEmpty(function) ? null : NameRules.Require(function, "function");
        string? code = null;
        if (!string.IsNullOrEmpty(outcome))
        {
            if (!OutcomeCodes.TryParse(outcome, out var parsed))
                throw PlatformException.InvalidArgument("outcome", "outcome must be one of " + string.Join(", ", Enum.GetValues<Outcome>().Select(o => o.ToCode())));
            code = parsed.ToCode();
        }

        if (since is { } s && until is { } u && u <= s)
            throw PlatformException.InvalidArgument("until", "until must be later than since");
        return new HistoryQuery(name, code, since, until);
    }

    /// <summary>The cursor scope: the tenant and these filters, so a cursor is good for this list only.</summary>
    public string Scope(Guid tenantId) => string.Join(
        '/',
        tenantId.ToString("N"),
        Function ?? "",
        Outcome ?? "",
        Since?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "",
        Until?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "");
}
