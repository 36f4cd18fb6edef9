using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace SalesScorecard.PowerShell;

/// <summary>
/// Reads '26:00:00' as 26 hours, as an admin means it. PowerShell's own conversion reads it as 26 days, which would
/// silence the watchdog for almost a month.
/// </summary>
public sealed partial class HoursTimeSpanAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text && HoursPattern().Match(text.Trim()) is { Success: true } match)
        {
            return new TimeSpan(
                int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture),
                match.Groups["s"].Success ? int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) : 0);
        }

        // A bare number is hours, as an admin writing -MaxAge 26 means, never 26 ticks of a TimeSpan.
        return value is int or long ? TimeSpan.FromHours(Convert.ToDouble(value, CultureInfo.InvariantCulture)) : value;
    }

    [GeneratedRegex(@"^(?<h>\d+):(?<m>[0-5]\d)(?::(?<s>[0-5]\d))?$")]
    private static partial Regex HoursPattern();
}
